"""The USCC and organisation-code checks, against codes verified by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.identity import (
    is_valid_org_code,
    is_valid_uscc,
    make_usccs,
    normalize_uscc,
    org_code_check_char,
    org_code_of,
    uscc_check_char,
)
from tiangong.identity.uscc import CHARSET, make_uscc_array

PUBLISHED = "91350100M000100Y43"  # the example code commonly cited for GB 32100-2015
OTHER = "91330100716105852F"  # an old-style (all-digit organisation code) code, checked below


def test_published_example_by_hand() -> None:
    """91350100M000100Y43, worked by hand.

    Values (0–9, A=10 … H=17, J=18 … N=22, P=23, Q=24, R=25, T=26, U=27, W=28, X=29, Y=30):
    9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4; weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
    30 28. Products: 9 + 3 + 27 + 135 + 0 + 26 + 0 + 0 + 420 + 0 + 0 + 0 + 8 + 0 + 0 + 900 + 112
    = 1640; 1640 = 31·52 + 28; check = 31 − 28 = 3 → '3'.
    Organisation code M000100Y-4 (body letters A=10 … Z=35, so M=22, Y=34), weights 3 7 9 10 5
    8 4 2: 66 + 0 + 0 + 0 + 5 + 0 + 0 + 68 = 139 = 11·12 + 7; check = 11 − 7 = 4 → '4'.
    """
    assert uscc_check_char(PUBLISHED[:17]) == "3"
    assert org_code_check_char("M000100Y") == "4"
    assert is_valid_org_code("M000100Y4")
    assert is_valid_uscc(PUBLISHED)


def test_old_style_code_by_hand() -> None:
    """91330100716105852F, worked by hand.

    9 1 3 3 0 1 0 0 7 1 6 1 0 5 8 5 2 × weights: 9 + 3 + 27 + 81 + 0 + 26 + 0 + 0 + 140 + 29
    + 150 + 13 + 0 + 120 + 80 + 150 + 56 = 884 = 31·28 + 16; check 31 − 16 = 15 → 'F'.
    Organisation code 71610585-2: 21 + 7 + 54 + 10 + 0 + 40 + 32 + 10 = 174 = 11·15 + 9;
    check 11 − 9 = 2.
    """
    assert uscc_check_char(OTHER[:17]) == "F"
    assert org_code_check_char("71610585") == "2"
    assert is_valid_uscc(OTHER)


def test_org_check_x_and_zero() -> None:
    """Body 00000006: 6·2 = 12 ≡ 1 (mod 11), 11 − 1 = 10 → 'X'; body 00000000: 11 − 0 → '0'."""
    assert org_code_check_char("00000006") == "X"
    assert org_code_check_char("00000000") == "0"
    assert is_valid_org_code("00000006X")
    assert not is_valid_org_code("000000060")


@pytest.mark.parametrize("code", [PUBLISHED, OTHER])
def test_every_single_substitution_fails(code: str) -> None:
    # 31 is prime and no weight is 0 mod 31, so one changed character always breaks the check.
    for i in range(18):
        for c in CHARSET:
            if c != code[i]:
                assert not is_valid_uscc(code[:i] + c + code[i + 1:]), (i, c)


@pytest.mark.parametrize("code", [PUBLISHED, OTHER])
def test_adjacent_transpositions_fail(code: str) -> None:
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert not is_valid_uscc(swapped), i


def test_bad_characters_and_lengths() -> None:
    for bad in ("I", "O", "Z", "S", "V", "a", "-"):
        assert not is_valid_uscc(PUBLISHED[:5] + bad + PUBLISHED[6:])
    assert not is_valid_uscc(PUBLISHED[:17])
    assert not is_valid_uscc(PUBLISHED + "0")
    assert not is_valid_uscc("")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100I4")


def test_normalize() -> None:
    assert normalize_uscc("９１３５ ０１００-m０００１００y４３") == PUBLISHED
    assert normalize_uscc(" 91350100m000100y43\u3000") == PUBLISHED
    assert is_valid_uscc(normalize_uscc("91350100－M000100Y43"))


def test_org_code_of() -> None:
    assert org_code_of(PUBLISHED) == "M000100Y4"
    assert org_code_of("91350100-m000100y43") == "M000100Y4"
    with pytest.raises(ValueError):
        org_code_of("M000100Y4")


def test_make_usccs_valid_unique_deterministic() -> None:
    codes = make_usccs(np.random.default_rng(5), 5000, "331003")
    assert len(set(codes)) == 5000
    assert all(is_valid_uscc(c) for c in codes)
    assert all(c.startswith("91331003") for c in codes)
    assert codes == make_usccs(np.random.default_rng(5), 5000, "331003")
    assert codes != make_usccs(np.random.default_rng(6), 5000, "331003")


def test_make_uscc_array_styles_and_regions() -> None:
    rng = np.random.default_rng(0)
    regions = np.array(["331003", "330100", "110105"] * 100)
    new = np.arange(300) % 2 == 0
    codes = make_uscc_array(rng, 300, regions, new_style=new).to_pylist()
    assert all(is_valid_uscc(c) for c in codes)
    assert [c[2:8] for c in codes] == regions.tolist()
    assert all(c[8:10] == "MA" for c in codes[::2])
    assert all(c[8:16].isdigit() for c in codes[1::2])
    with pytest.raises(ValueError):
        make_uscc_array(rng, 3, ["33100X"] * 3)
    with pytest.raises(ValueError):
        make_uscc_array(rng, 3, ["331003"] * 2)


def test_bulk_checks_by_hand() -> None:
    """The column-wise checks (`identity.uscc_bulk`) on the hand-worked codes above: valid as
    given; one character changed, lower case, full-width, too short, missing: not; the
    organisation code inside a USCC, inside an old 15-character id (330100 + 71610585 2) and
    alone, with the X check worked above."""
    from tiangong.identity.uscc_bulk import org_codes, valid_org_codes, valid_usccs

    cells = pd.Series([PUBLISHED, OTHER, PUBLISHED[:17] + "4", OTHER.lower(),
                       "９" + PUBLISHED[1:], PUBLISHED[:17], None, ""], dtype=object)
    assert valid_usccs(cells).tolist() == [True, True, False, False, False, False, False,
                                           False]
    orgs = pd.Series([PUBLISHED, OTHER, "330100716105852", "00000006X", "000000060",
                      "M000100Y4", "12345", None], dtype=object)
    assert org_codes(orgs).tolist() == ["M000100Y4", "716105852", "716105852", "00000006X",
                                        None, "M000100Y4", None, None]
    assert valid_org_codes(pd.Series(["00000006X", "00000006x", "0000000６X"])).tolist() == [
        True, False, False]


def test_bulk_checks_agree_with_the_per_code_checks() -> None:
    """On valid codes, each with one character changed, and organisation codes cut from them,
    the column-wise checks answer as `is_valid_uscc` / `is_valid_org_code` do code by code."""
    from tiangong.identity.uscc_bulk import valid_org_codes, valid_usccs

    rng = np.random.default_rng(5)
    good = make_usccs(rng, 2_000, ["331003"] * 2_000)
    bad = [c[:k] + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(rng.integers(36))] + c[k + 1:]
           for c, k in zip(good, rng.integers(0, 18, len(good)), strict=True)]
    codes = pd.Series(good + bad, dtype=object)
    assert valid_usccs(codes).tolist() == [is_valid_uscc(c) for c in codes]
    bodies = codes.str.slice(8, 17)
    assert valid_org_codes(bodies).tolist() == [is_valid_org_code(c) for c in bodies]
