"""Intake manifests: checked with line numbers, and applied to real exports the generator writes
and that a department has renamed, re-headed or re-encoded."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.demo import generate
from tiangong.demo.exports import ExportManifest, write_exports
from tiangong.errors import DataError
from tiangong.intake import load
from tiangong.intake.assemble import IntakeResult, assemble
from tiangong.intake.columns import FileOptions
from tiangong.intake.manifest import parse_manifest

ROOT = Path(__file__).resolve().parents[1]
SEED, YEAR = 3, 2022
CODE = "91331003MAM6FCGN7J"


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> ExportManifest:
    return write_exports(generate(300, SEED, year=YEAR), tmp_path_factory.mktemp("exports"),
                         SEED, YEAR, environment_layout="rows")


@pytest.fixture(scope="module")
def original(exports: ExportManifest, tmp_path_factory: pytest.TempPathFactory) -> IntakeResult:
    return assemble(exports.out_dir, YEAR, tmp_path_factory.mktemp("original") / "out")


def renamed(exports: ExportManifest, folder: Path) -> tuple[Path, str]:
    """A copy of the exports whose first tax file has an unrecognisable name and headers, and
    no unit in the header any more; returns the folder and the unit the file's amounts are in."""
    shutil.copytree(exports.out_dir, folder)
    tax = exports.by_source("tax")[0]
    unit = tax.units["eval_tax"]
    text = (folder / tax.path.name).read_text(encoding="gbk")
    text = text.replace(f"纳税人识别号,纳税人名称,年度,实缴税金({unit}),销售收入({unit})",
                        "纳税人识别号码,纳税人名称,年度,全年入库税款,销售收入")
    assert "全年入库税款" in text
    (folder / tax.path.name).unlink()
    (folder / "export_A.csv").write_text(text, encoding="gbk")
    return folder, unit


MANIFEST = """\
files:
  - file: export_A.csv
    source: tax
    columns:
      纳税人识别号码: uscc
      全年入库税款: eval_tax
      销售收入: revenue
    units:
      eval_tax: {unit}
      revenue: {unit}
"""


def test_manifest_makes_a_renamed_file_load_as_before(exports: ExportManifest,
                                                      original: IntakeResult,
                                                      tmp_path: Path) -> None:
    folder, unit = renamed(exports, tmp_path / "exports")
    plain = assemble(folder, YEAR, tmp_path / "plain")
    # its headers name no tax column: no source by content (销售收入 alone is no statistics
    # report, as it was taken for before issue 14), so it is reported, not loaded
    assert plain.reconciliation.set_index("file").loc["export_A.csv", "source"] == ""
    assert [u.reason for u in plain.unread if u.path.name == "export_A.csv"] == [
        "sheet_not_recognised"]
    assert plain.enterprises["eval_tax"].notna().sum() < \
        original.enterprises["eval_tax"].notna().sum()
    (tmp_path / "package.yaml").write_text(MANIFEST.format(unit=unit), encoding="utf-8")
    got = assemble(folder, YEAR, tmp_path / "with", manifest=tmp_path / "package.yaml")
    a = original.enterprises.set_index("uscc")
    b = got.enterprises.set_index("uscc").loc[a.index]
    for col in ("eval_tax", "revenue", "electricity", "land_area"):
        np.testing.assert_array_equal(a[col].to_numpy(float), b[col].to_numpy(float), col)
    conv = [c for f in got.files if f.path.name == "export_A.csv" for c in f.intake.conversions]
    assert {(c.column, c.unit, c.declared_in) for c in conv} == {
        ("eval_tax", unit, "manifest"), ("revenue", unit, "manifest")}


