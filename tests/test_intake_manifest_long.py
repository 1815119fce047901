"""Issue 14.9: a long-format declaration in the manifest — which header holds the key, which the
month or the pollutant, which the value — for long sheets whose headers content recognition
cannot place. Real xlsx written here; the expected totals are worked in the comments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from tiangong.errors import DataError
from tiangong.identity.uscc import make_usccs
from tiangong.intake.assemble import assemble
from tiangong.intake.manifest import parse_manifest

YEAR = 2022
A, B = make_usccs(np.random.default_rng(1409), 2, ["331003"])
NAMES = {A: "台州市黄岩东方塑料有限公司", B: "台州市黄岩南华模具有限公司"}

MANIFEST = """\
files:
  - file: 电量.xlsx
    source: electricity
    long: {key: 甲栏, period: 乙栏, value: 丙栏}
    units: {electricity: 千瓦时}
  - file: 排放.xlsx
    source: environment
    long: {key: 丁栏, pollutant: 戊栏, value: 己栏}
    units: {emissions: 吨}
"""


def _book(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(path)


def exports(folder: Path) -> Path:
    folder.mkdir(parents=True)
    lines = ["统一社会信用代码,企业名称"] + [f"{u},{n}" for u, n in NAMES.items()]
    (folder / "名单.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _book(folder / "电量.xlsx", [  # one row per account and month, headers nobody knows
        ["甲栏", "企业名称", "统一社会信用代码", "乙栏", "丙栏"],
        ["0001", NAMES[A], A, f"{YEAR}-01", 1000],  # A: 1,000 + 2,000 kWh = 0.3 万kWh
        ["0001", NAMES[A], A, f"{YEAR}-02", 2000],
        ["0002", NAMES[B], B, f"{YEAR}-01", 500]])  # B: 500 kWh = 0.05 万kWh
    _book(folder / "排放.xlsx", [  # one row per firm and pollutant
        ["丁栏", "戊栏", "己栏"],
        [A, "化学需氧量", 1.2],  # A: 1.2 + 0.8 = 2.0 吨
        [A, "氮氧化物", 0.8],
        [B, "化学需氧量", 0.5]])  # B: 0.5 吨
    return folder


def test_long_sheets_declared_in_the_manifest(tmp_path: Path) -> None:
    folder = exports(tmp_path / "exports")
    (tmp_path / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out", manifest=tmp_path / "manifest.yaml")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B], "electricity"].tolist() == pytest.approx([0.3, 0.05])
    assert ent.loc[[A, B], "emissions"].tolist() == pytest.approx([2.0, 0.5])
    assert ent.loc[[A, B], "emission_cod"].tolist() == pytest.approx([1.2, 0.5])
    assert ent.loc[A, "emission_nox"] == pytest.approx(0.8) and np.isnan(ent.loc[B, "emission_nox"])
    led = res.ledger[res.ledger["file"].isin(["电量.xlsx", "排放.xlsx"])]
    assert (led[led["row"] > 1]["status"] == "used").all() and len(led) == 8  # 2 headers + 6


def test_without_the_declaration_the_sheets_are_not_read(tmp_path: Path) -> None:
    """The control: the same folder without manifest gives no electricity for A."""
    folder = exports(tmp_path / "exports")
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B], "electricity"].isna().all()
    assert ent.loc[[A, B], "emissions"].isna().all()


@pytest.mark.parametrize(("entry", "message"), [
    ("source: tax\n    long: {key: a, period: b, value: c}", "needs source: electricity"),
    ("source: electricity\n    long: {key: a, value: c}", "needs 'period'"),
    ("source: environment\n    long: {key: a, period: b, value: c}",
     "environment has no 'period' in long form; use 'pollutant'"),
    ("source: electricity\n    long: {key: a, period: a, value: c}", "three different headers"),
])
def test_a_wrong_long_declaration_is_named_with_its_line(entry: str, message: str) -> None:
    with pytest.raises(DataError) as err:
        parse_manifest(f"files:\n  - file: x.xlsx\n    {entry}\n", "m.yaml")
    hits = [p for p in err.value.problems if message in p.message]
    assert hits and all(p.line is not None for p in err.value.problems)
