"""Publication outputs, checked on real files read back with openpyxl, pandas and pyarrow."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tiangong.evaluation.outputs import (
    MAX_ENTERPRISE_SHEETS,
    ClassLayout,
    GroupLayout,
    ItemLayout,
    PublicationLayout,
    display_width,
    write_enterprise_sheets,
    write_gongshi_workbook,
    write_results_tables,
)
from tiangong.evaluation.outputs.layout import SheetNamer

LONG_NAME = "浙江省台州市黄岩区新精密模具制造有限公司"  # 20 characters
TAX = ItemLayout("tax_mu", "亩均税收", "万元/亩", 30.0)
VA = ItemLayout("va_mu", "亩均增加值", "万元/亩", 20.0)
EMIS = ItemLayout("emis_va", "单位排放增加值", "万元/吨", 10.0)
KWH = ItemLayout("tax_kwh", "单位用电税收", "元/kWh", 50.0)
TAX_BELOW = ItemLayout("tax_mu", "亩均税收", "万元/亩", 50.0)
LAYOUT = PublicationLayout(
    title="黄岩区2022年度工业企业亩均效益综合评价结果公示",
    region="台州市黄岩区",
    year=2022,
    scheme_id="huangyan-2022",
    run_id="run-20230925-01",
    groups=(
        GroupLayout("above", "规上工业企业", (TAX, VA, EMIS)),
        GroupLayout("below", "规下工业企业", (TAX_BELOW, KWH)),
    ),
    classes=(
        ClassLayout("A", "A类(优先发展)"),
        ClassLayout("B", "B类(鼓励提升)"),
        ClassLayout("C", "C类(调控帮扶)"),
        ClassLayout("D", "D类(倒逼整治)"),
        ClassLayout("T", "T类(暂不评价)"),
        ClassLayout("M", "免评"),
    ),
)
LABELS = {c.code: c.label for c in LAYOUT.classes} | {"N": "不参评"}
ITEMS = ("tax_mu", "va_mu", "emis_va", "tax_kwh")


def _firm(uscc: str, name: str, group: str | None, cls: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "uscc": uscc,
        "name": name,
        "year": 2022,
        "county_code": "331003",
        "town_code": kw.get("town_code", "331003001"),
        "town_name": kw.get("town", "西城街道"),
        "size_class": "below" if group == "below" else "above",
        "industry_code": "3525",
        "group": group,
        "group_label": {"above": "规上工业企业", "below": "规下工业企业"}.get(group or ""),
        "special_class": kw.get("special"),
        "class": cls,
        "class_label": LABELS[cls],
        "class_reason": kw.get("reason", f"按综合得分排名，列{LABELS[cls]}"),
        "score": kw.get("score", math.nan),
        "items_score": kw.get("score", math.nan),
        "bonus": kw.get("bonus", 0.0),
        "penalty": 0.0,
        "rank": kw.get("rank"),
        "partition": group or "",
        "partition_size": {"above": 6, "below": 4}.get(group or "", 0),
        "percentile": kw.get("pct", math.nan),
    }
    values = kw.get("values", {})
    for item in ITEMS:
        v = values.get(item)
        row[f"value_{item}"] = math.nan if v is None else v
        row[f"points_{item}"] = math.nan if v is None else round(v / 3.0, 4)
        row[f"imputed_{item}"] = None
    if "imputed" in kw:
        row[f"points_{kw['imputed']}"] = 11.4947
        row[f"imputed_{kw['imputed']}"] = "group_mean"
    return row


def _results() -> pd.DataFrame:
    above = [("A", 150.5), ("B", 120.25), ("B", 101.0), ("C", 88.125), ("C", 70.0), ("D", 40.5)]
    rows = []
    for i, (cls, score) in enumerate(above):
        rows.append(
            _firm(
                f"91331003MA2A{i:05d}X",
                LONG_NAME if i == 3 else f"台州市黄岩{'甲乙丙丁戊己'[i]}塑料有限公司",
                "above",
                cls,
                score=score,
                rank=i + 1,
                pct=1 - i / 6,
                values={"tax_mu": 30.0 - i, "va_mu": 136.16, "emis_va": 6000.0},
                **({"imputed": "emis_va"} if i == 2 else {}),
            )
        )
    rows[2]["value_emis_va"] = math.nan
    rows.append(
        _firm(
            "91331003MA2B00001T",
            "台州市黄岩新建机械有限公司",
            "above",
            "T",
            special="T",
            reason="投产未满2年，暂不评价",
        )
    )
    for i, (cls, score) in enumerate([("A", 115.53), ("B", 90.0), ("C", 60.0), ("D", 20.0)]):
        rows.append(
            _firm(
                f"0133100{i:010d}Y",
                f"黄岩区{'东南西北'[i]}五金加工厂",
                "below",
                cls,
                score=score,
                rank=i + 1,
                pct=1 - i / 4,
                town="东城街道",
                values={"tax_mu": 12.0 - i, "tax_kwh": 0.25},
            )
        )
    rows.append(_firm("913310037200000001", "黄岩区自来水有限公司", None, "M", special="M",
                      reason="公用事业，免于评价"))  # fmt: skip
    rows.append(_firm("92331003MA2C00009Q", "黄岩区小作坊", None, "N",
                      reason="用地面积不足3亩，未纳入评价"))  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def _table(ws: Worksheet) -> tuple[list[str], list[dict[str, Any]]]:
    """Header row (the one starting with 序号) and the data rows below it as dicts."""
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    header = [str(h) for h in rows[at]]
    return header, [dict(zip(header, r, strict=True)) for r in rows[at + 1 :]]


@pytest.fixture
def gongshi(tmp_path: Path) -> Path:
    return write_gongshi_workbook(_results(), LAYOUT, tmp_path / "公示.xlsx")


def test_sheets_and_chinese_headers(gongshi: Path) -> None:
    wb = openpyxl.load_workbook(gongshi)
    assert wb.sheetnames == ["汇总", "规上工业企业", "规下工业企业", "特殊类别", "未纳入评价"]
    header, rows = _table(wb["规上工业企业"])
    assert header == [
        "序号", "统一社会信用代码", "企业名称", "乡镇(街道)",
        "亩均税收(万元/亩)", "亩均税收得分", "亩均增加值(万元/亩)", "亩均增加值得分",
        "单位排放增加值(万元/吨)", "单位排放增加值得分",
        "加分", "减分", "综合得分", "排名", "分类", "说明",
    ]  # fmt: skip
    assert [r["序号"] for r in rows] == list(range(1, 8))
    assert [r["排名"] for r in rows] == [1, 2, 3, 4, 5, 6, None]  # T last, unranked
    assert rows[-1]["分类"] == "T类(暂不评价)" and rows[-1]["说明"] == "投产未满2年，暂不评价"
    assert rows[2]["单位排放增加值(万元/吨)"] == "缺数据，取同组均分"
    assert rows[2]["单位排放增加值得分"] == pytest.approx(11.4947)
    header_b, rows_b = _table(wb["规下工业企业"])
    assert "单位用电税收(元/kWh)" in header_b and "亩均增加值得分" not in header_b
    assert rows_b[0]["统一社会信用代码"] == "01331000000000000Y"  # text, leading zero kept
    _, special = _table(wb["特殊类别"])
    assert [(r["企业名称"], r["分类"]) for r in special] == [("黄岩区自来水有限公司", "免评")]
    _, outside = _table(wb["未纳入评价"])
    assert outside[0]["说明"] == "用地面积不足3亩，未纳入评价"


def test_summary_counts_match(gongshi: Path) -> None:
    results = _results()
    ws = openpyxl.load_workbook(gongshi)["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == LAYOUT.title
    meta = {r[0]: r[1] for r in rows[1:5]}
    assert meta == {"地区": "台州市黄岩区", "评价年度": "2022年度",
                    "评价方案": "huangyan-2022", "运行编号": "run-20230925-01"}  # fmt: skip
    at = next(i for i, r in enumerate(rows) if r[0] == "分组")
    header = list(rows[at])
    assert header == ["分组", *(c.label for c in LAYOUT.classes), "不参评", "合计"]
    table = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in rows[at + 1 :]}
    assert set(table) == {"规上工业企业", "规下工业企业", "未纳入分组", "合计"}
    groups = results["group"].fillna("")
    for label, gid in (("规上工业企业", "above"), ("规下工业企业", "below"), ("未纳入分组", "")):
        expected = results.loc[groups == gid, "class_label"].value_counts().to_dict()
        got = {k: v for k, v in table[label].items() if k != "合计" and v}
        assert got == expected
        assert table[label]["合计"] == (groups == gid).sum()
    assert table["合计"]["合计"] == len(results) == 13
    assert table["合计"]["B类(鼓励提升)"] == 3


def test_hide_ranks(tmp_path: Path) -> None:
    path = write_gongshi_workbook(_results(), LAYOUT, tmp_path / "h.xlsx", hide_ranks=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["规上工业企业"]
    assert ws["A3"].value == "排名不分先后"
    header, rows = _table(ws)
    assert "排名" not in header and header[0] == "序号"
    order = [r["分类"][0] for r in rows]
    assert order == ["A", "B", "B", "C", "C", "D", "T"]
    b_usccs = [r["统一社会信用代码"] for r in rows if r["分类"].startswith("B")]
    assert b_usccs == sorted(b_usccs)
    assert any(r[0] == "排名不分先后" for r in wb["汇总"].iter_rows(values_only=True))


def test_layout_widths_freeze_formats(gongshi: Path) -> None:
    ws = openpyxl.load_workbook(gongshi)["规上工业企业"]
    assert display_width(LONG_NAME) == 40 and len(LONG_NAME) == 20
    assert ws.column_dimensions["C"].width >= 40  # 企业名称
    assert ws.column_dimensions["B"].width >= 18  # 18-char uscc
    assert ws.freeze_panes == "D4"
    assert ws.auto_filter.ref == "A3:P10"
    assert ws["M4"].number_format == "0.0000"  # 综合得分
    assert ws["E4"].number_format == "#,##0.00"  # indicator value in 万元/亩: 2 decimals
    assert ws["M4"].value == pytest.approx(150.5)


def test_byte_identical_rerun(tmp_path: Path) -> None:
    a = write_gongshi_workbook(_results(), LAYOUT, tmp_path / "a.xlsx")
    b = write_gongshi_workbook(_results(), LAYOUT, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert "2023-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()
    c = write_enterprise_sheets(_results(), LAYOUT, tmp_path / "c.xlsx")
    d = write_enterprise_sheets(_results(), LAYOUT, tmp_path / "d.xlsx")
    assert c.read_bytes() == d.read_bytes()


def test_enterprise_sheets(tmp_path: Path) -> None:
    results = _results()
    uscc = str(results.loc[2, "uscc"])
    path = write_enterprise_sheets(
        results, LAYOUT, tmp_path / "一企一单.xlsx",
        explanations={uscc: [("提升建议", "亩均税收再增加3万元/亩可升为A类")]},
    )  # fmt: skip
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == len(results)
    assert wb.sheetnames[:7] == list(results["uscc"][:7])  # 规上 by rank, T last
    cells = {r[0]: r for r in wb[uscc].iter_rows(values_only=True) if r[0]}
    assert cells["企业名称"][1] == results.loc[2, "name"]
    assert cells["统一社会信用代码"][1] == uscc
    assert cells["评价分组"][1] == "规上工业企业"
    emis = cells["单位排放增加值"]
    assert emis[1] is None and emis[2] == "万元/吨" and emis[3] == 10
    assert emis[4] == pytest.approx(11.4947) and emis[5] == "缺数据，取同组均分"
    assert cells["亩均税收"][1] == 28 and cells["亩均税收"][3] == 30
    assert cells["综合得分"][1] == pytest.approx(101.0)
    assert cells["排名"][1] == "3/6"
    assert cells["分类"][1] == "B类(鼓励提升)"
    assert cells["提升建议"][1] == "亩均税收再增加3万元/亩可升为A类"
    special = {r[0]: r[1] for r in wb["91331003MA2B00001T"].iter_rows(values_only=True) if r[0]}
    assert special["排名"] == "不参与排名" and special["分类"] == "T类(暂不评价)"
    outside = {r[0]: r[1] for r in wb["92331003MA2C00009Q"].iter_rows(values_only=True) if r[0]}
    assert outside["评价分组"] == "未纳入评价"


def test_enterprise_selection_and_limit(tmp_path: Path) -> None:
    results = _results()
    pick = [str(results.loc[8, "uscc"]), str(results.loc[0, "uscc"])]
    path = write_enterprise_sheets(results, LAYOUT, tmp_path / "two.xlsx", usccs=pick)
    assert openpyxl.load_workbook(path).sheetnames == pick
    with pytest.raises(ValueError, match="not in the results"):
        write_enterprise_sheets(results, LAYOUT, tmp_path / "x.xlsx", usccs=["NOPE"])
    many = pd.concat([results.iloc[[0]]] * (MAX_ENTERPRISE_SHEETS + 1), ignore_index=True)
    many["uscc"] = [f"91331003MA{i:08d}" for i in range(len(many))]
    with pytest.raises(ValueError, match=r"2,001 sheets.*pass usccs"):
        write_enterprise_sheets(many, LAYOUT, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()
    small = write_enterprise_sheets(
        many, LAYOUT, tmp_path / "ok.xlsx", usccs=list(many["uscc"][:3])
    )
    assert len(openpyxl.load_workbook(small).sheetnames) == 3


def test_results_tables(tmp_path: Path) -> None:
    results = _results()
    parquet, csv = write_results_tables(results, tmp_path / "t")
    assert (parquet.name, csv.name) == ("results.parquet", "results.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"uscc": str, "town_code": str})
    assert "01331000000000000Y" in set(back["uscc"]) and LONG_NAME in set(back["name"])
    assert list(back["uscc"]) == sorted(results["uscc"])
    assert back["town_code"].iloc[0] == "331003001"
    schema = pq.read_schema(parquet)
    assert str(schema.field("uscc").type) == "string"
    assert str(schema.field("rank").type) == "int64"
    assert str(schema.field("imputed_tax_mu").type) == "string"  # all-null, still string
    table = pd.read_parquet(parquet)
    expected = results.sort_values("uscc").reset_index(drop=True)
    assert list(table.columns) == list(results.columns)
    assert list(table["uscc"]) == list(expected["uscc"])
    assert table["score"].tolist() == pytest.approx(expected["score"].tolist(), nan_ok=True)
    assert table["rank"].tolist() == expected["rank"].tolist()
    assert table["special_class"].isna().sum() == 11
    again = write_results_tables(results.sample(frac=1, random_state=1), tmp_path / "u")
    assert [p.read_bytes() for p in again] == [parquet.read_bytes(), csv.read_bytes()]
    only_csv = write_results_tables(results, tmp_path / "v", formats=("csv",))
    assert [p.name for p in only_csv] == ["results.csv"]
    with pytest.raises(ValueError, match="unknown formats"):
        write_results_tables(results, tmp_path / "w", formats=("xls",))


def test_contract_violations_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing columns: class_reason"):
        write_gongshi_workbook(_results().drop(columns="class_reason"), LAYOUT, tmp_path / "a")
    bad = _results()
    bad.loc[0, "group"] = "mystery"
    with pytest.raises(ValueError, match="groups not in the layout: mystery"):
        write_gongshi_workbook(bad, LAYOUT, tmp_path / "b.xlsx")
    with pytest.raises(ValueError, match="missing column points_tax_kwh"):
        write_enterprise_sheets(_results().drop(columns="points_tax_kwh"), LAYOUT, tmp_path / "c")
    assert list(tmp_path.iterdir()) == []


def test_sheet_names_sanitised_and_unique() -> None:
    namer = SheetNamer(reserved=["汇总"])
    assert namer("汇总") == "汇总~2"
    assert namer("规上/规下[试点]:*?") == "规上_规下_试点____"
    long = namer("很" * 40)
    assert len(long) == 31 and namer("很" * 40) == "很" * 29 + "~2"
    assert namer("Abc") == "Abc" and namer("aBC") == "aBC~2"
    assert namer("''") == "Sheet"


def test_the_gongshi_states_conditions_in_words_not_code(tmp_path) -> None:
    # issue 15, point 19: the 说明 column showed `industry_division in ('44', '45', '46')`
    import openpyxl
    from conftest import tables

    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.publish import publish

    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(6)]
    rows[2]["industry_code"] = "4411"  # electricity: 免评 under the 黄岩 scheme
    ev = evaluate("huangyan_2022", tables(rows), 2022)
    reason = ev.results.to_pandas().set_index("uscc").loc[rows[2]["uscc"], "class_reason"]
    assert "industry_division in" in reason  # the results table keeps what was applied
    (path,) = publish(ev.results, ev.scheme.scheme, 2022, "R0001", tmp_path, ["xlsx"])
    cells = [str(c.value) for ws in openpyxl.load_workbook(path) for row in ws.iter_rows()
             for c in row if c.value is not None]
    shown = [c for c in cells if c.startswith("特殊类别：免于评价")]
    # the divisions by their GB/T 4754-2017 names, not only their codes
    assert shown == ["特殊类别：免于评价（条件：行业大类为44（电力、热力生产和供应业）、"
                     "45（燃气生产和供应业）、46（水的生产和供应业）之一）"]
    assert not [c for c in cells if "industry_division" in c or "age_years" in c]


def test_a_firm_outside_every_group_is_told_which_condition_it_failed(tmp_path) -> None:
    # issue 15, point 20: such firms were only told "不符合任何评价组的纳入条件"
    import openpyxl
    from conftest import tables

    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.publish import publish

    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(4)]
    rows.append(dict(uscc="91331003MA00009999", size_class="below", land_area=2.1,
                     eval_tax=10, electricity=50))
    ev = evaluate("huangyan_2022", tables(rows), 2022)
    # the 黄岩 groups: 规上 (size_class above); 规下 with at least 3 亩 (min_inclusive)
    expected = ("不符合任何评价组的纳入条件：规上工业企业：规模为规下（要求为规上）；"
                "规下工业企业：用地面积2.1亩（要求不低于3亩）")
    assert ev.exclusions == {"91331003MA00009999": expected}
    (path,) = publish(ev.results, ev.scheme.scheme, 2022, "R0001", tmp_path, ["xlsx"],
                      exclusions=ev.exclusions)
    sheet = openpyxl.load_workbook(path)["未纳入评价"]
    assert expected in [c.value for row in sheet.iter_rows() for c in row]


def test_imputation_notes_in_words() -> None:
    # issue 15, point 19: the 公示 printed 缺数据，按规则“missing:group_mean”处理 -- the results'
    # `imputed_X` codes are "cause:rule"; the reader gets both in words.
    from tiangong.evaluation.describe import imputation_note

    assert imputation_note("missing:group_mean") == "缺数据，取同组均分"
    assert imputation_note("zero_denominator:zero") == "分母为零，计0分"
    assert imputation_note("invalid:penalty 3") == "数据无效，扣3分"
    assert imputation_note("missing:reweight") == "缺数据，权重重新分配"
    assert imputation_note("missing:none") == "缺数据，不计分"
    assert imputation_note("missing:special_class T", {"T": "暂不评价"}) == "缺数据，列入暂不评价"
    assert imputation_note("group_mean") == "缺数据，取同组均分"  # bare rule: missing data
    assert imputation_note(None) == imputation_note(float("nan")) == ""


def test_published_imputations_carry_no_rule_codes(tmp_path) -> None:
    # Under the 黄岩 scheme a 规上 firm without emission data gets the group's mean item score
    # (missing: group_mean) and one with zero emissions the same (zero_denominator: group_mean);
    # a missing R&D expense scores 0 (the default `missing: zero`).
    from conftest import tables

    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.publish import publish

    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1 + i,
                 employees=50, rd_expense=100, revenue=5000) for i in range(6)]
    del rows[0]["emissions"]
    rows[1]["emissions"] = 0
    del rows[2]["rd_expense"]
    ev = evaluate("huangyan_2022", tables(rows), 2022)
    paths = publish(ev.results, ev.scheme.scheme, 2022, "R0001", tmp_path, ["xlsx", "sheets"])
    cells = [str(c.value) for p in paths for ws in openpyxl.load_workbook(p)
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells.count("缺数据，取同组均分") == 2  # 公示 and 一企一单
    assert cells.count("分母为零，取同组均分") == 2
    assert cells.count("缺数据，计0分") == 2
    assert not [c for c in cells if "missing" in c or "zero_denominator" in c or "规则" in c]


def test_division_conditions_name_the_divisions() -> None:
    # GB/T 4754-2017: 13 农副食品加工业, 44 电力、热力生产和供应业; an unknown code stays a code
    from tiangong.evaluation.describe import describe_condition
    from tiangong.evaluation.exclusions import exclusions_sql
    from tiangong.evaluation.scheme.loader import load_scheme

    assert describe_condition("industry_division = '13'") == "行业大类为13（农副食品加工业）"
    assert describe_condition("industry_division in ('44', '99')") == (
        "行业大类为44（电力、热力生产和供应业）、99之一")
    scheme = load_scheme("huangyan_2022").scheme
    group = scheme.groups[0].model_copy(update={"select": scheme.groups[0].select.model_copy(
        update={"industry_divisions": ("13",), "size_class": ()})})
    sql = exclusions_sql(scheme.model_copy(update={"groups": [group]}))
    assert "（要求为13（农副食品加工业）之一）" in sql


def test_exclusion_thresholds_as_the_scheme_writes_them() -> None:
    # `:g` printed a minimum of 1234567.5 亩 as "1.23457e+06亩" (rounded to six digits)
    from tiangong.evaluation.describe import number_words
    from tiangong.evaluation.exclusions import exclusions_sql
    from tiangong.evaluation.scheme.loader import load_scheme
    from tiangong.evaluation.scheme.model import Range

    assert [number_words(x) for x in (3, 3.0, 2.5, 1234567.5, 0.1)] == [
        "3", "3", "2.5", "1234567.5", "0.1"]
    scheme = load_scheme("huangyan_2022").scheme
    below = scheme.groups[1]
    select = below.select.model_copy(update={"land_area": Range(min=1234567.5, min_inclusive=True)})
    sql = exclusions_sql(scheme.model_copy(update={"groups": [
        below.model_copy(update={"select": select})]}))
    assert "（要求不低于1234567.5亩）" in sql and "e+06" not in sql


def test_with_exclusions_replaces_only_the_excluded_reasons() -> None:
    import pyarrow as pa

    from tiangong.evaluation.exclusions import with_exclusions

    for kind in (pa.string(), pa.large_string()):
        reasons = pa.array(["x", "不符合任何评价组的纳入条件", None], kind)
        results = pa.table({"uscc": pa.array(["a", "b", "c"], kind), "class_reason": reasons})
        out = with_exclusions(results, {"b": "不符合任何评价组的纳入条件：规上：规模为规下"})
        assert out.column("class_reason").to_pylist() == [
            "x", "不符合任何评价组的纳入条件：规上：规模为规下", None]
        assert out.schema == results.schema
        assert with_exclusions(results, {}) is results
