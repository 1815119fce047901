"""The canonical tables every stage agrees on.

Departmental exports are messy; everything after intake sees only these three tables. Keeping
their definition in one place lets the scheme validator check expressions against real column
names, the readers check input files before any work, and the generator write what the engine
reads. Units are fixed here (万元, 亩, 吨标准煤, 万kWh, 吨) so no later stage has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # DuckDB type name; the Spark adapter maps it
    label: str  # Chinese label used in workbooks and reports
    unit: str = ""
    required: bool = False
    numeric: bool = False
    can_be_negative: bool = False  # a scheme scoring it must state a floor rule


ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "VARCHAR", "统一社会信用代码", required=True),
    Column("name", "VARCHAR", "企业名称", required=True),
    Column("year", "INTEGER", "数据年度", required=True),
    Column("county_code", "VARCHAR", "县(市、区)代码"),
    Column("town_code", "VARCHAR", "乡镇(街道)代码"),
    Column("town_name", "VARCHAR", "乡镇(街道)"),
    Column("size_class", "VARCHAR", "规模(above=规上, below=规下)", required=True),
    Column("industry_code", "VARCHAR", "国民经济行业代码(GB/T 4754-2017)"),
    Column("founded_date", "DATE", "成立日期"),
    Column("production_date", "DATE", "投产日期"),
    Column("land_area", "DOUBLE", "用地面积", "亩", numeric=True),
    Column("eval_tax", "DOUBLE", "评价税收", "万元", numeric=True, can_be_negative=True),
    Column("value_added", "DOUBLE", "工业增加值", "万元", numeric=True, can_be_negative=True),
    Column("revenue", "DOUBLE", "营业收入", "万元", numeric=True),
    Column("energy_tce", "DOUBLE", "综合能耗", "吨标准煤", numeric=True),
    Column("electricity", "DOUBLE", "用电量", "万千瓦时", numeric=True),
    Column("emissions", "DOUBLE", "主要污染物排放量", "吨", numeric=True),
    Column("water", "DOUBLE", "用水量", "吨", numeric=True),
    Column("employees", "DOUBLE", "年平均职工人数", "人", numeric=True),
    Column("rd_expense", "DOUBLE", "研发经费支出", "万元", numeric=True),
    Column("tech_invest", "DOUBLE", "技改投资", "万元", numeric=True),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "VARCHAR", "统一社会信用代码", required=True),
    Column("year", "INTEGER", "年度", required=True),
    Column("event_type", "VARCHAR", "事件类型", required=True),
    Column("event_date", "DATE", "发生日期"),
    Column("severity", "VARCHAR", "等级"),
    Column("description", "VARCHAR", "说明"),
)

TENANCY_COLUMNS: tuple[Column, ...] = (
    Column("year", "INTEGER", "年度", required=True),
    Column("landlord_uscc", "VARCHAR", "出租方统一社会信用代码", required=True),
    Column("tenant_uscc", "VARCHAR", "承租方统一社会信用代码", required=True),
    Column("land_area", "DOUBLE", "租赁用地面积", "亩", numeric=True),
    Column("floor_area_m2", "DOUBLE", "租赁建筑面积", "平方米", numeric=True),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "enterprises": ENTERPRISE_COLUMNS,
    "events": EVENT_COLUMNS,
    "tenancies": TENANCY_COLUMNS,
}

SIZE_CLASS_LABELS = {"above": "规上", "below": "规下"}

# GB/T 4754-2017 行业大类 of sections B (采矿业), C (制造业) and D (电力、热力、燃气及水生产和
# 供应业): what a 公示 names when a condition selects or exempts divisions by code.
INDUSTRY_DIVISIONS = {
    "06": "煤炭开采和洗选业", "07": "石油和天然气开采业", "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业", "10": "非金属矿采选业", "11": "开采专业及辅助性活动",
    "12": "其他采矿业", "13": "农副食品加工业", "14": "食品制造业",
    "15": "酒、饮料和精制茶制造业", "16": "烟草制品业", "17": "纺织业", "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业", "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业", "33": "金属制品业", "34": "通用设备制造业",
    "35": "专用设备制造业", "36": "汽车制造业", "37": "铁路、船舶、航空航天和其他运输设备制造业",
    "38": "电气机械和器材制造业", "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业", "41": "其他制造业", "42": "废弃资源综合利用业",
    "43": "金属制品、机械和设备修理业", "44": "电力、热力生产和供应业", "45": "燃气生产和供应业",
    "46": "水的生产和供应业",
}


def division_words(code: str) -> str:
    """A 行业大类 code with its name, "44（电力、热力生产和供应业）"; an unknown code as given."""
    name = INDUSTRY_DIVISIONS.get(code)
    return f"{code}（{name}）" if name else code


# Event types the generator and intake produce; schemes may use others found in the data.
EVENT_TYPES = {
    "safety_accident": "安全生产事故",
    "env_violation": "环境违法",
    "credit_default": "严重失信",
    "illegal_land_use": "违法用地",
}

# Variables an expression may use besides the enterprise columns; computed by the engine.
DERIVED_VARIABLES = {
    "age_years": "成立年限(评价年度末,整年)",
    "production_years": "投产年限(评价年度末,整年)",
    "industry_division": "行业大类(两位代码)",
    "tenant_count": "出租户数",
    "leased_out_area": "出租用地面积(亩)",
}

NUMERIC_VARIABLES = frozenset(c.name for c in ENTERPRISE_COLUMNS if c.numeric) | {
    "age_years",
    "production_years",
    "tenant_count",
    "leased_out_area",
    "year",
}
TEXT_VARIABLES = frozenset(
    {"uscc", "name", "county_code", "town_code", "town_name", "size_class", "industry_code",
     "industry_division"}
)
DATE_VARIABLES = frozenset({"founded_date", "production_date"})
NEGATIVE_VARIABLES = frozenset(c.name for c in ENTERPRISE_COLUMNS if c.can_be_negative)


def column(table: str, name: str) -> Column:
    for col in TABLES[table]:
        if col.name == name:
            return col
    raise KeyError(f"{table}.{name}")
