"""Readers on real files written here: an untidy land workbook, CSVs in four encodings, Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from tiangong.errors import DataError
from tiangong.identity import is_valid_uscc
from tiangong.intake import (
    UnitSettings,
    detect_encoding,
    load,
    parse_dates,
    parse_numbers,
    read_table,
    split_unit,
)

CODES = ["91331003MAM6FCGN7J", "91331003MAB7M52774", "91331003MA2CD6690M",
         "91331003MANA1M484U", "91331003MA18TWJP71", "91331003MACB7DLQ90"]


def land_workbook(path: Path) -> Path:
    """Title row, two-row merged header, blank rows, a 合计 row and a footnote (Excel rows)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("用地")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range("A1:F1", "2022年度 工业企业用地情况表")
    for col, text in zip("ABCF", ["序号", "企业名称", "统一社会信用代码", "供地日期"], strict=True):
        ws.merge_range(f"{col}3:{col}4", text)
    ws.merge_range("D3:E3", "用地情况")
    ws.write("D4", "用地面积\n(平方米)")
    ws.write("E4", "宗地号")
    rows = [  # Excel rows 5, 6, 8, 9, 10, 11 (7 is blank)
        (5, 1, "温州华泰机械有限公司", CODES[0], "6,670", "000123", "2022-03-01"),
        (6, 2, "温州华太电器有限公司", "９１３３１００３ｍａｂ７ｍ５２７７４", "１３３４０", "0456",
         "2022/3/1"),
        (8, 3, "东城塑料厂", CODES[2], 2000, "007", "2022年3月1日"),
        (9, 4, "西山五金有限公司", CODES[3], "1，000.5", "0010", "20220301"),
        (10, 5, "南岙阀门有限公司", CODES[4], 666.67, "0020", 44621),
    ]
    for r, seq, name, code, area, parcel, date in rows:
        ws.write_number(r - 1, 0, seq)
        ws.write_string(r - 1, 1, name)
        ws.write_string(r - 1, 2, code)
        ws.write(r - 1, 3, area)
        ws.write_string(r - 1, 4, parcel)
        ws.write(r - 1, 5, date)
    ws.write_number(10, 0, 6)
    ws.write_string(10, 1, "北港印刷有限公司")
    ws.write_string(10, 2, CODES[5])
    ws.write_number(10, 3, 1500)
    ws.write_string(10, 4, "0030")
    ws.write_datetime(10, 5, dt.datetime(2022, 3, 1), date_fmt)
    ws.write("B12", "合  计")
    ws.write("D12", 25176.67)
    ws.write("A14", "注：面积以不动产登记为准。")
    wb.close()
    return path


def test_land_workbook_structure(tmp_path: Path) -> None:
    raw = read_table(land_workbook(tmp_path / "land.xlsx"), source="land")
    assert raw.sheet == "用地"
    assert raw.header_rows == (3, 4)
    assert raw.title == ["2022年度 工业企业用地情况表"]
    assert raw.headers == ["序号", "企业名称", "统一社会信用代码", "用地情况|用地面积(平方米)",
                           "用地情况|宗地号", "供地日期"]
    assert raw.row_numbers == [5, 6, 8, 9, 10, 11]
    assert [(e.row, e.reason) for e in raw.excluded] == [
        (7, "blank"), (12, "total"), (13, "blank"), (14, "footnote")]
    assert raw.frame.loc[5, "用地情况|宗地号"] == "000123"  # leading zeros kept: text


def test_land_workbook_canonical(tmp_path: Path) -> None:
    intake = load(land_workbook(tmp_path / "land.xlsx"), "land")
    f = intake.frame
    # 6670 m² × 0.0015 = 10.005; 13340 × 0.0015 = 20.01; 2000 → 3; 1000.5 → 1.50075;
    # 666.67 → 1.000005; 1500 → 2.25
    assert f["land_area"].tolist() == pytest.approx([10.005, 20.01, 3.0, 1.50075, 1.000005, 2.25])
    assert f["parcel_no"].tolist() == ["000123", "0456", "007", "0010", "0020", "0030"]
    assert f["supply_date"].tolist() == [dt.date(2022, 3, 1)] * 6
    assert f["uscc"].tolist() == CODES
    (conv,) = intake.conversions
    assert (conv.column, conv.unit, conv.canonical_unit, conv.factor) == (
        "land_area", "平方米", "亩", 0.0015)
    rules = {(q.row, q.rule) for q in intake.quality}
    assert (12, "excluded_total") in rules and (14, "excluded_footnote") in rules
    assert (6, "uscc_normalised") in rules
    assert intake.unmatched == ["序号"]


def test_mu_factor_is_a_setting(tmp_path: Path) -> None:
    intake = load(land_workbook(tmp_path / "land.xlsx"), "land",
                  settings=UnitSettings(mu_per_square_metre=1 / 666.67))
    assert intake.frame["land_area"].iloc[4] == pytest.approx(1.0)  # 666.67 m² = 1 亩


