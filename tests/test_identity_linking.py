"""Linking stages, the crosswalk, the mismatch flag and a small accuracy check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tiangong.demo.generator import generate
from tiangong.identity.crosswalk import load_crosswalk, record_decisions, save_crosswalk
from tiangong.identity.linking import link
from tiangong.identity.perturb import perturbed_records, precision_recall


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


def test_wrong_but_valid_code_is_flagged(roster: pd.DataFrame) -> None:
    row = _one(roster, uscc=roster.uscc[3], name="温州市鹿城奇巧精密模具有限公司")
    assert row.flag == "code_name_mismatch" and row.review and row.uscc == roster.uscc[3]


def test_crosswalk_is_reused(roster: pd.DataFrame, tmp_path: Path) -> None:
    first = pd.DataFrame({"record_id": [1], "uscc": ["330000123456789"], "name": ["某某某公司"]})
    assert link(first, roster).method[0] == "none"
    cw = record_decisions(None, first, pd.Series([roster.uscc[9]]), decided_by="analyst")
    save_crosswalk(cw, tmp_path / "cw.parquet")
    later = link(first.assign(record_id=[2]), roster, load_crosswalk(tmp_path / "cw.parquet"))
    assert (later.method[0], later.uscc[0]) == ("crosswalk", roster.uscc[9])
    by_code = record_decisions(cw, first, pd.Series([roster.uscc[10]]), "analyst", by_code=True)
    assert link(first, roster, by_code).uscc[0] == roster.uscc[10]


def test_accuracy_on_perturbed_names(roster: pd.DataFrame) -> None:
    truth = perturbed_records(roster, 1200, 3)
    coded = perturbed_records(roster, 500, 4)
    coded = coded.assign(record_id=coded.record_id + 10**6, uscc=coded.true_uscc)
    records = pd.concat([truth[["record_id", "name"]], coded[["record_id", "uscc", "name"]]],
                        ignore_index=True)
    out = link(records, roster)
    assert set(out.method) <= {"uscc", "name_exact", "probabilistic", "none"}
    assert "probabilistic" in set(out.method)
    precision, recall = precision_recall(out, truth)
    assert precision >= 0.99, precision
    # ~0.98 here: typo records are accepted when their best candidate stands out (MARGIN_BITS).
    assert recall >= 0.95, recall
