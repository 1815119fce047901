"""Identity rules of issue 14 (docs/intake.md, tiangong.identity.linking): which firm a record
is when its code and name say different things, and codes repaired or read in older forms.
Each case is a record written by hand against a roster of three firms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.identity import make_usccs
from tiangong.identity.linking import link
from tiangong.identity.names import normalize_names

A, B, C = make_usccs(np.random.default_rng(61), 3, ["331003"])
ROSTER = pd.DataFrame({"uscc": [A, B, C],
                       "name": ["台州市黄岩东方塑料有限公司", "台州市黄岩南华模具有限公司",
                                "台州市黄岩西林机械有限公司"]})


def _link(name: str, code: str | None) -> pd.Series:
    rec = pd.DataFrame({"record_id": ["r"], "name": [name], "uscc": [code], "source": ["tax"]})
    return link(rec, ROSTER).iloc[0]


def test_valid_code_decides() -> None:
    got = _link("台州市黄岩东方塑料有限公司", A)
    assert (got["uscc"], got["method"]) == (A, "uscc") and pd.isna(got["flag"])


def test_exact_name_of_another_firm_decides_over_a_valid_code() -> None:
    got = _link("黄岩南华模具有限公司", A)  # A's code, B's name (region prefix dropped)
    assert (got["uscc"], got["method"], got["flag"]) == (B, "name_exact", "code_of_other_firm")
    assert not got["review"]


def test_code_with_invisible_characters() -> None:
    got = _link("东方塑料", A[:5] + "\u200b" + A[5:] + "\ufeff")
    assert (got["uscc"], got["method"]) == (A, "uscc")


def test_confusable_letters_repaired_when_a_roster_code_results() -> None:
    typed = A.translate(str.maketrans("0125", "OIZS"))  # 331003 holds 0 and 1: changed
    assert typed != A
    got = _link("东方塑料", typed)
    assert (got["uscc"], got["method"], got["flag"]) == (A, "uscc", "code_repaired")


def test_old_15_character_taxpayer_id_links_by_its_organisation_code() -> None:
    old = "331003" + B[8:17]  # region + the organisation code inside B's USCC
    got = _link("南华", old)
    assert (got["uscc"], got["method"]) == (B, "org_code")


def test_traditional_characters_and_region_prefix_before_exact_name() -> None:
    assert normalize_names(pd.Series(["臺州市黃巖西林機械有限公司"])).iat[0] == \
        "台州市黄岩西林机械有限公司"
    got = _link("浙江省臺州市黃巖西林機械有限公司", None)
    assert (got["uscc"], got["method"]) == (C, "name_exact")


def test_valid_code_under_a_name_no_firm_has_is_a_rename() -> None:
    """A's code with a trade name (远航) no roster firm has: A renamed, the code decides."""
    got = _link("台州市黄岩远航电子科技有限公司", A)
    assert (got["uscc"], got["method"], got["flag"]) == (A, "uscc", "renamed")
    assert not got["review"] and got["confidence"] == 1.0


def test_a_name_close_to_the_codes_firm_is_no_rename() -> None:
    """A's code with A's trade name written with another legal form: plainly A, no flag."""
    got = _link("黄岩东方塑料股份有限公司", A)
    assert (got["uscc"], got["method"]) == (A, "uscc") and pd.isna(got["flag"])


def test_a_name_several_other_firms_share_waits_for_review() -> None:
    """Two roster firms (B, D) share one name exactly; a record with A's code and that name
    could be either of them or A renamed: the analyst decides."""
    (d,) = make_usccs(np.random.default_rng(62), 1, ["331003"])
    roster = pd.concat([ROSTER, pd.DataFrame({"uscc": [d], "name": [ROSTER.name[1]]})],
                       ignore_index=True)
    rec = pd.DataFrame({"record_id": ["r"], "name": [ROSTER.name[1]], "uscc": [A],
                        "source": ["tax"]})
    got = link(rec, roster).iloc[0]
    assert (got["uscc"], got["flag"], bool(got["review"])) == (A, "code_name_mismatch", True)


def test_a_branch_of_another_firm_under_a_valid_code_waits_for_review() -> None:
    """A's code with B's name and 分厂: B's branch, not A renamed; not B's exact name either,
    so the analyst decides (A proposed, flagged)."""
    got = _link("台州市黄岩南华模具有限公司分厂", A)
    assert (got["uscc"], got["flag"], bool(got["review"])) == (A, "code_name_mismatch", True)
