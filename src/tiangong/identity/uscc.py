"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its organisation code.

Departments key their exports by this 18-character code, so intake must normalise what people
typed (full-width digits, spaces, hyphens, lower case) and reject codes whose check characters
fail before trying to join on them. Layout, 1-based:

    1      registration authority (9 = 市场监管/工商)
    2      entity type (1 = enterprise)
    3–8    administrative division (GB/T 2260) of the registering authority
    9–17   organisation code (GB 11714): 8 body characters + its own mod-11 check
    18     check character over the first 17, mod 31

The generator also needs many valid, distinct codes quickly, so `make_uscc_array` works on
numpy arrays of character values and never loops over codes in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_BODY_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_VALUE = {c: i for i, c in enumerate(CHARSET)}
_ORG_VALUE = {c: i for i, c in enumerate(ORG_BODY_CHARS)}  # digits 0–9, A=10 … Z=35
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {
    0xFF21 + i: 0x41 + i for i in range(26)} | {0xFF41 + i: 0x61 + i for i in range(26)}
# spaces, hyphens and dashes, and the invisible characters a copy from a web page or a
# system export carries (zero-width space / joiners, word joiner, BOM, no-break space, marks)
_DROP = str.maketrans("", "", " \t\r\n\u3000-\u2010\u2011\u2012\u2013\u2014\uff0d"
                      "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00a0")
# letters a USCC cannot hold, read as the digit they are mistaken for (O/0, I/1, Z/2, S/5)
CONFUSABLE = str.maketrans("OIZS", "0125")


def normalize_uscc(text: str) -> str:
    """Full-width to half-width, drop spaces and hyphens, upper-case; no validation."""
    return text.translate(_FULLWIDTH).translate(_DROP).upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character for the given first 17 (raises ValueError on a bad character)."""
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as err:
        raise ValueError(f"character {err.args[0]!r} is not allowed in a USCC") from None
    return CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body."""
    if len(body8) != 8:
        raise ValueError(f"need 8 characters, got {len(body8)}")
    try:
        total = sum(_ORG_VALUE[c] * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    except KeyError as err:
        raise ValueError(f"character {err.args[0]!r} is not allowed in an org code") from None
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def is_valid_org_code(code9: str) -> bool:
    """True when `code9` is 8 body characters followed by the right check character."""
    if len(code9) != 9 or any(c not in _ORG_VALUE for c in code9[:8]):
        return False
    return org_code_check_char(code9[:8]) == code9[8]


def is_valid_uscc(code: str) -> bool:
    """Both check characters hold (the code itself is taken as given: normalise first)."""
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17] and is_valid_org_code(code[8:17])


def org_code_of(uscc: str) -> str:
    """The 9-character organisation code inside a USCC, as `XXXXXXXX-X` is printed without '-'."""
    code = normalize_uscc(uscc)
    if len(code) != 18:
        raise ValueError(f"not an 18-character USCC: {uscc!r}")
    return code[8:17]


# ---------------------------------------------------------------------------------------------
# Vectorised construction for the demo generator.

_ASCII = np.frombuffer(CHARSET.encode("ascii"), dtype=np.uint8)
_ORG_OF_USCC_VALUE = np.array([_ORG_VALUE[c] for c in CHARSET], dtype=np.int64)
_ORG_CHECK_ASCII = np.frombuffer(b"0123456789X0", dtype=np.uint8)  # index 11 - sum % 11
_NEW_SPACE = 31**6  # body "MA" + 6 characters, as issued since 2015
_OLD_SPACE = 10**8  # all-digit bodies of pre-2015 organisation codes


def _affine_unique(rng: np.random.Generator, n: int, space: int) -> np.ndarray:
    """n distinct integers in [0, space) without materialising the space: k -> a·k+b mod space.

    `a` is drawn coprime to `space`, so the map is a bijection and distinct k give distinct
    values; shuffling k hides the arithmetic progression.
    """
    if n > space:
        raise ValueError(f"cannot draw {n} distinct codes from {space}")
    while True:
        a = int(rng.integers(space // 7, space - 1))
        if np.gcd(a, space) == 1:
            break
    b = int(rng.integers(0, space))
    k = rng.permutation(n).astype(np.int64)
    return (k * a + b) % space


def _digits(values: np.ndarray, base: int, width: int) -> np.ndarray:
    out = np.empty((values.size, width), dtype=np.uint8)
    rest = values.copy()
    for j in range(width - 1, -1, -1):
        out[:, j] = rest % base
        rest //= base
    return out


def make_uscc_array(rng: np.random.Generator, n: int,
                    region_codes: Sequence[str] | np.ndarray,
                    new_style: np.ndarray | None = None) -> pa.StringArray:
    """n distinct valid USCCs as an Arrow string array.

    region_codes: one 6-digit GB/T 2260 code per code to make (or a single code for all).
    new_style: per code, True for a post-2015 'MA…' organisation code, False for an old
    all-digit one (default: all new). Codes are distinct within one call only.
    """
    regions = np.asarray(region_codes, dtype="S6")
    if regions.size == 1:
        regions = np.repeat(regions.reshape(1), n)
    if regions.size != n:
        raise ValueError(f"{regions.size} region codes for {n} USCCs")
    region_digits = regions.view(np.uint8).reshape(n, 6) - np.uint8(ord("0"))
    if region_digits.size and region_digits.max() > 9:  # wraps below '0' too
        raise ValueError("region codes must be 6 digits")
    new = np.ones(n, dtype=bool) if new_style is None else np.asarray(new_style, dtype=bool)
    vals = np.empty((n, 17), dtype=np.uint8)  # USCC character values (index into CHARSET)
    vals[:, 0], vals[:, 1] = 9, 1
    vals[:, 2:8] = region_digits
    n_new = int(new.sum())
    body = vals[:, 8:16]
    body[new, 0], body[new, 1] = _VALUE["M"], _VALUE["A"]
    body[new, 2:] = _digits(_affine_unique(rng, n_new, _NEW_SPACE), 31, 6)
    body[~new] = _digits(_affine_unique(rng, n - n_new, _OLD_SPACE), 10, 8)
    org_sum = np.zeros(n, dtype=np.int64)
    for j, w in enumerate(ORG_WEIGHTS):
        org_sum += _ORG_OF_USCC_VALUE[body[:, j]] * w
    vals[:, 16] = np.searchsorted(_ASCII, _ORG_CHECK_ASCII[11 - org_sum % 11])  # '0'–'9','X'
    total = np.zeros(n, dtype=np.int64)
    for j, w in enumerate(WEIGHTS):
        total += vals[:, j].astype(np.int64) * w
    ascii_codes = np.empty((n, 18), dtype=np.uint8)
    ascii_codes[:, :17] = _ASCII[vals]
    ascii_codes[:, 17] = _ASCII[(31 - total % 31) % 31]
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(ascii_codes.tobytes())])


def make_usccs(rng: np.random.Generator, n: int,
               region_codes: Sequence[str] | np.ndarray) -> list[str]:
    """n distinct valid USCCs as Python strings (see `make_uscc_array` for large n)."""
    return make_uscc_array(rng, n, region_codes).to_pylist()
