"""Import a county's project ledger (项目库台账) as kept in Excel, reporting what it could not take.

The typical ledger is one sheet, a title row, a header of one or two rows (a merged "开工时间"
over "计划 | 实际", a merged "2025年完成投资" over "1月 … 12月"), one row per project, stage dates
as columns, monthly investment (and funds) columns, 合计 rows and notes. Dates come as Excel
dates, 2025.3, 2025年3月, "已开工"; money as numbers, "1.2亿", "3,000万元". Every cell that
cannot be read and every row or column not taken is listed with its row and column, so the
officer fixes the sheet instead of trusting a silent partial import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.intake.values import parse_dates, parse_numbers
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.portfolio import Portfolio

FIELDS = {  # canonical column → header words (compared after removing spaces and units)
    "project_id": ("项目编号", "项目代码", "编号", "项目ID"),
    "name": ("项目名称",),
    "investor": ("投资主体", "业主单位", "建设单位", "项目单位", "投资方", "投资企业"),
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "town_name": ("所属乡镇", "乡镇(街道)", "乡镇街道", "乡镇", "属地", "所在乡镇", "所属镇街"),
    "team": ("专班", "责任专班", "招商专班", "牵头专班"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业分类代码"),
    "total_investment": ("总投资", "计划总投资", "协议投资", "协议总投资", "总投资额"),
    "fixed_investment": ("固定资产投资", "固投", "计划固定资产投资"),
    "land_mu": ("用地面积", "用地", "供地面积", "土地面积", "用地规模"),
}
IGNORED = ("序号", "备注", "联系人", "联系电话", "项目进展", "存在问题", "形象进度")
STAGE_WORDS = {"sign": ("签约",), "land": ("供地", "拿地", "土地出让", "摘牌"),
               "start": ("开工",), "complete": ("竣工", "完工"), "production": ("投产",),
               "capacity": ("达产",)}
_TOTAL = re.compile(r"^(合计|小计|总计|累计)")
_YEAR = re.compile(r"(20\d\d)")
_MONTH = re.compile(r"(?:20\d\d)?[年\-./]?(\d{1,2})月|(?:20\d\d)[\-./](\d{1,2})(?!\d)")
_YI = re.compile(r"^\s*([-+]?[\d,.]+)\s*亿元?\s*$")
_YM = re.compile(r"^\s*(20\d\d)\s*[年.\-/]\s*(\d{1,2})\s*月?\s*$")
_UNIT = re.compile(r"[(（]([^)）]*)[)）]")


@dataclass
class LedgerResult:
    portfolio: Portfolio
    problems: pd.DataFrame  # sheet, row, column, value, reason
    rows_read: int
    rows_taken: int
    columns: dict[str, str] = field(default_factory=dict)  # header → what it was taken as


def _norm(text: object) -> str:
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    s = s.replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", s)


def _grid(path: Path, sheet: str | int | None) -> tuple[str, list[list[str | None]]]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        name = sheet if sheet is not None else 0
        batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string",
                                  eager=True)
    except Exception as err:  # calamine's errors have no common class; the text says why
        raise DataError([Problem(f"无法读取台账：{err}", str(path))]) from None
    frame = batch.to_pandas()
    label = name if isinstance(name, str) else reader.sheet_names[name]
    rows = [[None if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return label, rows


def _header(rows: list[list[str | None]]) -> tuple[int, list[str]]:
    """(last header row index, combined header texts) — the row naming 项目名称, merged with
    the row below when that row holds sub-headers (计划/实际, months)."""
    for i, row in enumerate(rows[:15]):
        cells = [_norm(c) for c in row]
        if any(c.startswith("项目名称") for c in cells):
            upper, last = [], ""
            for c in cells:  # merged cells: the text sits in the first cell only
                last = c or last
                upper.append(c or last)
            if i + 1 < len(rows):
                lower = [_norm(c) for c in rows[i + 1]]
                if any(re.search(r"计划|实际|月|完成|到位", c) for c in lower) and not any(
                        c.startswith("项目名称") for c in lower):
                    heads = [f"{u}|{lo}" if lo else (c if c else "")
                             for u, lo, c in zip(upper, lower, cells, strict=True)]
                    return i + 1, heads
            return i, cells
    raise DataError("台账前 15 行中没有“项目名称”表头")


def _classify(head: str, config: ProjectsConfig) -> tuple[str, str, str]:
    """(kind, key, note) for one header: kind field/stage/plan/month/commitment/ignored/
    unknown; key e.g. 'total_investment', 'start:planned', '2025', '2025-03:invest'."""
    bare = _UNIT.sub("", head)
    unit = (_UNIT.search(head) or [None, ""])[1] or ""
    flat = bare.replace("|", "")
    if not flat:
        return "unknown", "", "空表头"
    if any(flat.startswith(w) for w in IGNORED):
        return "ignored", "", ""
    for ind in config.handover.indicators:
        if ind.label in flat and "承诺" in flat:
            return "commitment", ind.id, unit
    month = _MONTH.search(bare.split("|")[-1]) or _MONTH.search(flat)
    year = _YEAR.search(flat)
    if month and year and not re.search(r"开工|竣工|投产|签约|达产|供地", flat):
        kind = "funds" if re.search(r"到位|资金", flat) else "invest"
        return "month", f"{year[1]}-{int(month[1] or month[2]):02d}:{kind}", unit
    if year and re.search(r"计划", flat) and re.search(r"投资|计划$|年度计划", flat):
        return "plan", year[1], unit
    for stage in config.stages:
        words = (stage.label, *STAGE_WORDS.get(stage.id, ()))
        if any(w in flat for w in words) and not re.search(r"投资|面积", flat):
            which = "planned" if "计划" in flat else "actual"
            note = "" if ("计划" in flat or "实际" in flat or stage.id == "sign") else \
                "未写明计划或实际，按实际日期导入"
            return "stage", f"{stage.id}:{which}", note
    for name, words in FIELDS.items():
        if any(flat == w or flat.startswith(w) for w in words):
            return "field", name, unit
    return "unknown", "", "未识别的列，未导入"


def _money(series: pd.Series, unit: str, what: str = "金额"
           ) -> tuple[pd.Series, list[tuple[int, str, str]]]:
    """万元 values; cells in 亿 converted; a header unit of 亿元 or 元 applied."""
    factor = {"亿元": 10000.0, "亿": 10000.0, "元": 1e-4}.get(unit, 1.0)
    text = series.astype("string")
    yi = text.str.extract(_YI)[0]
    plain = text.mask(yi.notna(), None)
    values, found = parse_numbers(plain, "万元")
    values = values * factor
    has_yi = yi.notna().to_numpy()
    values[has_yi] = pd.to_numeric(yi[has_yi].str.replace(",", ""), errors="coerce") * 10000
    out = [(p.row, p.value, "不是数字，未导入" if p.rule == "not_a_number" else
            "单元格内单位与表头不同，按表头单位") for p in found]
    neg = values < 0
    out += [(int(i), str(series[i]), f"{what}为负，未导入") for i in series.index[neg.to_numpy()]]
    values[neg] = np.nan
    return values, out


def _dates(series: pd.Series) -> tuple[pd.Series, list[tuple[int, str, str]]]:
    text = series.astype("string")
    ym = text.str.extract(_YM)
    full = text.mask(ym[0].notna(), None)
    values, found = parse_dates(full)
    out = [(p.row, p.value, "不是日期，未导入") for p in found]
    for i in series.index[ym[0].notna().to_numpy()]:
        y, m = int(str(ym.at[i, 0])), int(str(ym.at[i, 1]))
        if 1 <= m <= 12:
            values[i] = pd.Timestamp(y, m, 1).date()
            out.append((int(i), str(series[i]), "只有年月，按当月 1 日导入"))
        else:
            out.append((int(i), str(series[i]), "月份不对，未导入"))
    return values, out


def read_ledger(path: str | Path, config: ProjectsConfig, county_code: str = "",
                sheet: str | int | None = None) -> LedgerResult:
    """The ledger at `path` as a Portfolio, with every row, column and cell not taken."""
    path = Path(path)
    label, rows = _grid(path, sheet)
    last_header, heads = _header(rows)
    problems: list[dict[str, object]] = []

    def report(row: int | None, column: str, value: object, reason: str) -> None:
        problems.append({"sheet": label, "row": row, "column": column,
                         "value": "" if value is None else str(value), "reason": reason})

    kinds = [_classify(h, config) for h in heads]
    taken: dict[str, str] = {}
    for h, (kind, key, note) in zip(heads, kinds, strict=True):
        if (kind == "unknown" and h) or (kind == "stage" and note):
            report(None, h, "", note)
        if kind not in ("unknown", "ignored"):
            taken[h] = f"{kind}:{key}"
    body = pd.DataFrame(rows[last_header + 1:], columns=range(len(heads)))
    body.index = pd.RangeIndex(last_header + 2, last_header + 2 + len(body))  # Excel rows
    col: dict[str, int] = {}
    for j, (kind, key, _) in enumerate(kinds):
        if kind == "field" and key in col:
            report(None, heads[j], "", f"与第 {col[key] + 1} 列同为{heads[col[key]]}，未导入")
        elif kind == "field":
            col[key] = j
    if "name" not in col:
        raise DataError([Problem("台账没有“项目名称”列", str(path))])
    names = body[col["name"]].astype("string").str.strip()
    blank = body.isna().all(axis=1).to_numpy()
    first_text = body.bfill(axis=1).iloc[:, 0].astype("string").fillna("")
    total = (names.fillna("").str.match(_TOTAL) | first_text.str.match(_TOTAL)).to_numpy()
    for i in body.index[total & ~blank]:
        report(int(i), "", first_text[i], "合计行，未导入")
    nameless = names.isna().to_numpy() & ~blank & ~total
    for i in body.index[nameless]:
        report(int(i), heads[col["name"]], "", "没有项目名称，整行未导入")
    keep = ~blank & ~total & ~nameless
    data = body[keep]
    ids = (data[col["project_id"]].astype("string") if "project_id" in col
           else pd.Series(pd.NA, index=data.index, dtype="string"))
    ids = ids.fillna(pd.Series([f"R{i}" for i in data.index], index=data.index))
    dup = ids.duplicated()
    for i in data.index[dup.to_numpy()]:
        report(int(i), heads[col.get("project_id", col["name"])], ids[i],
               "项目编号重复，整行未导入")
    data, ids = data[~dup.to_numpy()], ids[~dup.to_numpy()]
    projects = pd.DataFrame({"project_id": ids.to_numpy(), "county_code": county_code})
    for name in ("name", "investor", "uscc", "town_name", "team", "industry_code"):
        projects[name] = (data[col[name]].astype("string").str.strip().to_numpy()
                          if name in col else None)
    projects["town_code"] = ""
    projects["origin"] = None
    for name in ("total_investment", "fixed_investment", "land_mu"):
        if name in col:
            j = col[name]
            unit = kinds[j][2] if name != "land_mu" else ""
            values, bad = _money(data[j], unit, "面积" if name == "land_mu" else "金额")
            projects[name] = values.to_numpy()
            for row, value, reason in bad:
                report(row, heads[j], value, reason)
        else:
            projects[name] = np.nan
    stages: list[dict[str, object]] = []
    plans: list[dict[str, object]] = []
    commitments: list[dict[str, object]] = []
    monthly: dict[tuple[str, str], dict[str, float]] = {}
    by_row = dict(zip(data.index, ids, strict=True))
    for j, (kind, key, unit) in enumerate(kinds):
        if kind == "stage":
            values, bad = _dates(data[j])
            stage, which = key.split(":")
            for r, v in values.items():
                if v is not None:
                    stages.append({"project_id": by_row[r], "stage": stage, which: v})
        elif kind in ("plan", "month", "commitment"):
            values, bad = _money(data[j], unit) if kind != "commitment" else _plain(data[j])
            for r, v in values.items():
                if v != v:
                    continue
                pid = str(by_row[r])
                if kind == "plan":
                    plans.append({"project_id": pid, "year": int(key), "plan": v})
                elif kind == "commitment":
                    commitments.append({"project_id": pid, "indicator": key, "value": v})
                else:
                    month, what = key.split(":")
                    slot = monthly.setdefault((pid, month), {"invest": 0.0, "funds": 0.0})
                    slot[what] += v
        else:
            continue
        for row, value, reason in bad:
            report(row, heads[j], value, reason)
    stage_rows = (pd.DataFrame(stages).groupby(["project_id", "stage"], as_index=False)
                  .first() if stages else pd.DataFrame(columns=["project_id", "stage"]))
    for c in ("planned", "actual"):
        if c not in stage_rows.columns:
            stage_rows[c] = None
    portfolio = Portfolio(
        projects, stage_rows[["project_id", "stage", "planned", "actual"]],
        pd.DataFrame(plans, columns=["project_id", "year", "plan"]),
        pd.DataFrame([{"project_id": k[0], "month": k[1], **v} for k, v in monthly.items()],
                     columns=["project_id", "month", "invest", "funds"]),
        pd.DataFrame(commitments, columns=["project_id", "indicator", "value"]),
    ).normalised()
    table = pd.DataFrame(problems, columns=["sheet", "row", "column", "value", "reason"])
    table["row"] = table["row"].astype("Int64")
    return LedgerResult(portfolio, table, int((~blank).sum()), len(projects), taken)


def _plain(series: pd.Series) -> tuple[pd.Series, list[tuple[int, str, str]]]:
    values, found = parse_numbers(series.astype("string"))
    return values, [(p.row, p.value, "不是数字，未导入") for p in found
                    if p.rule == "not_a_number"]
