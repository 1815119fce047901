"""Departmental header vocabularies: which Chinese headers mean which canonical column, and units.

Each department names the same variable differently (统一社会信用代码 / 纳税人识别号, 用地面积 /
宗地面积) and declares units in the header text ("用地面积(平方米)", "用电量（万千瓦时）").
Matching is exact on a normalised header, never fuzzy: a wrong guess would silently load the
wrong variable, whereas an unmatched header is reported and can be added to the synonym list.
Unit factors are explicit and recorded so a reviewer can see every conversion that was applied.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["id", "text", "number", "date"]
Quantity = Literal["money", "area", "electricity", "mass", "energy", "count"]

CANONICAL_UNIT: dict[str, str] = {
    "money": "万元", "area": "亩", "electricity": "万kWh", "mass": "吨", "energy": "吨标准煤",
    "count": "人",
}


@dataclass(frozen=True)
class ColumnSpec:
    """A canonical column: its synonyms, how cells are parsed and, for numbers, the quantity."""

    name: str
    synonyms: tuple[str, ...]
    kind: Kind = "text"
    quantity: Quantity | None = None
    required: bool = False


@dataclass(frozen=True)
class UnitSettings:
    """Conversion settings that are local rules; 亩 per 平方米 differs by county (×0.0015 or
    ÷666.67), so it is a setting, not a constant."""

    mu_per_square_metre: float = 0.0015


def _c(name: str, synonyms: str, kind: Kind = "text", quantity: Quantity | None = None,
       required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, tuple(synonyms.split()), kind, quantity, required)


_USCC = _c("uscc", "统一社会信用代码 社会信用代码 信用代码 纳税人识别号 统一代码 企业代码", "id")
_NAME = _c("name", "企业名称 纳税人名称 单位名称 户名 用户名称 企业(单位)名称 名称 排污单位名称 "
           "单位详细名称 权利人 使用权人 土地使用权人 权利人名称 企业全称 单位全称")
_ORG = _c("org_code", "组织机构代码 机构代码", "id")
_REGNO = _c("reg_no", "注册号 工商注册号", "id")
_YEAR = _c("year", "年度 年份 统计年度", "id")

SOURCES: dict[str, tuple[ColumnSpec, ...]] = {
    "registry": (
        replace(_USCC, required=True), replace(_NAME, required=True), _ORG, _REGNO,
        _c("industry_code", "行业代码 国民经济行业代码 行业分类代码", "id"),
        _c("town_name", "乡镇街道 所属乡镇 乡镇(街道) 镇街 所在乡镇"),
        _c("town_code", "乡镇代码 乡镇街道代码 乡镇(街道)代码 所属乡镇代码", "id"),
        _c("county_code", "县区代码 县(市、区)代码 所属县区代码 区县代码", "id"),
        _c("size_class", "规模 企业规模 规上规下 是否规上"),
        _c("founded_date", "成立日期 成立时间 注册日期", "date"),
        _c("production_date", "投产日期 投产时间", "date"),
    ),
    "tax": (
        replace(_USCC, required=True), _NAME, _YEAR,
        _c("eval_tax", "实缴税金 税收合计 入库税收 实缴税收 评价税收 税收 实缴税额", "number",
           "money", required=True),
        _c("revenue", "销售收入 开票销售收入 营业收入 应税销售收入", "number", "money"),
    ),
    "electricity": (
        _USCC, _NAME, _YEAR, _c("account", "户号 用电户号 电力户号", "id"),
        _c("electricity", "用电量 售电量 年用电量 用电总量 月度用电量 分月用电量 抄见电量 结算电量",
           "number", "electricity",
           required=True),
        _c("period", "月份 所属月份 电费年月 抄表年月 统计月份"),  # monthly rows
    ),
    "land": (
        _USCC, _NAME, _c("cert_no", "不动产权证号 土地证号 证号 权证号", "id"),
        _c("parcel_no", "宗地号 宗地编号 地块编号", "id"),
        _c("land_area", "用地面积 土地面积 宗地面积 土地使用权面积 使用权面积", "number", "area",
           required=True),
        _c("supply_date", "供地日期 供地时间 出让日期", "date"),
        _c("land_use", "土地用途 用途 用地性质 土地性质 规划用途 批准用途 地类 地类名称"),
    ),
    "statistics": (
        _USCC, _NAME, _YEAR, _c("industry_code", "行业代码 国民经济行业代码", "id"),
        _c("value_added", "工业增加值 增加值", "number", "money"),
        _c("revenue", "营业收入 主营业务收入 销售收入", "number", "money"),
        _c("energy_tce", "综合能耗 综合能源消费量 能耗", "number", "energy"),
        _c("employees", "年平均职工人数 从业人员 从业人员平均人数 职工人数", "number", "count"),
        _c("rd_expense", "R&D经费支出 研发经费支出 研发费用 研发投入", "number", "money"),
        _c("tech_invest", "技改投资 技术改造投资", "number", "money"),
        _c("water", "用水量", "number", "mass"),
    ),
    "environment": (
        _USCC, _NAME, _YEAR,
        _c("emissions", "排放量 主要污染物排放量 污染物排放量 排放总量 排放合计", "number",
           "mass"),
        _c("water", "用水量", "number", "mass"),
        _c("pollutant", "污染物 污染物名称 污染物种类 监测因子"),  # one row per pollutant
        # one column per pollutant (wide layout): each its own canonical variable
        _c("emission_cod", "化学需氧量 COD CODcr 化学需氧量排放量 COD排放量", "number", "mass"),
        _c("emission_nh3n", "氨氮 NH3-N NH3N 氨氮排放量", "number", "mass"),
        _c("emission_so2", "二氧化硫 SO2 二氧化硫排放量", "number", "mass"),
        _c("emission_nox", "氮氧化物 NOx NOX 氮氧化物排放量", "number", "mass"),
        _c("emission_pm", "颗粒物 烟粉尘 烟尘 颗粒物排放量", "number", "mass"),
        _c("emission_vocs", "挥发性有机物 VOCs VOCS 挥发性有机物排放量", "number", "mass"),
    ),
    "events": (
        _USCC, _NAME, _c("event_type", "事件类型 类型 违法类型 事故类型", required=True),
        _c("event_date", "发生日期 发生时间 处罚日期 立案日期 日期", "date"),
        _c("severity", "等级 事件等级 事故等级 违法等级 失信等级 严重程度 级别 事故级别"),
        _c("detail", "事由 情况说明 处罚内容"),
    ),
    # One row per letting: the landlord (出租方) in the usual uscc / name columns, so it is
    # linked like any record, and the tenant (承租方) in its own pair. 租赁建筑面积 stays in
    # 平方米 (tiangong.intake.tenancy checks the declared unit); 租赁用地面积 becomes 亩.
    "tenancy": (
        _c("uscc", "出租方统一社会信用代码 出租方社会信用代码 出租方信用代码 出租方代码 "
           "出租方纳税人识别号 出租单位统一社会信用代码", "id"),
        _c("name", "出租方名称 出租方 出租单位 出租单位名称 出租企业 出租企业名称 出租人",
           required=True),
        _c("tenant_uscc", "承租方统一社会信用代码 承租方社会信用代码 承租方信用代码 承租方代码 "
           "承租方纳税人识别号 承租单位统一社会信用代码", "id"),
        _c("tenant_name", "承租方名称 承租方 承租单位 承租单位名称 承租企业 承租企业名称 承租人",
           required=True),
        _c("land_area", "租赁用地面积 出租用地面积 租赁土地面积 出租土地面积 租用土地面积 "
           "租赁面积 出租面积", "number", "area"),
        _c("floor_area_m2", "租赁建筑面积 出租建筑面积 租赁厂房面积 出租厂房面积 租用厂房面积",
           "number"),
        _c("start_date", "起租日期 租赁起始日期 租赁开始日期 租期起", "date"),
        _c("end_date", "租赁到期日期 租赁截止日期 租赁结束日期 到期日期 租期止", "date"),
        _YEAR,
    ),
}

# unit text as it appears in headers → (quantity, factor to the canonical unit); "area/m2" is
# resolved through UnitSettings because its factor is a local rule.
UNITS: dict[str, tuple[Quantity, float | None]] = {
    "元": ("money", 1e-4), "万元": ("money", 1.0), "亿元": ("money", 1e4), "千元": ("money", 0.1),
    "平方米": ("area", None), "㎡": ("area", None), "m2": ("area", None), "m²": ("area", None),
    "亩": ("area", 1.0), "公顷": ("area", 15.0), "hm2": ("area", 15.0),
    "千瓦时": ("electricity", 1e-4), "kwh": ("electricity", 1e-4), "度": ("electricity", 1e-4),
    "万千瓦时": ("electricity", 1.0), "万kwh": ("electricity", 1.0), "万度": ("electricity", 1.0),
    "吨": ("mass", 1.0), "千克": ("mass", 1e-3), "kg": ("mass", 1e-3), "公斤": ("mass", 1e-3),
    "吨标准煤": ("energy", 1.0), "吨标煤": ("energy", 1.0), "tce": ("energy", 1.0),
    "万吨标准煤": ("energy", 1e4), "人": ("count", 1.0),
}

_UNIT_RE = re.compile(r"^(?P<base>.*?)[(\[](?:单位[:：]?)?(?P<unit>[^()\[\]]+)[)\]]$")
_SPACES = re.compile(r"\s+")


def normalize_header(text: object) -> str:
    """NFKC (full-width → half-width, ㎡ kept), no whitespace or newlines; "" for empty cells."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text).replace("㎡", "\0")).replace("\0", "㎡")
    return _SPACES.sub("", s)