TAX_CSV = ("2022年度 纳税情况汇总\n"
           "纳税人识别号,纳税人名称,实缴税金(元),销售收入（万元）,年度\n"
           "{c0},𠮷祥机械有限公司,\"1,234,567\",\"１，２００.５\",2022\n"
           "\n"
           "{c1},温州华泰机械有限公司,-,(12.5),2022\n"
           "合计,,\"1,234,567\",1188,\n"
           "数据来源：税务局\n")


@pytest.mark.parametrize(("encoding", "detected"), [
    ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_tax_csv_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "tax.csv"
    path.write_bytes(TAX_CSV.format(c0=CODES[0], c1=CODES[1]).encode(encoding))
    intake = load(path, "tax")
    assert intake.raw.encoding == detected
    assert intake.raw.header_rows == (2,)
    assert intake.frame.index.tolist() == [3, 5]
    assert intake.frame["name"].tolist() == ["𠮷祥机械有限公司", "温州华泰机械有限公司"]
    f = intake.frame
    assert f["eval_tax"].iloc[0] == pytest.approx(123.4567)  # 1 234 567 元 / 10 000
    assert pd.isna(f["eval_tax"].iloc[1])  # "-" is missing, not zero
    assert f["revenue"].tolist() == pytest.approx([1200.5, -12.5])
    assert f["year"].tolist() == ["2022", "2022"]
    assert [(e.row, e.reason) for e in intake.raw.excluded] == [
        (4, "blank"), (6, "total"), (7, "footnote")]


def test_gbk_csv_is_read_as_gb18030(tmp_path: Path) -> None:
    text = "户号,户名,用电量(千瓦时)\n0012345,东城塑料厂,\"12,500\"\n"
    path = tmp_path / "power.csv"
    path.write_bytes(text.encode("gbk"))
    raw = read_table(path, "electricity")
    assert raw.encoding == "gb18030"
    intake = load(path, "electricity")
    assert intake.frame["account"].tolist() == ["0012345"]
    assert intake.frame["electricity"].tolist() == pytest.approx([1.25])  # 万kWh


def test_missing_required_column_names_file_and_headers(tmp_path: Path) -> None:
    path = tmp_path / "tax_bad.csv"
    path.write_text("纳税人识别号,纳税人名称,备注\nX,Y,Z\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_table(path, "tax")
    text = str(err.value)
    assert "tax_bad.csv" in text and "eval_tax" in text
    assert "['纳税人识别号', '纳税人名称', '备注']" in text


def test_no_header_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row"):
        read_table(path)


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    path = tmp_path / "stats.parquet"
    pq.write_table(pa.table({"统一社会信用代码": CODES[:2], "工业增加值(万元)": [10.5, 20.0],
                             "从业人员": [0, 12]}), path)
    intake = load(path, "statistics")
    assert intake.frame.index.tolist() == [1, 2]
    assert intake.frame["value_added"].tolist() == [10.5, 20.0]
    assert (1, "zero_employees_with_value_added") in {(q.row, q.rule) for q in intake.quality}


def test_encoding_detection_order() -> None:
    assert detect_encoding("统一".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("统一".encode()) == "utf-8"
    assert detect_encoding("统一".encode("gbk")) == "gb18030"


def test_parse_numbers_forms() -> None:
    s = pd.Series(["1,234.5", "１，２３４", " 12 ", "(1,234)", "12.5万元", "—", "/", None, "abc",
                   "5%"], index=range(1, 11))
    values, problems = parse_numbers(s, unit="元")
    expected = [1234.5, 1234.0, 12.0, -1234.0, 12.5, None, None, None, None, 0.05]
    for got, want in zip(values.tolist(), expected, strict=True):
        assert (pd.isna(got) and want is None) or got == pytest.approx(want)
    assert {(p.row, p.rule) for p in problems} == {(5, "unit_text_in_cell"), (9, "not_a_number")}


def test_parse_dates_forms() -> None:
    s = pd.Series(["2022-03-01", "2022/3/1", "2022年3月1日", "20220301", "44621", "44621.0",
                   "2022-03-01 00:00:00", "２０２２.３.１", "2022-02-30", "", "昨天"],
                  index=range(1, 12))
    values, problems = parse_dates(s)
    assert values.tolist()[:8] == [dt.date(2022, 3, 1)] * 8
    assert values.tolist()[8:] == [None, None, None]
    assert [(p.row, p.rule) for p in problems] == [(9, "not_a_date"), (11, "not_a_date")]


def test_split_unit() -> None:
    assert split_unit("用地面积（平方米）") == ("用地面积", "平方米")
    assert split_unit("用电量(单位:万千瓦时)") == ("用电量", "万千瓦时")
    assert split_unit("企业名称") == ("企业名称", None)


def test_generated_codes_are_valid() -> None:
    assert all(is_valid_uscc(c) for c in CODES)


def test_unit_from_title_row_and_unknown_unit(tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text("单位：元\n统一社会信用代码,工业增加值,综合能耗(桶)\n"
                    f"{CODES[0]},\"50,000\",3\n", encoding="utf-8")
    intake = load(path, "statistics")
    (conv,) = intake.conversions
    assert (conv.column, conv.factor, conv.declared_in) == ("value_added", 1e-4, "title")
    assert intake.frame["value_added"].tolist() == pytest.approx([5.0])  # 50 000 元 = 5 万元
    assert pd.isna(intake.frame["energy_tce"].iloc[0])
    assert [(q.column, q.rule) for q in intake.quality] == [("综合能耗(桶)", "unknown_unit")]


@pytest.mark.parametrize(("header", "expected"), [("用地面积(亩)", 2.0), ("土地面积（公顷）", 30.0),
                                                  ("宗地面积(㎡)", 0.003)])
def test_area_units(tmp_path: Path, header: str, expected: float) -> None:
    path = tmp_path / "land.csv"
    path.write_text(f"企业名称,{header}\n甲,2\n", encoding="utf-8")
    assert load(path, "land").frame["land_area"].tolist() == pytest.approx([expected])


def land_xls(path: Path) -> Path:
    """The land workbook of `land_workbook` as legacy Excel (.xls, BIFF8), written by xlwt: the
    same cells and cell types in the same places."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("用地")
    ws.write_merge(0, 0, 0, 5, "2022年度 工业企业用地情况表")
    for col, text in zip([0, 1, 2, 5], ["序号", "企业名称", "统一社会信用代码", "供地日期"],
                         strict=True):
        ws.write_merge(2, 3, col, col, text)
    ws.write_merge(2, 2, 3, 4, "用地情况")
    ws.write(3, 3, "用地面积\n(平方米)")
    ws.write(3, 4, "宗地号")
    wide = "９１３３１００３ｍａｂ７ｍ５２７７４"
    rows = [(5, 1, "温州华泰机械有限公司", CODES[0], "6,670", "000123", "2022-03-01"),
            (6, 2, "温州华太电器有限公司", wide, "１３３４０", "0456", "2022/3/1"),
            (8, 3, "东城塑料厂", CODES[2], 2000, "007", "2022年3月1日"),
            (9, 4, "西山五金有限公司", CODES[3], "1，000.5", "0010", "20220301"),
            (10, 5, "南岙阀门有限公司", CODES[4], 666.67, "0020", 44621)]
    for r, seq, name, code, area, parcel, date in rows:
        for col, value in enumerate([seq, name, code, area, parcel, date]):
            ws.write(r - 1, col, value)
    for col, value in enumerate([6, "北港印刷有限公司", CODES[5], 1500, "0030"]):
        ws.write(10, col, value)
    ws.write(10, 5, dt.datetime(2022, 3, 1), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(11, 1, "合  计")
    ws.write(11, 3, 25176.67)
    ws.write(13, 0, "注：面积以不动产登记为准。")
    wb.save(str(path))
    return path


def test_xls_reads_like_xlsx(tmp_path: Path) -> None:
    xls = read_table(land_xls(tmp_path / "land.xls"), source="land")
    xlsx = read_table(land_workbook(tmp_path / "land.xlsx"), source="land")
    assert xls.sheet == "用地" and xls.header_rows == (3, 4)
    assert xls.title == ["2022年度 工业企业用地情况表"]
    assert xls.headers == xlsx.headers
    assert xls.row_numbers == [5, 6, 8, 9, 10, 11]
    assert [(e.row, e.reason) for e in xls.excluded] == [
        (7, "blank"), (12, "total"), (13, "blank"), (14, "footnote")]
    pd.testing.assert_frame_equal(xls.frame, xlsx.frame)


def test_xls_canonical_values(tmp_path: Path) -> None:
    intake = load(land_xls(tmp_path / "land.xls"), "land")
    f = intake.frame
    assert f["land_area"].tolist() == pytest.approx([10.005, 20.01, 3.0, 1.50075, 1.000005, 2.25])
    assert f["parcel_no"].tolist() == ["000123", "0456", "007", "0010", "0020", "0030"]
    assert f["supply_date"].tolist() == [dt.date(2022, 3, 1)] * 6
    assert f["uscc"].tolist() == CODES


def test_xls_sheet_choice(tmp_path: Path) -> None:
    """A cover sheet without a header is passed over; a sheet can also be named."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("说明").write(0, 0, "本表由供电公司提供")
    for name, account in (("一月", "0012345"), ("二月", "0099999")):
        ws = wb.add_sheet(name)
        for col, text in enumerate(["户号", "户名", "用电量(千瓦时)"]):
            ws.write(0, col, text)
        for col, value in enumerate([account, "东城塑料厂", 12500]):
            ws.write(1, col, value)
    path = tmp_path / "用电.xls"
    wb.save(str(path))
    assert read_table(path, "electricity").sheet == "一月"
    intake = load(path, "electricity", sheet="二月")
    assert intake.frame["account"].tolist() == ["0099999"]
    assert intake.frame["electricity"].tolist() == pytest.approx([1.25])
    with pytest.raises(DataError, match="no sheet '三月'"):
        read_table(path, "electricity", sheet="三月")