def test_problems_are_reported_together_with_lines() -> None:
    text = ("files:\n"                                  # 1
            "  - file: a.xlsx\n"                        # 2
            "    source: taxes\n"                       # 3
            "    colums: {x: y}\n"                      # 4
            "  - file: b.csv\n"                         # 5
            "    source: tax\n"                         # 6
            "    sheet: 1\n"                            # 7
            "    encoding: klingon\n"                   # 8
            "    columns:\n"                            # 9
            "      全年入库税款: eval_taxx\n"           # 10
            "    units:\n"                              # 11
            "      eval_tax: 平方米\n"                  # 12
            "      revenue: furlongs\n"                 # 13
            "      uscc: 元\n"                          # 14
            "sources:\n"                                # 15
            "  water: {}\n"                             # 16
            "mu_per_square_metre: -1\n")                # 17
    with pytest.raises(DataError) as err:
        parse_manifest(text, "package.yaml")
    found = [(p.line, p.field) for p in err.value.problems]
    assert found == [(3, "files.0.source"), (4, "files.0.colums"), (7, "files.1.sheet"),
                     (8, "files.1.encoding"), (10, "files.1.columns.全年入库税款"),
                     (12, "files.1.units.eval_tax"), (13, "files.1.units.revenue"),
                     (14, "files.1.units.uscc"), (16, "sources.water"),
                     (17, "mu_per_square_metre")]
    text = str(err.value)
    assert "package.yaml:12" in text and "平方米 is a unit of area, but eval_tax is money" in text
    assert "tax has no column 'eval_taxx'; its columns: uscc, name, year, eval_tax, revenue" in text


def test_not_yaml_and_not_a_mapping() -> None:
    with pytest.raises(DataError, match=r"m.yaml:2: not valid YAML"):
        parse_manifest("files:\n  - file: a: b\n", "m.yaml")
    with pytest.raises(DataError, match="must be a YAML mapping"):
        parse_manifest("- a\n- b\n", "m.yaml")


