"""Linking stages, the crosswalk, the mismatch flag and a small accuracy check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.demo.generator import generate
from tiangong.identity.crosswalk import load_crosswalk, record_decisions, save_crosswalk
from tiangong.identity.linking import link
from tiangong.identity.perturb import perturbed_records, precision_recall
from tiangong.identity.uscc import make_usccs


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    firms = generate(2000, 11)["enterprises"].to_pandas()
    return firms[firms["year"] == 2022][["uscc", "name"]].reset_index(drop=True)


def _one(roster: pd.DataFrame, **record: object) -> pd.Series:
    return link(pd.DataFrame([{"record_id": 1, **record}]), roster).iloc[0]


def test_valid_uscc(roster: pd.DataFrame) -> None:
    row = _one(roster, uscc=roster.uscc[0].lower(), name=roster.name[0])
    got = (row.method, row.uscc, row.confidence, row.review)
    assert got == ("uscc", roster.uscc[0], 1.0, False)


def test_org_code_inside_a_broken_code(roster: pd.DataFrame) -> None:
    code = roster.uscc[5]
    broken = "92" + code[2:8] + code[8:17] + "0"  # wrong prefix and check char, same org code
    row = _one(roster, uscc=broken, name=roster.name[5])
    assert (row.method, row.uscc) == ("org_code", code)
    bare = _one(roster, uscc=f"{code[8:16]}-{code[16]}", name=roster.name[5])
    assert (bare.method, bare.uscc) == ("org_code", code)


def test_exact_normalised_name(roster: pd.DataFrame) -> None:
    name = roster.name[7].replace("有限责任公司", "有限公司") + " "
    row = _one(roster, name=name.replace("有限公司", "有限责任公司"))
    assert (row.method, row.uscc) == ("name_exact", roster.uscc[7])


def test_valid_code_under_a_name_no_firm_has_is_a_rename(roster: pd.DataFrame) -> None:
    # issue 14.6: the name is no roster firm's, so the firm was renamed and the code decides
    row = _one(roster, uscc=roster.uscc[3], name="温州市鹿城奇巧精密模具有限公司")
    assert (row.flag, row.review, row.uscc) == ("renamed", False, roster.uscc[3])


def test_crosswalk_is_reused(roster: pd.DataFrame, tmp_path: Path) -> None:
    first = pd.DataFrame({"record_id": [1], "uscc": ["330000123456789"], "name": ["某某某公司"]})
    assert link(first, roster).method[0] == "none"
    cw = record_decisions(None, first, pd.Series([roster.uscc[9]]), decided_by="analyst")
    save_crosswalk(cw, tmp_path / "cw.parquet")
    later = link(first.assign(record_id=[2]), roster, load_crosswalk(tmp_path / "cw.parquet"))
    assert (later.method[0], later.uscc[0]) == ("crosswalk", roster.uscc[9])
    by_code = record_decisions(cw, first, pd.Series([roster.uscc[10]]), "analyst", by_code=True)
    assert link(first, roster, by_code).uscc[0] == roster.uscc[10]


def _perturbed(roster: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,200 name-only records (truth) and 500 coded ones from another source (labels)."""
    truth = perturbed_records(roster, 1200, 3)
    coded = perturbed_records(roster, 500, 4)
    coded = coded.assign(record_id=coded.record_id + 10**6, uscc=coded.true_uscc,
                         source="coded")
    records = pd.concat([truth[["record_id", "name"]].assign(source="names"),
                         coded[["record_id", "uscc", "name", "source"]]], ignore_index=True)
    return truth, records


def test_accuracy_on_perturbed_names(roster: pd.DataFrame) -> None:
    truth, records = _perturbed(roster)
    out = link(records, roster)
    assert set(out.method) <= {"uscc", "name_exact", "probabilistic", "none"}
    assert "probabilistic" in set(out.method)
    precision, recall = precision_recall(out, truth)
    assert precision >= 0.99, precision
    # ~0.98 on this small roster (few firms share a trade name); 0.967 on the province one.
    assert recall >= 0.95, recall
    # Typo'd trade names with the region in brackets are linked too, not only queued.
    kinds = truth.merge(out, on="record_id")
    typo = kinds[kinds.kinds.str.contains("typo") & kinds.kinds.str.contains("bracket")]
    linked = typo.uscc.notna() & ~typo.review & (typo.uscc == typo.true_uscc)
    assert linked.mean() >= 0.6, (linked.mean(), len(typo))


def test_linking_is_deterministic(roster: pd.DataFrame) -> None:
    _, records = _perturbed(roster)
    first = link(records, roster, one_per_firm=True)
    again = link(records.sample(frac=1.0, random_state=5), roster, one_per_firm=True)
    again = again.sort_values("record_id", kind="stable").reset_index(drop=True)
    first = first.sort_values("record_id", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, again)


@pytest.fixture(scope="module")
def twins(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster plus two firms that differ only in their region (台州 / 温州)."""
    codes = make_usccs(np.random.default_rng(99), 2, ["331003", "330302"])
    assert not set(codes) & set(roster.uscc)
    extra = pd.DataFrame({"uscc": codes, "name": ["台州市黄岩澄湖塑料制品有限公司",
                                                  "温州市鹿城澄湖塑料制品有限公司"]})
    return pd.concat([roster, extra], ignore_index=True)


def test_one_record_per_firm_singles_out_the_other_twin(twins: pd.DataFrame) -> None:
    taizhou, wenzhou = twins.uscc.iloc[-2], twins.uscc.iloc[-1]
    # Without a region the name fits both twins equally: never accepted as either.
    records = pd.DataFrame({"record_id": [1, 2], "source": ["tax", "tax"],
                            "name": ["台州市黄岩澄湖塑料制品有限公司", "澄湖塑料制品有限责任公司"]})
    plain = link(records, twins)
    assert plain.uscc[0] == taizhou and plain.method[0] == "name_exact"
    assert plain.uscc[1] in {taizhou, wenzhou, None} and (plain.review[1] or
                                                           plain.uscc[1] is None)
    assert plain.confidence[1] < 0.6
    # A tax export lists each taxpayer once: 台州 is taken by the first record, so the second
    # is 温州's.
    once = link(records, twins, one_per_firm=True)
    assert (once.uscc[1], once.method[1], bool(once.review[1])) == (
        wenzhou, "probabilistic", False)
    assert once.confidence[1] > 0.9
    # Records of different sources do not exclude each other.
    apart = link(records.assign(source=["tax", "power"]), twins, one_per_firm=True)
    assert apart.confidence[1] < 0.6


def test_a_typo_of_the_same_sound_singles_out_its_firm(roster: pd.DataFrame) -> None:
    # 宏和 differs from 宏湖 and from 宏河 in the same place; only 河 (he) sounds like 和 (he).
    codes = make_usccs(np.random.default_rng(98), 2, ["331003", "331003"])
    lake, river = codes
    extra = pd.DataFrame({"uscc": codes, "name": ["台州市黄岩宏湖塑料制品有限公司",
                                                  "台州市黄岩宏河塑料制品有限公司"]})
    firms = pd.concat([roster, extra], ignore_index=True)
    _, records = _perturbed(roster)  # coded records train m, homophone typos included
    typo = pd.DataFrame({"record_id": [99_999], "name": ["台州市黄岩宏和塑料制品有限公司"],
                         "source": ["names"]})
    out = link(pd.concat([records, typo], ignore_index=True), firms)
    row = out[out.record_id == 99_999].iloc[0]
    assert (row.uscc, row.method, bool(row.review)) == (river, "probabilistic", False)
    assert row.uscc != lake and row.confidence >= 0.9
