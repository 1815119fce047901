"""Name normalisation and parsing into parts, on hand-written examples."""

from __future__ import annotations

import pandas as pd

from tiangong.identity.names import normalize_names, parse_names, trade_similarity


def _parts(*names: str) -> pd.DataFrame:
    return parse_names(pd.Series(list(names)))


def test_normalise_full_width_brackets_and_spaces() -> None:
    out = normalize_names(pd.Series(["华泰（台州） 有限公司", "ａｂｃ厂", None]))
    assert out.tolist() == ["华泰(台州)有限公司", "ABC厂", ""]


def test_parts_of_a_typical_name() -> None:
    p = _parts("台州市黄岩华泰塑料制品有限公司").iloc[0]
    got = (p["region"], p["trade"], p["industry"], p["legal"])
    assert got == ("黄岩", "华泰", "塑料制品", "有限")
    assert p["regions"] == "台州|黄岩"


def test_variants_share_a_key() -> None:
    p = _parts("黄岩华泰塑料制品有限责任公司", "黄岩华泰塑料制品有限公司",
               "华泰塑料制品（黄岩）有限公司", "华 泰塑料制品(黄岩区)有限公司")
    assert p["key"].nunique() == 1


def test_branch_and_forms() -> None:
    p = _parts("温州华泰泵业股份有限公司黄岩分公司", "浙江华泰模具厂").reset_index(drop=True)
    assert p.loc[0, "branch"] == "黄岩分公司" and p.loc[0, "legal"] == "股份"
    assert p.loc[1, "legal"] == "厂" and p.loc[1, "region"] == "浙江"


def test_generic_region_rule() -> None:
    p = _parts("青石县华泰五金有限公司").iloc[0]
    assert (p["region"], p["trade"]) == ("青石", "华泰")


def test_typo_similar_but_other_region_differs() -> None:
    parts = _parts("温州华泰阀门有限公司", "温州华太阀门有限公司", "台州华泰阀门有限公司")
    a, b, c = parts.itertuples()
    assert trade_similarity(a.trade, b.trade) == 0.5
    assert a.region == b.region == "温州" and c.region == "台州"
    assert a.key != c.key


def test_bracketed_region_is_marked() -> None:
    p = _parts("华泰塑料制品（台州）有限公司", "台州华泰塑料制品有限公司",
               "华泰塑料制品(集团)有限公司")
    assert p["bracketed"].tolist() == [True, False, False]
    assert p["regions"].tolist() == ["台州", "台州", ""]
