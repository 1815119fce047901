"""Intake on exports it has never seen (issue 14): sheets recognised by content, every physical
row in the ledger, layouts (title / unit / 栏次 rows, monthly sub-columns), totals and
duplicates, hostile files. Each fixture is a small real workbook or CSV written here; every
expected number is computed by hand in the comments."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tiangong.errors import DataError
from tiangong.identity import make_usccs
from tiangong.intake.assemble import IntakeResult, assemble

YEAR = 2022
A, B, C = make_usccs(np.random.default_rng(14), 3, ["331003"])
NAMES = {A: "台州市黄岩东方塑料有限公司", B: "台州市黄岩南华模具有限公司",
         C: "台州市黄岩西林机械有限公司"}


def _sheet(wb: openpyxl.Workbook, title: str, rows: list[list[object]]) -> None:
    ws = wb.create_sheet(title)
    for r in rows:
        ws.append(r)


def _registry(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["统一社会信用代码,企业名称"] + [f"{u},{n}" for u, n in NAMES.items()]
    (folder / "名单.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def county(folder: Path) -> Path:
    """名单.csv (the roster) and a workbook whose name points at statistics and electricity
    but which holds tax (Sheet1), long monthly electricity (Sheet2), a sheet nothing knows
    (Sheet3) and an empty Sheet4."""
    _registry(folder)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    _sheet(wb, "Sheet1", [  # tax, 元: A 120,000 元 = 12 万元; B 50,000 元 = 5 万元
        [f"{YEAR}年度入库税收"],  # row 1 title
        ["纳税人识别号", "纳税人名称", "实缴税金(元)"],  # row 2 header
        [A, NAMES[A], 120000],  # row 3
        [B, NAMES[B], 50000],  # row 4
        ["合计", None, 170000]])  # row 5: agrees with 120,000 + 50,000
    _sheet(wb, "Sheet2", [  # one row per account and month, kWh: A 1,000 + 2,000 = 0.3 万kWh
        ["户号", "户名", "统一社会信用代码", "月份", "用电量(千瓦时)"],  # row 1
        ["0001", NAMES[A], A, f"{YEAR}-01", 1000],  # row 2
        ["0001", NAMES[A], A, f"{YEAR}-02", 2000],  # row 3
        ["0002", NAMES[C], C, f"{YEAR}-01", 500]])  # row 4: C 500 kWh = 0.05 万kWh
    _sheet(wb, "Sheet3", [["序号", "项目", "金额"], [1, "办公用品", 30], [2, "差旅", 40]])
    wb.create_sheet("Sheet4")
    wb.save(folder / "统计局_电费补充.xlsx")
    return folder


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> IntakeResult:
    folder = county(tmp_path_factory.mktemp("county") / "exports")
    return assemble(folder, YEAR, folder.parent / "out")


def test_every_sheet_recognised_by_content(result: IntakeResult) -> None:
    got = {(f.path.name, f.sheet): f.source for f in result.files}
    book = "统计局_电费补充.xlsx"
    assert got == {("名单.csv", ""): "registry", (book, "Sheet1"): "tax",
                   (book, "Sheet2"): "electricity"}
    ent = result.enterprises.set_index("uscc")
    assert ent.loc[A, "eval_tax"] == pytest.approx(12.0)
    assert ent.loc[B, "eval_tax"] == pytest.approx(5.0)
    assert np.isnan(ent.loc[C, "eval_tax"])
    assert ent.loc[A, "electricity"] == pytest.approx(0.3)
    assert ent.loc[C, "electricity"] == pytest.approx(0.05)


def test_unrecognised_sheet_reported_with_its_headers(result: IntakeResult) -> None:
    (unread,) = [u for u in result.unread if u.reason == "sheet_not_recognised"]
    assert (unread.sheet, unread.headers, unread.rows) == ("Sheet3", ("序号", "项目", "金额"),
                                                           (1, 2, 3))
    assert result.attention == {"sheets_not_recognised": 1}
    (q,) = [q for q in result.quality if q.rule == "sheet_not_recognised"]
    assert q.sheet == "Sheet3" and q.value == "表头：序号、项目、金额"


def test_ledger_accounts_for_every_physical_row(result: IntakeResult) -> None:
    ledger = result.ledger.astype({"file": str, "sheet": str, "status": str})
    book = "统计局_电费补充.xlsx"
    rows = {k: sorted(g["row"]) for k, g in ledger.groupby(["file", "sheet"])}
    assert rows == {("名单.csv", ""): [1, 2, 3, 4], (book, "Sheet1"): [1, 2, 3, 4, 5],
                    (book, "Sheet2"): [1, 2, 3, 4], (book, "Sheet3"): [1, 2, 3]}
    sheet1 = ledger[(ledger["file"] == book) & (ledger["sheet"] == "Sheet1")].set_index("row")
    assert sheet1["status"].tolist() == ["excluded", "excluded", "used", "used", "excluded"]
    assert sheet1["reason"].astype(object).tolist()[:2] == ["title", "header"]
    assert sheet1.loc[5, "reason"] == "total"
    assert sheet1.loc[3, "uscc"] == A and sheet1.loc[3, "method"] == "uscc"
    rec = result.reconciliation
    rec = rec[rec["file"] != "合计"].set_index(["file", "sheet"])
    assert (rec["rows_read"] == rec["rows_used"] + rec["rows_quarantined"]
            + rec["rows_excluded"]).all()
    assert rec.loc[(book, "Sheet3"), ["rows_read", "rows_excluded"]].tolist() == [3, 3]
    assert rec.loc[(book, "Sheet4"), "rows_read"] == 0
    stored = pd.read_parquet(result.out_dir / "ledger.parquet")
    assert len(stored) == len(ledger) == 16


def test_outputs_group_readable_and_stale_temp_cleaned(tmp_path: Path) -> None:
    folder = county(tmp_path / "exports")
    stale = tmp_path / ".out.tmp-999999999-abc"  # left by an intake killed long ago
    stale.mkdir()
    old = os.umask(0o077)
    try:
        res = assemble(folder, YEAR, tmp_path / "out")
    finally:
        os.umask(old)
    assert res.out_dir.stat().st_mode & 0o750 == 0o750
    assert not stale.exists()


def test_quality_workbook_in_chinese(result: IntakeResult) -> None:
    q = pd.read_excel(result.out_dir / "quality.xlsx", sheet_name="质量报告")
    assert list(q.columns) == ["文件", "工作表", "行号", "列", "值", "规则", "严重程度", "处理"]
    assert set(q["严重程度"]) <= {"错误", "警告", "提示"}
    for text in q["规则"].astype(str).tolist() + q["处理"].astype(str).tolist():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    rec = pd.read_excel(result.out_dir / "quality.xlsx", sheet_name="对账")
    assert list(rec.columns)[:8] == ["文件", "工作表", "来源", "读取行数", "使用行数", "隔离行数",
                                     "排除行数", "原因"]
    summary = pd.read_excel(result.out_dir / "quality.xlsx", sheet_name="概况")
    assert summary.values.tolist() == [["需要处理", "未识别的工作表", 1]]


def _one_sheet(folder: Path, name: str, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(folder / name)
    return folder


def test_header_block_unit_row_column_numbers_and_monthly_columns(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    months = [f"{m}月" for m in range(1, 13)]
    _one_sheet(folder, "导出(3).xlsx", [
        ["工业用户分月用电量"],  # 1 title
        ["户号", "统一社会信用代码", "月度用电量"] + [None] * 11,  # 2 header, upper part
        [None, None, *months],  # 3 sub-header: 1月 … 12月
        [None, None] + ["千瓦时"] * 12,  # 4 unit row
        ["甲", "乙"] + [str(k) for k in range(1, 13)],  # 5 栏次
        # 6: C, 100 kWh in months 1–10, 11 and 12 empty (nothing used): 1,000 kWh = 0.1 万kWh
        ["0003", C] + [100] * 10 + [None, None],
        # 7: A, 10 kWh a month: 120 kWh = 0.012 万kWh
        ["0004", A] + [10] * 12])
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[C, "electricity"] == pytest.approx(0.1)
    assert ent.loc[A, "electricity"] == pytest.approx(0.012)
    led = res.ledger[res.ledger["file"] == "导出(3).xlsx"].set_index("row")
    assert led["reason"].astype(object).tolist()[:5] == ["title", "header", "header",
                                                         "unit_row", "column_numbers"]
    assert led.loc[[6, 7], "status"].tolist() == ["used", "used"]


def test_duplicate_rows_totals_anywhere_and_mismatch(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "data.xlsx", [
        ["序号", "纳税人识别号", "纳税人名称", "实缴税金(万元)"],  # 1
        [1, A, NAMES[A], 10],  # 2
        [2, B, NAMES[B], 4],  # 3
        [3, A, NAMES[A], 10],  # 4: row 2 again but for 序号: excluded, not summed
        [None, None, "小计", 24],  # 5: the department's 小计 counts row 4: 24 ≠ 14
        [4, C, NAMES[C], 1],  # 6
        [None, "总 计", None, 25]])  # 7: 10 + 4 + 1 = 15 ≠ 25 (row 4 counted again)
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B, C], "eval_tax"].tolist() == pytest.approx([10.0, 4.0, 1.0])
    led = res.ledger[res.ledger["file"] == "data.xlsx"].set_index("row")
    assert led.loc[[4, 5, 7], "reason"].tolist() == ["duplicate", "total", "total"]
    dup = [q for q in res.quality if q.rule == "duplicate_row"]
    assert [(q.row, q.value.split(":")[0]) for q in dup] == [(4, "与第 2 行相同（序号除外）")]
    mism = sorted((q.row, q.action.split("，")[0]) for q in res.quality
                  if q.rule == "total_mismatch")
    assert mism == [(5, "文件的小计行为 24.0000 万元"), (7, "文件的总计行为 25.0000 万元")]
    assert res.attention == {"totals_mismatch": 2}
    assert res.warnings["rows_duplicate"] == 1


def test_two_columns_of_one_meaning_are_never_resolved_silently(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "税.xlsx", [["纳税人识别号", "实缴税金(元)", "实缴税金(元)"],
                                   [A, 10000, 10000], [B, 20000, 35000]])
    with pytest.raises(DataError) as err:
        assemble(folder, YEAR, tmp_path / "out")
    assert "几列都表示 eval_tax，但有 1 行数值不同" in str(err.value)
    assert not (tmp_path / "out").exists()
    _one_sheet(folder, "税.xlsx", [["纳税人识别号", "实缴税金(元)", "实缴税金(元)"],
                                   [A, 10000, 10000], [B, 20000, 20000]])
    res = assemble(folder, YEAR, tmp_path / "out")  # the same values twice: one column
    assert res.enterprises.set_index("uscc").loc[B, "eval_tax"] == pytest.approx(2.0)


def test_html_disguised_xls_is_read_as_a_table(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    html = ("<html><head><meta charset=\"gbk\"></head><body><table>"
            "<tr><td colspan=\"3\">2022年用地清册</td></tr>"
            "<tr><th>权利人</th><th>统一社会信用代码</th><th>用地面积(亩)</th></tr>"
            f"<tr><td>{NAMES[A]}</td><td>{A}</td><td>12.5</td></tr>"
            f"<tr><td>{NAMES[B]}</td><td>{B}</td><td>3</td></tr></table></body></html>")
    (folder / "宗地.xls").write_bytes(html.encode("gbk"))
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B], "land_area"].tolist() == pytest.approx([12.5, 3.0])
    assert [(f.path.name, f.sheet, f.source) for f in res.files if f.source == "land"] == [
        ("宗地.xls", "表1", "land")]


@pytest.mark.parametrize(("content", "words"), [(b"", "0 字节"),
                                                 (b"PK\x03\x04garbage", "文件已损坏")])
def test_empty_and_corrupt_files_explained_in_chinese(tmp_path: Path, content: bytes,
                                                      words: str) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "税收.xlsx").write_bytes(content)
    with pytest.raises(DataError) as err:
        assemble(folder, YEAR, tmp_path / "out")
    assert words in str(err.value) and "税收.xlsx" in str(err.value)
    assert "EOCD" not in str(err.value).split("技术信息")[0]


def test_land_use_filter_and_invalid_areas(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "x.xlsx", [
        ["宗地号", "使用权人", "统一社会信用代码", "土地用途", "用地面积(平方米)"],
        ["01", NAMES[A], A, "工业用地", 2000],  # 2: 2000 × 0.0015 = 3 亩
        ["02", NAMES[A], A, "商服用地", 1000],  # 3: not industrial: excluded
        ["03", NAMES[B], B, "工业", 0],  # 4: zero area: quarantined
        ["04", NAMES[B], B, "工矿仓储用地", 4000]])  # 5: 6 亩
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B], "land_area"].tolist() == pytest.approx([3.0, 6.0])
    led = res.ledger[res.ledger["file"] == "x.xlsx"].set_index("row")
    assert led.loc[[3, 4], "status"].tolist() == ["excluded", "quarantined"]
    assert led.loc[[3, 4], "reason"].tolist() == ["not industrial land",
                                                  "invalid area (zero or negative)"]


LAND_WITH_USES = [
    ["宗地号", "使用权人", "统一社会信用代码", "土地用途", "用地面积(平方米)"],
    ["01", NAMES[A], A, "工业用地", 2000],  # 2: 3 亩
    ["02", NAMES[A], A, "仓储用地", 1000],  # 3: 1.5 亩
    ["03", NAMES[A], A, "商服用地", 400],  # 4: 0.6 亩
    ["04", NAMES[B], B, "城镇住宅用地", 4000]]  # 5: 6 亩


@pytest.mark.parametrize(("land_uses", "a_mu", "b_mu", "out_rows"), [
    ("industrial", 3.0 + 1.5, None, [4, 5]),  # the default: 工业 and 仓储 count
    ("工业", 3.0, None, [3, 4, 5]),  # a scheme counting 工业用地 only
    ("工业、仓储，商服", 3.0 + 1.5 + 0.6, None, [5]),  # a county that adds commercial land
    ("all", 3.0 + 1.5 + 0.6, 6.0, []),  # every parcel, whatever its use
])
def test_land_rule_says_which_uses_count(tmp_path: Path, land_uses: str, a_mu: float,
                                         b_mu: float | None, out_rows: list[int]) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "x.xlsx", LAND_WITH_USES)
    res = assemble(folder, YEAR, tmp_path / "out", land_uses=land_uses)
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[A, "land_area"] == pytest.approx(a_mu)
    if b_mu is None:
        assert pd.isna(ent.loc[B, "land_area"])
    else:
        assert ent.loc[B, "land_area"] == pytest.approx(b_mu)
    led = res.ledger[res.ledger["file"] == "x.xlsx"].set_index("row")
    excluded = led.index[led["reason"] == "not industrial land"].tolist()
    assert excluded == out_rows


def test_land_rule_without_uses_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    with pytest.raises(DataError, match="土地用途规则为空"):
        assemble(folder, YEAR, tmp_path / "out", land_uses=" , ")


def test_event_types_canonicalised_unknown_quarantined(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "ev.xlsx", [
        ["企业名称", "统一社会信用代码", "事件类型", "发生日期"],
        [NAMES[A], A, "生产安全事故", "2022-03-01"],  # 2 → safety_accident
        [NAMES[B], B, "环境违法", "2022-04-01"],  # 3 → env_violation
        [NAMES[C], C, "消防检查", "2022-05-01"]])  # 4: not in the vocabulary
    res = assemble(folder, YEAR, tmp_path / "out")
    ev = res.events.set_index("uscc")
    assert ev.loc[A, "event_type"] == "safety_accident"
    assert ev.loc[A, "description"] == "原始类型：生产安全事故"
    assert ev.loc[B, "event_type"] == "env_violation"
    assert C not in ev.index
    (q,) = [q for q in res.quality if q.rule == "unknown_event_type"]
    assert (q.row, q.value) == (4, "消防检查")


def test_csv_rows_are_physical_lines(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "tax.csv").write_text(
        "纳税人识别号,纳税人名称,实缴税金(万元)\n"  # line 1
        f"{A},\"{NAMES[A]}\n(原名)\",3\n"  # lines 2–3: a quoted line break
        f"{B},{NAMES[B]},x十一万元\n", encoding="utf-8")  # line 4: unreadable
    res = assemble(folder, YEAR, tmp_path / "out")
    led = res.ledger[res.ledger["file"] == "tax.csv"]
    assert sorted(led["row"]) == [1, 2, 4]
    bad = [q for q in res.quality if q.rule == "not_a_number"]
    assert [(q.row, q.value) for q in bad] == [(4, "x十一万元")]
    assert res.attention["values_unreadable"] == 1


def test_pollutants_are_separate_variables_and_the_total_their_sum(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    _one_sheet(folder, "wide.xlsx", [  # no 排放总量: the total is the pollutants' sum
        ["排污单位名称", "统一社会信用代码", "化学需氧量(吨)", "氨氮(吨)", "二氧化硫(千克)",
         "氮氧化物(吨)"],
        [NAMES[A], A, 1.5, 0.25, 500, 2],  # 1.5 + 0.25 + 0.5 + 2 = 4.25 吨
        [NAMES[B], B, 1, None, None, None]])  # 1 吨
    (folder / "long.csv").write_text(  # one row per pollutant: C 0.4 + 0.1 = 0.5 吨
        "统一社会信用代码,污染物,排放量(吨)\n"
        f"{C},COD,0.4\n{C},NH3-N,0.1\n", encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B, C], "emissions"].tolist() == pytest.approx([4.25, 1.0, 0.5])
    got = pd.read_parquet(res.out_dir / "pollutants.parquet")
    rows = {(r.uscc, r.pollutant): r.amount for r in got.itertuples()}
    assert rows == pytest.approx({
        (A, "emission_cod"): 1.5, (A, "emission_nh3n"): 0.25, (A, "emission_so2"): 0.5,
        (A, "emission_nox"): 2.0, (B, "emission_cod"): 1.0, (C, "emission_cod"): 0.4,
        (C, "emission_nh3n"): 0.1})


def test_manifest_entries_per_sheet(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    _sheet(wb, "说明", [["本表由税务局导出"], ["口径", "全年"]])
    _sheet(wb, "Sheet2", [["代码", "全年入库税款(元)"], [A, 30000]])  # no synonym: manifest
    wb.save(folder / "汇总.xlsx")
    (tmp_path / "m.yaml").write_text(
        "files:\n"
        "  - file: 汇总.xlsx\n    sheet: Sheet2\n    source: tax\n"
        "    columns: {代码: uscc, 全年入库税款: eval_tax}\n"
        "  - file: 汇总.xlsx\n    sheet: 说明\n    skip: true\n", encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out", manifest=tmp_path / "m.yaml")
    assert res.enterprises.set_index("uscc").loc[A, "eval_tax"] == pytest.approx(3.0)
    assert [(u.sheet, u.reason, u.rows) for u in res.unread] == [("说明", "skipped", (1, 2))]
    assert res.attention == {}


def test_manifest_sum_of_columns(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "tax.csv").write_text(
        "纳税人识别号,增值税(元),企业所得税(元)\n"
        f"{A},30000,12000\n"  # (30,000 + 12,000) 元 = 4.2 万元
        f"{B},5000,\n", encoding="utf-8")  # 企业所得税 empty: 0.5 万元
    (tmp_path / "m.yaml").write_text(
        "files:\n  - file: tax.csv\n    source: tax\n"
        "    sums: {eval_tax: [增值税, 企业所得税]}\n", encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out", manifest=tmp_path / "m.yaml")
    ent = res.enterprises.set_index("uscc")
    assert ent.loc[[A, B], "eval_tax"].tolist() == pytest.approx([4.2, 0.5])
    (tmp_path / "bad.yaml").write_text(
        "files:\n  - file: tax.csv\n    source: tax\n    sums: {uscc: [增值税, 企业所得税]}\n",
        encoding="utf-8")
    with pytest.raises(DataError, match="uscc is not an amount"):
        assemble(folder, YEAR, tmp_path / "out2", manifest=tmp_path / "bad.yaml")


def test_a_column_without_unit_is_a_question_when_its_values_say_otherwise(
        tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "tax.csv").write_text(  # no unit anywhere; a median of 120,000 "万元" = 12 亿元
        f"纳税人识别号,实缴税金\n{A},120000\n{B},80000\n{C},150000\n", encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out")
    (q,) = [q for q in res.quality if q.rule == "unit_ambiguous"]
    assert q.column == "实缴税金" and "更像以 元 计" in q.action
    assert res.attention == {"units_ambiguous": 1}
    (folder / "tax.csv").write_text(  # plausible 万元: read as such, noted only
        f"纳税人识别号,实缴税金\n{A},12\n{B},8\n{C},15\n", encoding="utf-8")
    res = assemble(folder, YEAR, tmp_path / "out")
    assert [q.rule for q in res.quality if q.rule.startswith("unit_")] == ["unit_not_stated"]
    assert res.attention == {}


def _cli(args: list[str]) -> tuple[int, str]:
    import typer
    from typer.testing import CliRunner

    from tiangong.cli.intake import register

    app = typer.Typer()
    register(app)
    res = CliRunner().invoke(app, args)
    return res.exit_code, res.output


def test_exit_status_zero_only_when_nothing_needs_attention(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "tax.csv").write_text(f"纳税人识别号,实缴税金(万元)\n{A},12\n{B},8\n",
                                    encoding="utf-8")
    base = ["intake", str(folder), "--year", str(YEAR), "--no-store"]
    code, out = _cli([*base, "--out", str(tmp_path / "a")])
    assert code == 0, out
    assert "nothing needs attention" in out
    (folder / "tax.csv").write_text(f"纳税人识别号,实缴税金(万元)\n{A},12\n{A},12\n",
                                    encoding="utf-8")  # a duplicate row: a warning only
    code, out = _cli([*base, "--out", str(tmp_path / "b")])
    assert code == 0 and "1 重复行（已排除）" in out
    code, out = _cli([*base, "--out", str(tmp_path / "c"), "--strict"])
    assert code == 1 and "--strict" in out


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tiangong.intake.assemble

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tiangong.intake.assemble, "assemble", interrupted)
    folder = county(tmp_path / "exports")
    code, out = _cli(["intake", str(folder), "--year", str(YEAR), "--out", str(tmp_path / "o"),
                      "--no-store"])
    assert code == 130
    assert out.strip().splitlines() == [
        "已中断 (interrupted): nothing was written; the output folder and the run store are as "
        "they were"]
    assert not (tmp_path / "o").exists()


def test_interrupt_while_writing_leaves_nothing_half_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tiangong.intake.write

    folder = county(tmp_path / "exports")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous intake")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C after the Parquet files, before the land list

    monkeypatch.setattr(tiangong.intake.write, "write_land_list", interrupted)
    code, text = _cli(["intake", str(folder), "--year", str(YEAR), "--out", str(out),
                       "--no-store"])
    assert code == 130 and len(text.strip().splitlines()) == 1
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_totals_row_without_a_label_recognised_by_its_value(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    _registry(folder)
    (folder / "tax.csv").write_text(
        "纳税人识别号,纳税人名称,实缴税金(万元)\n"
        f"{A},{NAMES[A]},12\n{B},{NAMES[B]},8\n{C},{NAMES[C]},5\n"
        ",,25\n", encoding="utf-8")  # line 5: 12 + 8 + 5 = 25, no 合计 written
    res = assemble(folder, YEAR, tmp_path / "out")
    led = res.ledger[res.ledger["file"] == "tax.csv"].set_index("row")
    assert (led.loc[5, "status"], led.loc[5, "reason"]) == ("excluded", "total (by content)")
    assert res.enterprises["eval_tax"].sum() == pytest.approx(25.0)
    assert res.attention == {}
