"""The hotline importer on messy exports written here: a 12345 xlsx with a title line, a 合计
line, odd dates, wrong and missing codes; a GBK CSV from the 好差评 system."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from services_calendar import notice_calendar

from tiangong.errors import DataError
from tiangong.identity.uscc import org_code_check_char, uscc_check_char
from tiangong.services.config import load_categories
from tiangong.services.importer import import_export, parse_time


def _code(org8: str) -> str:
    """A USCC of 黄岩 (331003) with both check characters right (GB 32100, GB 11714)."""
    first17 = "91331003" + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


A, B, C = _code("MA2A0001"), _code("MA2A0002"), _code("MA2A0003")
ROSTER = pd.DataFrame({
    "uscc": [A, B, C],
    "name": ["台州市黄岩恒达模具有限公司", "台州市黄岩新光塑料制品有限公司",
             "浙江瑞丰药业股份有限公司"],
    "town_name": ["新前街道", "北城街道", "江口街道"],
    "industry_code": ["3525", "2929", "2720"],
    "class": ["A", "C", "B"],
})
HEADER = ["工单编号", "受理时间", "企业名称", "统一社会信用代码", "诉求类型", "诉求内容",
          "承办单位", "办结时间", "办理结果", "满意度"]
ROWS = [
    # 3: valid code, closed and rated
    ["GD001", "2026-03-02 09:15:00", "台州市黄岩恒达模具有限公司", A, "税费", "留抵退税进度咨询",
     "税务局", "2026/3/5 16:00", "已解决", "满意"],
    # 4: no code, exact name → linked, to be confirmed; not yet handled
    ["GD002", "2026年3月3日 10时20分", "台州市黄岩新光塑料制品有限公司", None, "白蚁防治",
     "厂房发现白蚁，申请防治", None, None, None, None],
    # 5: wrong check character, name right → linked by name with a warning
    ["GD003", "2026-03-04", "浙江瑞丰药业股份有限公司", C[:-1] + ("0" if C[-1] != "0" else "1"),
     "用电", "增容报装进度", "供电公司", None, None, None],
    # 6: firm not in the roster
    ["GD004", "2026-03-04 11:00", "某某不存在科技有限公司", None, "政策", "申报条件咨询", None,
     None, None, None],
    # 7: no ticket number
    [None, "2026-03-05 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", None, None,
     None, None],
    # 8: same ticket as row 3
    ["GD001", "2026-03-05 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", None, None,
     None, None],
    # 9: impossible date
    ["GD005", "2026-02-30 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", None, None,
     None, None],
    # 10: closed before it was received
    ["GD006", "2026-03-06 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", "经信局",
     "2026-03-01 09:00", "已解决", None],
    # 11: a year without calendar data
    ["GD007", "2027-01-05 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", "经信局",
     None, None, None],
    # 12: no text
    ["GD008", "2026-03-06 09:00", "台州市黄岩恒达模具有限公司", A, "政策", None, "经信局", None,
     None, None],
    # 13: unknown rating word
    ["GD009", "2026-03-06 09:00", "台州市黄岩恒达模具有限公司", A, "政策", "补助政策", "经信局",
     "2026-03-09 09:00", "已解决", "还行吧"],
    # 14: unknown category → taken, warning; name written with full-width brackets and spaces
    ["GD010", "2026-03-09 08:30", " 台州市黄岩恒达模具有限公司 ", A, "其他", "厂区门口路灯不亮",
     None, None, None, None],
]


def write_hotline(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["12345政务服务便民热线涉企工单导出（2026年3月）"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.append([])
    ws.append(["合计", "12 件"])
    wb.save(path)


def test_hotline_xlsx(tmp_path):
    path = tmp_path / "12345导出.xlsx"
    write_hotline(path)
    res = import_export(path, ROSTER, load_categories(), notice_calendar())
    assert res.kind == "hotline"
    req = res.requests.to_pandas().set_index("external_id")
    assert sorted(req.index) == ["GD001", "GD002", "GD003", "GD010"]
    reasons = dict(zip(res.rejected["row"], res.rejected["reason"], strict=True))
    assert sorted(reasons) == [6, 7, 8, 9, 10, 11, 12, 13]
    assert "企业不在名录中" in reasons[6]
    assert reasons[7] == "缺少工单编号"
    assert "与第 3 行相同" in reasons[8]
    assert "不存在的日期" in reasons[9]
    assert "早于受理时间" in reasons[10]
    assert "2027 年" in reasons[11]
    assert reasons[12] == "缺少诉求内容"
    assert "还行吧" in reasons[13]
    assert res.excluded >= 1  # the 合计 line (and the blank line) set aside, not imported
    # links: by code (sure), by exact name (to confirm), by name after a bad code (to confirm)
    assert req.loc["GD001", ["uscc", "link_method", "needs_confirmation"]].tolist() == [
        A, "uscc", False]
    assert req.loc["GD002", "uscc"] == B and req.loc["GD002", "needs_confirmation"]
    assert req.loc["GD003", "uscc"] == C and req.loc["GD003", "needs_confirmation"]
    assert req.loc["GD002", "category"] == "pest" and req.loc["GD003", "category"] == "power"
    assert pd.isna(req.loc["GD010", "category"])
    warn = dict(zip(res.warnings["row"], res.warnings["message"], strict=True))
    assert "校验不通过" in warn[5] and "无法识别" in warn[14]
    # deadline stored at assignment: 3-02 + 7 WD (tax) = 3-11; towns and chains from the roster
    assert req.loc["GD001", "due_on"] == dt.date(2026, 3, 11)
    assert req.loc["GD001", "state"] == "rated" and req.loc["GD002", "state"] == "received"
    assert req.loc["GD001", "industry_chain"] == "模塑" and req.loc["GD003", "town"] == "江口街道"
    ev = res.events.to_pandas()
    assert ev[ev.request_id == "hotline-GD001"].action.tolist() == ["file", "route", "close",
                                                                   "rate"]
    # importing the same file again takes nothing twice
    again = import_export(path, ROSTER, load_categories(), notice_calendar(),
                          known_ids=res.requests.column("request_id").to_pylist())
    assert again.requests.num_rows == 0
    assert (again.rejected.reason.str.contains("已导入过")).sum() == 4


def test_haochaping_gbk_csv(tmp_path):
    path = tmp_path / "好差评.csv"
    lines = ["评价编号,评价时间,事项名称,评价人,统一社会信用代码,评价等级,差评内容,办理部门",
             f"P1,2026/3/10 9:00,排污许可证变更,浙江瑞丰药业股份有限公司,{C},非常不满意,"
             "材料退回三次未说明原因,生态环境分局",
             f"P2,2026/3/10 9:30,发票申领,台州市黄岩恒达模具有限公司,{A},满意,,税务局"]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    res = import_export(path, ROSTER, load_categories(), notice_calendar())
    assert res.kind == "haochaping"
    req = res.requests.to_pandas()
    assert req.external_id.tolist() == ["P1"] and req.channel.tolist() == ["haochaping"]
    assert req.category.tolist() == ["permit"]  # 许可 in the item name
    assert res.rejected.row.tolist() == [3] and "非差评" in res.rejected.reason[0]


def test_file_without_needed_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("企业名称,诉求内容\n某公司,某事\n", encoding="utf-8")
    with pytest.raises(DataError, match="工单编号"):
        import_export(path, ROSTER, load_categories(), notice_calendar())


def test_time_formats():
    assert parse_time("2026/3/5 14:22") == dt.datetime(2026, 3, 5, 14, 22)
    assert parse_time("2026年3月5日 14时22分") == dt.datetime(2026, 3, 5, 14, 22)
    assert parse_time("2026-03-05") == dt.datetime(2026, 3, 5)
    assert parse_time("46086.5") == dt.datetime(2026, 3, 5, 12, 0)  # Excel day 46086 = 2026-03-05
    assert parse_time(" ") is None
    with pytest.raises(ValueError, match="无法识别"):
        parse_time("上周三")