def split_unit(header: str) -> tuple[str, str | None]:
    """"用地面积(平方米)" → ("用地面积", "平方米"); no trailing bracket → no unit."""
    h = normalize_header(header)
    m = _UNIT_RE.match(h)
    if m and m.group("base"):
        return m.group("base"), m.group("unit")
    return h, None


def _lookup(source: str) -> dict[str, ColumnSpec]:
    return {normalize_header(s): spec for spec in SOURCES[source] for s in spec.synonyms}


def match_header(header: str, source: str) -> ColumnSpec | None:
    """The canonical column for a (possibly "上级|下级") header, or None; lower part wins."""
    table = _lookup(source)
    parts = [p for p in header.split("|") if p]
    for cand in [*reversed(parts), "".join(parts)]:
        base, _ = split_unit(cand)
        if base in table:
            return table[base]
    return None


def unit_factor(spec: ColumnSpec, unit: str | None,
                settings: UnitSettings | None = None) -> float:
    """Factor from the declared unit to the canonical unit (1.0 when no unit is declared).

    Raises ValueError for a unit of another quantity or an unknown unit: guessing would load
    values 10 000 times off.
    """
    if unit is None or spec.quantity is None:
        return 1.0
    key = unit.lower()
    if key not in UNITS:
        raise ValueError(f"unknown unit {unit!r} for {spec.name}")
    quantity, factor = UNITS[key]
    if quantity != spec.quantity:
        raise ValueError(f"unit {unit!r} is {quantity}, but {spec.name} is {spec.quantity}")
    if factor is None:
        return (settings or UnitSettings()).mu_per_square_metre
    return factor


def all_synonyms(source: str) -> set[str]:
    """Normalised synonyms of one source (None: of every source), for header-row detection."""
    return set(_lookup(source))


def known_headers() -> set[str]:
    """Every synonym of every source: a header row is recognised even before the source is."""
    return set().union(*(all_synonyms(s) for s in SOURCES))
