"""The project-ledger importer on a messy workbook written here with XlsxWriter: a title row,
a two-row header with merged cells, Excel dates and text dates, 亿 in cells, 合计 and note rows,
a duplicate, a nameless row, an unknown column. Every row and cell it cannot take is listed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from tiangong.errors import DataError
from tiangong.projects.config import load_config
from tiangong.projects.ledger import read_ledger


def _write(path: Path) -> None:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("重大项目")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, 10, "黄岩区2025年重大产业项目推进台账")
    top = ["序号", "项目编号", "项目名称", "业主单位", "所属乡镇", "责任专班", "行业代码",
           "总投资（万元）", "固定资产投资（万元）", "用地面积（亩）", "签约时间"]
    ws.write_row(1, 0, top)
    ws.merge_range(1, 11, 1, 12, "开工时间")
    ws.merge_range(1, 13, 1, 14, "竣工时间")
    ws.write(1, 15, "2025年计划投资（万元）")
    ws.merge_range(1, 16, 1, 18, "2025年完成投资（万元）")
    ws.write(1, 19, "2025年3月到位资金")
    ws.write(1, 20, "承诺亩均税收")
    ws.write(1, 21, "项目负责人")
    ws.write(1, 22, "备注")
    ws.write_row(2, 11, ["计划", "实际", "计划", "实际", None, "1月", "2月", "3月"])
    # Excel row 4: the good project, with a few cells that need care
    ws.write_row(3, 0, [1, "XM001", "年产10万台数控机床项目", "浙江某机床有限公司", "甲镇",
                        "装备专班", "3421", 52000, 40000, 100])
    ws.write_datetime(3, 10, dt.datetime(2024, 1, 10), date)
    ws.write(3, 11, "2024/5/1")
    ws.write(3, 12, "已开工")  # not a date: reported, not guessed
    ws.write(3, 13, "2025年12月")  # month only: first of the month, reported as info
    ws.write_row(3, 15, [12000, 1000, "1,200", "0.15亿", 3000, 30, "张三", "重点"])
    # Excel row 5: money written in 亿, a bad number, a negative area and a negative month
    ws.write_row(4, 0, [2, "XM002", "新能源汽车零部件项目", "某汽配公司", "乙镇", "汽配专班",
                        "3670", "3.5亿", "abc", -5, "2024-02-20", "2025-03-01", None, None,
                        None, 8000, -100, 200, 300])
    # Excel row 6 blank; row 7 duplicate id; row 8 no name; row 9 合计; row 10 a note
    ws.write_row(6, 0, [3, "XM002", "重复录入的项目", "某公司"])
    ws.write_row(7, 0, [4, "XM004", None, "无名公司", "甲镇"])
    ws.write_row(8, 0, ["合计", None, None, None, None, None, None, 87000])
    ws.write(9, 0, "注：本表由县发改局每月更新")
    wb.close()


def test_messy_ledger(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    _write(path)
    got = read_ledger(path, load_config(), county_code="331003")
    p = got.portfolio
    assert list(p.projects["project_id"]) == ["XM001", "XM002"]
    pr = p.projects.set_index("project_id")
    assert pr.at["XM002", "total_investment"] == 35000  # 3.5亿 → 万元
    assert pr.at["XM001", "team"] == "装备专班"
    st = p.stages.set_index(["project_id", "stage"])
    assert st.at[("XM001", "sign"), "actual"] == dt.datetime(2024, 1, 10)
    assert st.at[("XM001", "start"), "planned"] == dt.datetime(2024, 5, 1)
    assert st.at[("XM001", "complete"), "planned"] == dt.datetime(2025, 12, 1)
    assert pd.isna(st.at[("XM001", "start"), "actual"])  # "已开工" is not a date: left empty
    m = p.monthly.set_index(["project_id", "month"])
    # 1000, "1,200", "0.15亿" = 1500; funds 3000 land in March
    assert list(m.loc["XM001"]["invest"]) == [1000, 1200, 1500]
    assert m.at[("XM001", "2025-03"), "funds"] == 3000
    assert m.at[("XM002", "2025-02"), "invest"] == 200  # -100 in January was refused
    assert ("XM002", "2025-01") not in m.index
    assert list(p.plans["plan"]) == [12000, 8000]
    assert p.commitments.to_dict("records") == [
        {"project_id": "XM001", "indicator": "tax_per_mu", "value": 30.0}]
    problems = {(None if r.row is pd.NA else r.row, r.column, r.reason)
                for r in got.problems.itertuples()}
    expected = {
        (None, "项目负责人", "未识别的列，未导入"),
        (4, "开工时间|实际", "不是日期，未导入"),
        (4, "竣工时间|计划", "只有年月，按当月 1 日导入"),
        (5, "固定资产投资(万元)", "不是数字，未导入"),
        (5, "用地面积(亩)", "面积为负，未导入"),
        (5, "2025年完成投资(万元)|1月", "金额为负，未导入"),
        (7, "项目编号", "项目编号重复，整行未导入"),
        (8, "项目名称", "没有项目名称，整行未导入"),
        (9, "", "合计行，未导入"),
        (10, "项目名称", "没有项目名称，整行未导入"),
    }
    assert problems == expected
    # non-blank rows under the header: Excel rows 4, 5, 7, 8, 9, 10
    assert got.rows_read == 6 and got.rows_taken == 2


def test_no_project_name_header(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet().write_row(0, 0, ["名称", "总投资"])
    wb.close()
    with pytest.raises(DataError, match="项目名称"):
        read_ledger(path, load_config())
