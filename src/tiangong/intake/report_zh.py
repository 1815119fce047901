"""The quality workbook and the reconciliation in Chinese, for the officials who read them.

Rules, statuses and actions are kept as stable English codes inside tiangong (tests, the run
store and scripts match on them); this module is the one place that says them in Chinese: each
rule's name and what intake did, each reason a row was not used, each column of the 对账 sheet.
An action written in English with details (a code read as another, a row first seen elsewhere)
is translated with its details kept.
"""

from __future__ import annotations

import re

import pandas as pd

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

# rule → (规则, 处理 when the action has no Chinese of its own)
RULES_ZH: dict[str, tuple[str, str]] = {
    "uscc_missing": ("统一社会信用代码缺失", "保留该行，按名称匹配"),
    "uscc_normalised": ("统一社会信用代码已规范化", "按规范写法读取"),
    "old_registration_number": ("旧版15位注册号", "需查询对应的统一社会信用代码"),
    "org_code_instead_of_uscc": ("填写的是组织机构代码", "按组织机构代码匹配"),
    "uscc_length": ("统一社会信用代码位数不对", "按原样保留"),
    "uscc_bad_character": ("统一社会信用代码含非法字符", "按原样保留"),
    "uscc_check_char_probable_typo": ("统一社会信用代码校验位错误（疑似笔误）", "按原样保留"),
    "uscc_invalid": ("统一社会信用代码无效", "两个校验位都不符，按原样保留"),
    "not_a_number": ("数值无法读取", "置为空值"),
    "not_a_date": ("日期无法读取", "置为空值"),
    "unit_text_in_cell": ("单元格中数值后有文字", "忽略文字，按表头单位读取"),
    "id_read_as_number": ("编号被存成数字", "已去掉“.0”，请核对前导零"),
    "duplicate": ("关键字段重复", "保留，请核对"),
    "duplicate_row": ("重复行", "不计入"),
    "duplicate_column": ("重复列", "只读取一列"),
    "unknown_unit": ("单位无法识别", "该列未读取"),
    "unit_from_manifest": ("单位以清单为准", "按清单单位换算"),
    "unit_ambiguous": ("单位不明且数值可疑", "请写明单位"),
    "unit_not_stated": ("未注明单位", "按标准单位读取"),
    "pollutant_sum_mismatch": ("排放总量与各污染物之和不符", "按排放总量计"),
    "floor_area_unit": ("建筑面积单位不是平方米", "该列未读取"),
    "excluded_total": ("合计行", "不作为企业记录读取"),
    "total_by_content": ("合计行（按数值识别）", "不计入"),
    "excluded_footnote": ("注释行", "不读取"),
    "renamed_by_code": ("名称与代码的企业不同（按更名处理）", "按统一社会信用代码归入该企业"),
    "total_mismatch": ("合计行与明细不符", "请与报送部门核实"),
    "sheet_not_recognised": ("工作表未识别", "未读取"),
    "empty_sheet": ("空工作表", "无数据"),
    "file_skipped": ("按清单跳过", "未读取"),
    "file_not_supported": ("文件类型不支持", "未读取"),
    "file_not_recognised": ("文件未识别", "未读取"),
    "source_by_name": ("按名称判定来源", "表头同时符合多个来源"),
    "unknown_severity": ("事件等级无法识别", "保留事件，不记等级"),
    "unknown_event_type": ("事件类型无法识别", "隔离"),
    "land_not_industrial": ("非工业用地", "不计入"),
    "invalid_area": ("面积无效", "隔离"),
    "zero_employees_with_value_added": ("有增加值但职工人数为0", "保留，请核对"),
    "tenancy_chain_not_merged": ("承租方也对外出租，未合并", "按其自身记录评价"),
    "land_from_tenancy": ("按租入用地评价", "用地面积取租入面积"),
    "tenant_merged": ("承租方并入出租方", "已合并"),
}

# why a row was not used (ledger reasons and statuses) → Chinese
REASONS_ZH = {
    "used": "已使用", "not linked": "未匹配到名录企业", "awaiting review": "待人工审核",
    "other year": "非本年度数据", "registry row without a valid code": "名录行无有效代码",
    "duplicate registry row": "名录重复行", "duplicate statistics record": "统计重复记录",
    "rejected in review (not a local firm)": "审核认定非本地企业",
    "tenant not linked": "承租方未匹配", "landlord and tenant are the same firm":
    "出租方与承租方为同一企业", "tenancy outside the year": "租期不在本年度",
    "not industrial land": "非工业用地", "invalid area (zero or negative)": "面积为零或负数",
    "unknown event type": "事件类型无法识别", "total (by content)": "合计行（按数值识别）",
    "blank": "空行", "title": "标题行", "header": "表头行", "unit_row": "单位行",
    "column_numbers": "栏次行", "total": "合计行", "footnote": "注释行", "duplicate": "重复行",
    "sheet_not_recognised": "工作表未识别", "empty_sheet": "空工作表", "skipped": "清单跳过",
    "file_not_supported": "不支持的文件类型",
}
SOURCES_ZH = {"registry": "名录", "tax": "税务", "electricity": "用电", "land": "用地",
              "statistics": "统计", "environment": "环境", "events": "事件", "tenancy": "租赁",
              "land_rule": "用地规则", "": ""}
