"""What a regional table reports, its units and Chinese labels, in one place.

Regional figures are read side by side with the county's published lists, so every column has a
Chinese label for workbooks and a stable English name for code. Ratios are defined here as a pair
(numerator total, denominator total) so that no caller can compute a region's 亩均税收 as the mean
of its firms' ratios: a region with one large efficient firm and many tiny ones would otherwise
look like the tiny ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# canonical input column → (total column, label, unit)
TOTALS: dict[str, tuple[str, str, str]] = {
    "land_area": ("land", "用地面积", "亩"),
    "eval_tax": ("tax", "税收", "万元"),
    "value_added": ("value_added", "工业增加值", "万元"),
    "revenue": ("revenue", "营业收入", "万元"),
    "energy_tce": ("energy", "综合能耗", "吨标准煤"),
    "electricity": ("electricity", "用电量", "万千瓦时"),
    "emissions": ("emissions", "主要污染物排放量", "吨"),
    "employees": ("employees", "年平均职工人数", "人"),
}


@dataclass(frozen=True)
class Ratio:
    """A regional ratio Σnumerator / Σdenominator, over firms reporting both."""

    name: str
    numerator: str  # canonical input column
    denominator: str
    label: str
    unit: str
    higher_is_better: bool


RATIOS: tuple[Ratio, ...] = (
    Ratio("tax_per_mu", "eval_tax", "land_area", "亩均税收", "万元/亩", True),
    Ratio("va_per_mu", "value_added", "land_area", "亩均增加值", "万元/亩", True),
    Ratio("revenue_per_mu", "revenue", "land_area", "亩均营业收入", "万元/亩", True),
    Ratio("energy_per_va", "energy_tce", "value_added", "单位增加值能耗", "吨标准煤/万元", False),
    Ratio("electricity_per_va", "electricity", "value_added", "单位增加值用电量", "万千瓦时/万元",
          False),
    Ratio("emissions_per_va", "emissions", "value_added", "单位增加值排放量", "吨/万元", False),
    Ratio("va_per_employee", "value_added", "employees", "全员劳动生产率", "万元/人", True),
)
RATIO_BY_NAME = {r.name: r for r in RATIOS}

CLASSES = ("A", "B", "C", "D")

BASE_LABELS: dict[str, str] = {
    "region_code": "区划代码", "region_name": "区域名称", "level": "层级", "year": "年度",
    "parent_code": "上级区划代码", "parent_name": "上级区域", "peer_group": "比较组",
    "n_enterprises": "企业数", "n_evaluated": "参评企业数", "n_rated": "评定A-D类企业数",
    "n_special": "特殊类别企业数", "n_excluded": "未纳入评价企业数",
    **{f"n_{c}": f"{c}类企业数" for c in CLASSES},
    **{f"share_{c}": f"{c}类企业占比(占A-D类)" for c in CLASSES},
    "share_special": "特殊类别企业占比(占参评)",
    **{total: f"{label}合计({unit})" for total, label, unit in TOTALS.values()},
    **{r.name: f"{r.label}({r.unit})" for r in RATIOS},
}

SUFFIX_LABELS: dict[str, str] = {
    "_yoy": "同比增长率", "_diff": "同比变化", "_share_parent": "占上级比重",
    "_rank": "排名", "_rank_tied": "排名(并列)", "_n_peers": "参与排名数",
    "_rank_change": "排名变化(上升为正)",
}


def default_direction(measure: str) -> bool:
    """True when a larger value ranks first: per-mu figures yes, intensities no."""
    if measure in RATIO_BY_NAME:
        return RATIO_BY_NAME[measure].higher_is_better
    return not measure.endswith(("_per_va", "n_D", "share_D"))


def column_labels(columns: pd.Index | list[str],
                  group_labels: dict[str, str] | None = None) -> dict[str, str]:
    """Chinese label of every column of an `aggregate` (or awards) table, for display.

    Columns made from data (per-group counts, suffixes such as `_yoy`) are labelled by parts, so a
    table with any scheme's groups still gets a full header row.
    """
    groups = group_labels or {}
    out: dict[str, str] = {}
    for col in map(str, columns):
        out[col] = _label(col, groups)
    return out


def _label(col: str, groups: dict[str, str]) -> str:
    if col in BASE_LABELS:
        return BASE_LABELS[col]
    if col.startswith("n_group_"):
        gid = col.removeprefix("n_group_")
        return f"参评企业数({groups.get(gid, gid)})"
    for suffix in sorted(SUFFIX_LABELS, key=len, reverse=True):
        if col.endswith(suffix):
            stem = col.removesuffix(suffix)
            return f"{_label(stem, groups)}{SUFFIX_LABELS[suffix]}"
    return col


LEVEL_WORDS = {"town": "乡镇(街道)", "county": "县(市、区)", "city": "设区市", "province": "省"}


def with_labels(frame: pd.DataFrame, group_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The same table with Chinese column headers and level names (for workbooks; code keeps
    English names); pass the scheme's `group_labels`, or per-group columns name group ids."""
    if "level" in frame.columns:
        frame = frame.assign(level=frame["level"].map(lambda v: LEVEL_WORDS.get(v, v)))
    return frame.rename(columns=column_labels(frame.columns, group_labels))