def test_manifest_must_fit_the_folder(exports: ExportManifest, tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "files:\n"
        "  - file: 不存在的文件.xlsx\n"             # line 2: matches nothing
        "  - file: \"02_税收_*.csv\"\n"             # line 3
        "  - file: 02_税收_第1税务所.csv\n"          # line 4: the same file again
        "  - file: 05_统计_规上工业.xlsx\n"          # line 5: no source given: detected
        "    columns: {工业增加值: eval_tax}\n",     # line 6: statistics has no eval_tax
        encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(DataError) as err:
        assemble(exports.out_dir, YEAR, out, manifest=tmp_path / "m.yaml")
    found = [(p.line, p.message.split(";")[0].split(" (")[0]) for p in err.value.problems]
    assert found[0][0] == 2 and "no file '不存在的文件.xlsx'" in found[0][1]
    assert found[1] == (4, "02_税收_第1税务所.csv is matched by the entries at lines 3, 4 for "
                           "the same sheet")
    assert found[2] == (6, "05_统计_规上工业.xlsx was read as statistics: statistics has no "
                           "column 'eval_tax'")
    assert not out.exists()


def test_mapped_header_missing_names_file_and_headers(exports: ExportManifest,
                                                      tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("sources:\n  tax:\n    columns: {全年入库税款: eval_tax}\n",
                                     encoding="utf-8")
    with pytest.raises(DataError) as err:
        assemble(exports.out_dir, YEAR, tmp_path / "out", manifest=tmp_path / "m.yaml")
    problems = err.value.problems
    assert {Path(p.source).name for p in problems} == {
        f.path.name for f in exports.by_source("tax")}
    assert all("maps header '全年入库税款', which this file does not have; headers found: "
               "['纳税人识别号', '纳税人名称', '年度', '实缴税金(" in p.message for p in problems)


def test_unit_from_manifest_wins_over_header_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "tax.csv"
    path.write_text(f"纳税人识别号,实缴税金(万元)\n{CODE},\"25,000\"\n", encoding="utf-8")
    assert load(path, "tax").frame["eval_tax"].tolist() == [25000.0]
    intake = load(path, "tax", options=FileOptions(units={"eval_tax": "元"}))
    assert intake.frame["eval_tax"].tolist() == pytest.approx([2.5])
    (warning,) = [q for q in intake.quality if q.rule == "unit_from_manifest"]
    assert warning.value == "万元" and "元 applied" in warning.action


def test_mapping_wins_over_synonyms_and_null_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "tax.csv"
    path.write_text(f"纳税人识别号,实缴税金(元),入库税收(元),销售收入(元)\n"
                    f"{CODE},10000,20000,30000\n", encoding="utf-8")
    with pytest.raises(DataError, match="几列都表示 eval_tax，但有 1 行数值不同"):
        load(path, "tax")  # two tax columns that differ: never the first by position
    intake = load(path, "tax", options=FileOptions(columns={"入库税收": "eval_tax",
                                                            "销售收入": None}))
    assert intake.frame["eval_tax"].tolist() == pytest.approx([2.0])
    assert "revenue" not in intake.frame.columns
    assert [(q.column, q.rule) for q in intake.quality if q.rule == "duplicate_column"] == [
        ("实缴税金(元)", "duplicate_column")]


def test_encoding_sheet_and_skip(exports: ExportManifest, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(exports.out_dir, folder)
    env = exports.by_source("environment")[0].path.name
    text = (folder / env).read_text(encoding="utf-8-sig")
    (folder / env).unlink()
    # Excel's "Unicode text": UTF-16 with tabs, which the detection does not try
    (folder / "营销系统导出_排污.txt").write_text(text.replace(",", "\t"), encoding="utf-16")
    (folder / "填报说明.csv").write_text("本文件说明各表口径\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        "files:\n"
        "  - file: \"营销系统导出_*.txt\"\n"
        "    source: environment\n"
        "    encoding: utf-16\n"
        "  - file: 填报说明.csv\n"
        "    skip: true\n"
        "  - file: 01_企业名录.xlsx\n"
        "    sheet: 0\n", encoding="utf-8")
    got = assemble(folder, YEAR, tmp_path / "out", manifest=tmp_path / "m.yaml")
    rules = {(Path(q.file).name, q.rule) for q in got.quality}
    assert ("填报说明.csv", "file_skipped") in rules
    want = pd.read_parquet(exports.truth_totals)["emissions"].sum()
    rec = got.reconciliation.set_index("file")
    row = rec.loc["营销系统导出_排污.txt"]
    assert row["source"] == "environment" and row["before"] == pytest.approx(want, rel=1e-9)


def test_mu_per_square_metre_from_manifest(exports: ExportManifest, original: IntakeResult,
                                           tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("mu_per_square_metre: 0.0016\n", encoding="utf-8")
    got = assemble(exports.out_dir, YEAR, tmp_path / "out", manifest=tmp_path / "m.yaml")
    a, b = original.enterprises["land_area"], got.enterprises["land_area"]
    np.testing.assert_allclose(b[a.notna()], a[a.notna()] / 0.0015 * 0.0016, rtol=1e-12)


def test_cli_manifest_option(exports: ExportManifest, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from tiangong.cli.main import main

    folder, unit = renamed(exports, tmp_path / "exports")
    good = tmp_path / "package.yaml"
    good.write_text(MANIFEST.format(unit=unit), encoding="utf-8")
    out = tmp_path / "canonical"
    monkeypatch.setattr("sys.argv", ["tiangong", "intake", str(folder), "--year", str(YEAR),
                                     "--out", str(out), "--manifest", str(good)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 0
    rec = pd.read_csv(out / "reconciliation.csv", encoding="utf-8-sig").set_index("file")
    assert rec.loc["export_A.csv", "source"] == "tax"
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("files:\n  - file: export_A.csv\n    source: taxes\n", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["tiangong", "intake", str(folder), "--year", str(YEAR),
                                     "--out", str(out), "--manifest", str(bad)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    assert f"{bad}:3 [files.0.source]: unknown source 'taxes'" in capsys.readouterr().err


def test_documented_example_is_valid() -> None:
    doc = (ROOT / "docs" / "intake-manifest.md").read_text(encoding="utf-8")
    example, long_example = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    long = parse_manifest(long_example, "docs/intake-manifest.md").model.files
    assert [f.long.columns(f.source or "") for f in long if f.long] == [
        {"甲栏": "account", "乙栏": "period", "丙栏": "electricity"},
        {"丁栏": "uscc", "戊栏": "pollutant", "己栏": "emissions"}]
    manifest = parse_manifest(example, "docs/intake-manifest.md")
    assert [(f.file, f.sheet) for f in manifest.model.files] == [
        ("税务局2024年度入库.xlsx", "入库明细"), ("营销系统导出_*.csv", None),
        ("汇总导出.xlsx", "Sheet2"), ("汇总导出.xlsx", "说明"), ("填报说明.xlsx", None)]
    assert manifest.options(manifest.model.files[0], "tax").units == {"eval_tax": "元"}
    assert manifest.options(None, "land").columns == {"权属面积": "land_area"}
