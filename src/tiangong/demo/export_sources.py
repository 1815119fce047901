"""The seven departmental sheets of one data year, built from the canonical tables.

Headers use texts that `tiangong.intake.headers.SOURCES` recognises; units are declared in the
header. Values that are split (several 户号 or 宗地 per firm, months, pollutants) are split in
integer units so the exported parts add up exactly to the canonical value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tiangong.demo.export_quirks import (
    code_cells,
    name_cells,
    number_cells,
    sequence_ids,
    split_total,
)
from tiangong.demo.export_relations import severity_words
from tiangong.demo.export_writers import Cell, Sheet
from tiangong.evaluation.canonical import EVENT_TYPES

MULTI_ACCOUNT_SHARE = 0.10  # firms with 2–4 electricity accounts (户号)
MULTI_PARCEL_SHARE = 0.15  # firms with 2–3 land parcels
SQUARE_METRES_PER_MU = 1 / 0.0015  # matches intake's default UnitSettings
TAX_FILES = 2  # tax offices; files alternate between 元 and 万元
ELECTRICITY_FILES = 2  # supply stations (more when a file would pass Excel's row limit);
# files alternate between 千瓦时 and 万千瓦时
MONTHS = 12  # electricity is exported per account and month
MAX_XLSX_ROWS = 1_000_000  # Excel's limit is 1,048,576 rows per sheet
POLLUTANTS = ("COD", "NH3-N", "SO2", "NOx")

_NOTE = "注：数据由{dept}提供，仅供亩均效益综合评价使用。"
_MAKER = "制表：{dept}    审核：    日期：{year}年1月15日"


def _notes(dept: str, year: int) -> list[str]:
    return [_NOTE.format(dept=dept), _MAKER.format(dept=dept, year=year + 1)]


def _total(columns: Sequence[np.ndarray], sums: dict[int, float], as_text: bool,
           decimals: dict[int, int]) -> list[Cell]:
    row: list[Cell] = [None] * len(columns)
    row[0] = "合计"
    for c, s in sums.items():
        v = round(float(s), decimals[c])
        row[c] = f"{v:.{decimals[c]}f}" if as_text else v
    return row


def _sheet(source: str, filename: str, title: str, header: list[str], cols: list[np.ndarray],
           uscc: np.ndarray, names: np.ndarray, rng: np.random.Generator, code_at: int,
           name_at: int, numbers: dict[int, tuple[np.ndarray, int]], dept: str, year: int,
           clean: bool = False, encoding: str | None = None, rows: np.ndarray | None = None,
           **extra: object) -> Sheet:
    """Fill the code and name columns with quirks and the numeric ones with formatted cells.

    rows: when given, `uscc` and `names` are per account and `rows` is the account of each row
    (monthly rows): an account's code and name are written the same way in every month."""
    as_text = encoding is not None
    cols = list(cols)
    cols[code_at], code_q = code_cells(uscc, rng, clean)
    cols[name_at], name_q = name_cells(names, rng, clean)
    if rows is not None:
        cols[code_at], code_q, uscc = cols[code_at][rows], code_q[rows], uscc[rows]
        cols[name_at], name_q = cols[name_at][rows], name_q[rows]
    for c, (values, d) in numbers.items():
        cols[c] = number_cells(values, d, rng, as_text)
    sums = {c: float(np.nansum(np.round(v, d))) for c, (v, d) in numbers.items()}
    total = _total(cols, sums, as_text, {c: d for c, (_, d) in numbers.items()})
    return Sheet(source, filename, [title], [list(header)], cols, uscc, code_q, name_q, total,
                 _notes(dept, year), encoding=encoding, **extra)  # type: ignore[arg-type]


def _alternate(rng: np.random.Generator, options: tuple[str, ...], n: int) -> list[str]:
    """Units of n files: every option used (when n allows), starting at a random one."""
    first = int(rng.integers(len(options)))
    return [options[(first + k) % len(options)] for k in range(n)]