RECONCILIATION_ZH = {
    "file": "文件", "sheet": "工作表", "source": "来源", "rows_read": "读取行数",
    "rows_used": "使用行数", "rows_quarantined": "隔离行数", "rows_excluded": "排除行数",
    "reasons": "原因", "measure": "指标", "unit": "单位", "before": "读取合计",
    "used": "使用合计", "quarantined": "隔离合计", "after": "企业表合计", "difference": "差额",
}
MEASURES_ZH = {"eval_tax": "实缴税金", "electricity": "用电量", "land_area": "用地面积",
               "emissions": "排放量"}

_ACTIONS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), r) for p, r in [
    (r"^read as (\S+)$", r"读作 \1"),
    (r"^kept; first seen in row (\d+)$", r"保留；与第 \1 行重复"),
    (r"^(\d+) characters; kept as given$", r"共 \1 位；按原样保留"),
    (r"^organisation code valid; check char should be (\S+)$",
     r"组织机构代码有效；校验位应为 \1"),
    (r"^row not used: (.+)$", "ROW"),
    (r"^kept; value added (.+)$", r"保留；增加值为 \1"),
    (r"^flagged, kept; bounds \[(.+), (.+)\]$", r"保留并标注；合理范围 [\1, \2]"),
    (r"^kept; excluded by the scheme's rules$", "保留；由评价方案规则处理"),
    (r"^text after the number ignored; header unit (.+) applied$",
     r"忽略数值后的文字；按表头单位 \1 读取"),
    (r"^header says (.+); the manifest's (.+) applied$", r"表头单位为 \1；按清单单位 \2 换算"),
    (r"^event kept without severity; known levels: (.+)$", r"事件保留，不记等级；可识别的等级：\1"),
    (r"^column not loaded: (.+)$", r"该列未读取：\1"),
    (r"^ignored; '(.+)' used$", r"未读取；已使用列 “\1”"),
]]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def action_zh(rule: str, action: str) -> str:
    """处理 in Chinese: the action itself when it is Chinese, a translation keeping its details,
    else the rule's Chinese action."""
    for pattern, template in _ACTIONS:
        m = pattern.match(action)
        if m:
            if template == "ROW":
                return "未使用：" + REASONS_ZH.get(m.group(1), m.group(1))
            return m.expand(template)
    if _CJK.search(action) and not action.isascii():
        english = re.sub(r"[\u4e00-\u9fff（）：；，。、“”]", "", action)
        if len(english.strip()) < len(action) / 2:
            return action
    return RULES_ZH.get(rule, ("", action))[1] or action


def rule_zh(rule: str) -> str:
    if rule in RULES_ZH:
        return RULES_ZH[rule][0]
    if rule.startswith("quarantined_"):
        return "隔离：" + REASONS_ZH.get(rule.removeprefix("quarantined_").replace("_", " "),
                                       rule.removeprefix("quarantined_"))
    if rule.startswith("negative_"):
        return "负值：" + rule.removeprefix("negative_")
    if rule.startswith("implausible_"):
        return "数值异常：" + rule.removeprefix("implausible_")
    if rule.startswith("excluded_"):
        return "排除：" + REASONS_ZH.get(rule.removeprefix("excluded_"), rule)
    return rule


def reasons_zh(text: str) -> str:
    """"not linked: 3; blank: 2" → "未匹配到名录企业：3；空行：2"."""
    if not text:
        return ""
    out = []
    for part in text.split("; "):
        key, _, n = part.rpartition(": ")
        key = key or part
        out.append(f"{REASONS_ZH.get(key, key)}：{n}" if n else REASONS_ZH.get(key, key))
    return "；".join(out)


def reconciliation_zh(rec: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation with Chinese headers, sources, measures and reasons."""
    out = rec.copy()
    if "reasons" in out:
        out["reasons"] = out["reasons"].fillna("").map(
            lambda t: reasons_zh(t) if not str(t)[:1].isdigit() else t)
    if "source" in out:
        out["source"] = out["source"].map(lambda s: SOURCES_ZH.get(s, s))
    if "measure" in out:
        out["measure"] = out["measure"].map(lambda m: MEASURES_ZH.get(m, m))
    return out.rename(columns=RECONCILIATION_ZH)