def _obj(values: object) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _blank(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _date_text(values: pd.Series) -> np.ndarray:
    out = pd.to_datetime(values).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    out[pd.isna(out)] = None
    return out


def registry(ent: pd.DataFrame, rng: np.random.Generator, year: int) -> list[Sheet]:
    n = len(ent)
    size = ent["size_class"].map({"above": "规上", "below": "规下"})
    cols = [_obj(np.arange(1, n + 1)), _blank(n), _blank(n), _obj(ent["industry_code"]),
            _obj(ent["town_name"]), _obj(ent["town_code"]), _obj(ent["county_code"]),
            _obj(size), _date_text(ent["founded_date"]), _date_text(ent["production_date"])]
    header = ["序号", "统一社会信用代码", "企业名称", "行业代码", "所属乡镇", "乡镇代码",
              "县区代码", "规模", "成立日期", "投产日期"]
    sheet = _sheet("registry", "01_企业名录.xlsx", f"{year}年度工业企业名录", header, cols,
                   ent["uscc"].to_numpy(object), ent["name"].to_numpy(object), rng, 1, 2, {},
                   "市场监管局", year, clean=True, sheet_name="企业名录")
    sheet.total[2] = f"共{n}户"
    return [sheet]


def tax(ent: pd.DataFrame, rng: np.random.Generator, year: int,
        units_from: tuple[str, ...] = ("元", "万元")) -> list[Sheet]:
    ent = ent[ent["eval_tax"].notna()]
    office = rng.integers(0, TAX_FILES, len(ent))
    units = _alternate(rng, units_from, TAX_FILES)
    sheets = []
    for k in range(TAX_FILES):
        part = ent[office == k]
        n, unit = len(part), str(units[k])
        factor = {"元": 1e4, "千元": 10.0, "万元": 1.0}[unit]
        header = ["纳税人识别号", "纳税人名称", "年度", f"实缴税金({unit})",
                  f"销售收入({unit})"]
        cols = [_blank(n), _blank(n), _obj(np.full(n, str(year))), _blank(n), _blank(n)]
        numbers = {3: (part["eval_tax"].to_numpy(float) * factor, 2),
                   4: (part["revenue"].to_numpy(float) * factor, 2)}
        sheets.append(_sheet("tax", f"02_税收_第{k + 1}税务所.csv",
                             f"{year}年度企业入库税收明细(第{k + 1}税务所)", header, cols,
                             part["uscc"].to_numpy(object), part["name"].to_numpy(object), rng,
                             0, 1, numbers, "税务局", year, encoding="gbk",
                             units={"eval_tax": unit, "revenue": unit}))
    return sheets


def electricity(ent: pd.DataFrame, rng: np.random.Generator,
                year: int, wide: bool = False) -> tuple[list[Sheet], pd.Series]:
    """One row per 户号 and month (the supply company's 月度电量 export): 12 rows per account,
    whose integer kWh add up to the account's and the accounts' to the firm's; `wide`: one row
    per account with 1月 … 12月 under a merged 月度用电量 header instead."""
    ent = ent[ent["electricity"].notna()]
    expected = len(ent) * MONTHS * (1 + 2 * MULTI_ACCOUNT_SHARE) * 1.05
    files = max(ELECTRICITY_FILES, math.ceil(expected / MAX_XLSX_ROWS))
    station = rng.integers(0, files, len(ent))
    units = _alternate(rng, ("千瓦时", "万千瓦时"), files)
    parts = 1 + (rng.random(len(ent)) < MULTI_ACCOUNT_SHARE) * rng.integers(1, 4, len(ent))
    sheets = []
    for k in range(files):
        sel = station == k
        part = ent[sel]
        kwh = np.round(part["electricity"].to_numpy(float) * 1e4).astype(np.int64)
        owner, piece = split_total(kwh, parts[sel], rng)
        account, month_kwh = split_total(piece, np.full(owner.size, MONTHS), rng)
        n, unit = account.size, str(units[k])
        values, d = (month_kwh.astype(float), 0) if unit == "千瓦时" else (month_kwh / 1e4, 4)
        if wide:
            ids = sequence_ids(rng, owner.size, 10)
            grid = values.reshape(owner.size, MONTHS)
            header = ["户号", "户名", "统一社会信用代码", *[f"{m}月" for m in range(1, 13)]]
            cols = [ids, _blank(owner.size), _blank(owner.size)] + [
                _blank(owner.size) for _ in range(MONTHS)]
            sheet = _sheet("electricity", f"03_用电_供电所{k + 1}.xlsx",
                           f"{year}年1-12月工业用户分月用电量（单位：{unit}）", header, cols,
                           part["uscc"].to_numpy(object)[owner],
                           part["name"].to_numpy(object)[owner], rng, 2, 1,
                           {3 + m: (grid[:, m], d) for m in range(MONTHS)}, "供电公司", year,
                           sheet_name="用电量", units={"electricity": unit})
            upper: list[str | None] = ["户号", "户名", "统一社会信用代码", "月度用电量"]
            sheet.header = [upper + [None] * (MONTHS - 1), [None] * 3 + header[3:]]
            sheet.merges = [(3, 3 + MONTHS - 1, "月度用电量")]
            sheets.append(sheet)
            continue
        header = ["户号", "户名", "统一社会信用代码", "月份", f"用电量({unit})"]
        months = np.array([f"{year}-{m:02d}" for m in range(1, MONTHS + 1)], dtype=object)
        cols = [sequence_ids(rng, owner.size, 10)[account], _blank(n), _blank(n),
                np.tile(months, owner.size), _blank(n)]
        sheets.append(_sheet("electricity", f"03_用电_供电所{k + 1}.xlsx",
                             f"{year}年1-12月工业用户分月用电量", header, cols,
                             part["uscc"].to_numpy(object)[owner],
                             part["name"].to_numpy(object)[owner], rng, 2, 1, {4: (values, d)},
                             "供电公司", year, rows=account, sheet_name="用电量",
                             units={"electricity": unit}))
    accounts = pd.Series(parts, index=ent["uscc"].to_numpy(object))
    return sheets, accounts


def land(ent: pd.DataFrame, rng: np.random.Generator,
         year: int) -> tuple[list[Sheet], pd.DataFrame]:
    ent = ent[ent["land_area"].notna()]
    parts = 1 + (rng.random(len(ent)) < MULTI_PARCEL_SHARE) * rng.integers(1, 3, len(ent))
    centi = np.round(ent["land_area"].to_numpy(float) * SQUARE_METRES_PER_MU * 100)
    owner, piece = split_total(centi.astype(np.int64), parts, rng)
    n = owner.size
    m2 = piece / 100
    cert = [f"浙({y})不动产权第{s}号" for y, s in
            zip(rng.integers(2000, year + 1, n), sequence_ids(rng, n, 7), strict=True)]
    founded = pd.to_datetime(ent["founded_date"]).to_numpy(dtype="datetime64[D]")[owner]
    supply = np.minimum(founded + rng.integers(-200, 400, n).astype("timedelta64[D]"),
                        np.datetime64(f"{year}-12-31"))
    header = ["序号", "宗地号", "不动产权证号", "单位名称", "统一社会信用代码", "用地面积(平方米)",
              "供地日期"]
    cols = [_obj(np.arange(1, n + 1)), sequence_ids(rng, n, 9), _obj(cert), _blank(n),
            _blank(n), _blank(n), _date_text(pd.Series(supply))]
    uscc = ent["uscc"].to_numpy(object)
    sheet = _sheet("land", "04_用地_宗地.xlsx", f"{year}年度工业用地宗地清册", header, cols,
                   uscc[owner], ent["name"].to_numpy(object)[owner], rng, 4, 3, {5: (m2, 2)},
                   "自然资源和规划局", year, sheet_name="宗地", units={"land_area": "平方米"})
    sums = pd.DataFrame({"land_area_m2": np.bincount(owner, m2, minlength=len(ent)),
                         "parcels": parts}, index=uscc)
    return [sheet], sums


_STATS = (("工业增加值(万元)", "value_added", 2), ("营业收入(万元)", "revenue", 2),
          ("综合能耗(吨标准煤)", "energy_tce", 2), ("年平均职工人数(人)", "employees", 0),
          ("R&D经费支出(万元)", "rd_expense", 2), ("技改投资(万元)", "tech_invest", 2),
          ("用水量(吨)", "water", 0))


def statistics(ent: pd.DataFrame, rng: np.random.Generator, year: int) -> list[Sheet]:
    part = ent[ent["size_class"] == "above"]
    n = len(part)
    cols = [_blank(n), _blank(n), _obj(part["industry_code"])] + [_blank(n) for _ in _STATS]
    numbers = {3 + i: (part[col].to_numpy(float), d) for i, (_, col, d) in enumerate(_STATS)}
    sheet = _sheet("statistics", "05_统计_规上工业.xlsx",
                   f"{year}年规模以上工业企业主要经济指标", ["统一社会信用代码", "单位名称",
                                                            "行业代码"], cols,
                   part["uscc"].to_numpy(object), part["name"].to_numpy(object), rng, 0, 1,
                   numbers, "统计局", year, sheet_name="B204-1",
                   units={col: h[h.index("(") + 1:-1] for h, col, _ in _STATS})
    upper: list[str | None] = ["统一社会信用代码", "单位名称", "行业代码", "本年主要指标"]
    sheet.header = [upper + [None] * (len(_STATS) - 1), [None] * 3 + [h for h, _, _ in _STATS]]
    sheet.merges = [(3, 3 + len(_STATS) - 1, "本年主要指标")]
    return [sheet]


def environment(ent: pd.DataFrame, rng: np.random.Generator, year: int,
                wide: bool) -> list[Sheet]:
    part = ent[ent["emissions"].notna()]
    tenth_grams = np.round(part["emissions"].to_numpy(float) * 1e4).astype(np.int64)
    owner, piece = split_total(tenth_grams, np.full(len(part), len(POLLUTANTS)), rng)
    uscc, names = part["uscc"].to_numpy(object), part["name"].to_numpy(object)
    if wide:
        n = len(part)
        grid = (piece / 1e4).reshape(n, len(POLLUTANTS))
        header = ["排污单位名称", "统一社会信用代码", "年度",
                  *[f"{p}(吨)" for p in POLLUTANTS], "排放总量(吨)"]
        cols = [_blank(n)] * 2 + [_obj(np.full(n, str(year)))] + [_blank(n)] * 5
        numbers = {3 + i: (grid[:, i], 4) for i in range(len(POLLUTANTS))}
        numbers[3 + len(POLLUTANTS)] = (tenth_grams / 1e4, 4)
    else:
        n = owner.size
        uscc, names = uscc[owner], names[owner]
        header = ["排污单位名称", "统一社会信用代码", "年度", "污染物", "排放量(吨)"]
        cols = [_blank(n), _blank(n), _obj(np.full(n, str(year))),
                _obj(np.tile(POLLUTANTS, len(part))), _blank(n)]
        numbers = {4: (piece / 1e4, 4)}
    return [_sheet("environment", "06_环境_污染物排放.csv", f"{year}年度重点排污单位污染物排放量",
                   header, cols, uscc, names, rng, 1, 0, numbers, "生态环境分局", year,
                   encoding="utf-8-sig", units={"emissions": "吨"})]


def events(ent: pd.DataFrame, ev: pd.DataFrame, rng: np.random.Generator,
           year: int) -> list[Sheet]:
    names = pd.Series(ent["name"].to_numpy(object), index=ent["uscc"].to_numpy(object))
    ev = ev[ev["uscc"].isin(names.index)]
    n = len(ev)
    kind = ev["event_type"].map(lambda t: EVENT_TYPES.get(t, t))
    header = ["序号", "企业名称", "统一社会信用代码", "事件类型", "等级", "发生日期", "事由"]
    cols = [_obj(np.arange(1, n + 1)), _blank(n), _blank(n), _obj(kind),
            severity_words(ev, rng), _date_text(ev["event_date"]), _obj(ev["description"])]
    return [_sheet("events", "07_事件_违法违规.xlsx", f"{year}年度企业安全生产、环境违法等事件",
                   header, cols, ev["uscc"].to_numpy(object),
                   names.loc[ev["uscc"]].to_numpy(object), rng, 2, 1, {}, "应急管理局", year,
                   sheet_name="事件")]
