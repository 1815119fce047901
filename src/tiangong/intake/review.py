"""The review loop: uncertain and unlinked records go to an analyst, decisions come back.

Intake writes `review_<year>.xlsx`: one row per record it could not link for sure (待确认: a
proposal below the confidence bar, or a valid code whose name disagrees) or at all (未匹配),
with up to three candidate firms of the register (name, code, town) and three empty decision
columns: 确认候选 (1, 2 or 3), 改为统一社会信用代码 (another firm of the register), 不是本地企业
(no firm here: the record stays out, and is not matched again). `apply_review` (the command
`tiangong review`) reads the filled workbook, checks every decision (an unknown or invalid
code, two decisions in one row, a candidate that is not there are reported with file, row and
column, and left pending, never guessed) and stores the valid ones in the crosswalk
(`tiangong.identity.crosswalk`), keyed by what the record carries, with who and when. Intake
reads the crosswalk first, so a re-run links the decided records this year, by method
`crosswalk`, and next year's files reuse them.

The 说明 sheet records the year, the canonical folder (whose enterprises.parquet is the register
the codes are checked against) and the crosswalk file, so the workbook can be filled anywhere.
"""

from __future__ import annotations

import getpass
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.identity.crosswalk import add_decisions, decision_keys, load_crosswalk, save_crosswalk
from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
from tiangong.intake.candidates import CANDIDATES, candidates

if TYPE_CHECKING:
    from tiangong.intake.loaded import LoadedFile

SHEET, INFO_SHEET = "待审核", "说明"
SOURCE_LABELS = {"tax": "税收", "electricity": "用电", "land": "用地", "statistics": "统计",
                 "environment": "环境", "events": "事件", "tenancy": "租赁",
                 "tenancy_tenant": "租赁", "registry": "名录"}
ROLE_LABELS = {"tenancy": "出租方", "tenancy_tenant": "承租方"}
METHOD_LABELS = {"uscc": "统一代码", "org_code": "组织机构代码", "name_exact": "名称一致",
                 "probabilistic": "名称相似", "none": "", "crosswalk": "对照表"}
FLAG_LABELS = {"code_name_mismatch": "代码有效，但名称与该代码的企业不符"}
ACCEPT = "决定：确认候选(填1、2或3)"
OTHER = "决定：改为统一社会信用代码"
REJECT = "决定：不是本地企业(填“是”)"
DECIDED_BY = "审核人"
KEY = "记录键(勿改)"
COLUMNS: list[tuple[str, str, int]] = [  # internal name, header, width
    ("id", "序号", 6), ("file", "文件", 24), ("sheet", "工作表", 10), ("row", "行号", 7),
    ("source_label", "数据来源", 9), ("role", "角色", 7), ("name_written", "原始名称", 30),
    ("code_written", "原始代码", 22), ("status", "状态", 8), ("method", "匹配方式", 11),
    ("confidence", "置信度", 8), ("flag", "提示", 24),
    *[(f"cand{i}_{p}", f"候选{i}{h}", w) for i in range(1, CANDIDATES + 1)
      for p, h, w in (("name", "名称", 30), ("uscc", "代码", 21), ("town", "乡镇", 10))],
    ("accept", ACCEPT, 14), ("other_uscc", OTHER, 22), ("reject", REJECT, 14),
    ("decided_by", DECIDED_BY, 10), ("note", "备注", 20), ("key", KEY, 30)]
DECISION_COLUMNS = ("accept", "other_uscc", "reject", "decided_by", "note")
YES = {"是", "√", "✓", "Y", "YES", "1", "X", "不是本地企业", "非本地企业"}
NO = {"否", "N", "NO", "0"}
FIXED_TIME = datetime(2000, 1, 1)  # workbook creation time: same inputs, same bytes


def _rows_of(f: LoadedFile, rows: pd.Index, status: str) -> pd.DataFrame:
    frame = f.intake.frame
    name = frame["name"] if "name" in frame else pd.Series(None, index=frame.index)
    code = frame["uscc"] if "uscc" in frame else pd.Series(None, index=frame.index)
    return pd.DataFrame({
        "file": f.path.name, "sheet": f.intake.raw.sheet or "", "row": rows.astype(int),
        "source": f.source, "name_written": name[rows].astype("string").fillna("").to_numpy(),
        "code_written": code[rows].astype("string").to_numpy(), "proposed_uscc": None,
        "method": "none", "confidence": 0.0, "flag": None, "status": status})


def review_table(review: pd.DataFrame, files: list[LoadedFile],
                 roster: pd.DataFrame) -> pd.DataFrame:
    """The rows of the review sheet: awaiting review and not linked, with candidates.

    files: the linked (non-registry) files and tenant views; roster: uscc, name[, town_name].
    """
    parts = [review.assign(status="待确认")] if not review.empty else []
    for f in files:
        rows = f.status.index[(f.status == "not linked").to_numpy()]
        if len(rows):
            parts.append(_rows_of(f, rows, "未匹配"))
    cols = [c for c, _, _ in COLUMNS]
    if not parts:
        return pd.DataFrame(columns=cols)
    table = pd.concat(parts, ignore_index=True)
    table = table.assign(name=table["name_written"], uscc=table["code_written"])
    table["key"] = decision_keys(table)
    table = table[table["key"].notna()]
    table = table.assign(_role=table["source"].eq("tenancy_tenant").astype(int)).sort_values(
        ["file", "row", "_role"], kind="stable").reset_index(drop=True)
    table["id"] = np.arange(1, len(table) + 1)
    table["source_label"] = table["source"].map(SOURCE_LABELS).fillna(table["source"])
    table["role"] = table["source"].map(ROLE_LABELS).fillna("")
    table["method"] = table["method"].map(METHOD_LABELS).fillna(table["method"])
    table["flag"] = table["flag"].map(FLAG_LABELS).fillna(table["flag"])
    table["confidence"] = table["confidence"].astype(float).round(3)
    picks = candidates(table["name_written"], table["proposed_uscc"], roster)
    firms = roster.reset_index(drop=True)
    town = firms["town_name"] if "town_name" in firms else pd.Series(None, index=firms.index)
    for i in range(CANDIDATES):
        at = [p[i] if len(p) > i else None for p in picks]
        for part, values in (("name", firms["name"]), ("uscc", firms["uscc"]), ("town", town)):
            table[f"cand{i + 1}_{part}"] = pd.Series(
                [None if a is None else values.iat[a] for a in at], index=table.index,
                dtype=object)
    for c in DECISION_COLUMNS:
        table[c] = None
    return table[cols]


def write_review_workbook(table: pd.DataFrame, path: Path, year: int, canonical_dir: Path,
                          crosswalk_path: Path | None) -> Path:
    """The review workbook: 待审核 (one row per record, decision columns highlighted, kept as
    text so an 18-character code is not turned into a number) and 说明 (how to fill it, and
    where the register and the crosswalk are)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED_TIME, "title": f"{year}年度待审核记录"})
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    decide_head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1,
                                 "bg_color": "#FFF2CC"})
    decide = wb.add_format({"num_format": "@", "bg_color": "#FFF2CC"})
    ws = wb.add_worksheet(SHEET)
    n = len(table)
    for c, (name, header, width) in enumerate(COLUMNS):
        is_decision = name in DECISION_COLUMNS
        ws.write_string(0, c, header, decide_head if is_decision else head)
        ws.set_column(c, c, width, decide if is_decision else None)
        for r, v in enumerate(table[name].tolist(), start=1):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                continue
            if isinstance(v, (int, float, np.integer, np.floating)):
                ws.write_number(r, c, float(v))
            else:
                ws.write_string(r, c, str(v))
    names = [c for c, _, _ in COLUMNS]
    if n:
        a, j = names.index("accept"), names.index("reject")
        ws.data_validation(1, a, n, a, {"validate": "list", "source": ["1", "2", "3"]})
        ws.data_validation(1, j, n, j, {"validate": "list", "source": ["是"]})
    ws.set_row(0, 45)
    ws.freeze_panes(1, 8)
    ws.autofilter(0, 0, max(n, 1), len(COLUMNS) - 1)
    info = wb.add_worksheet(INFO_SHEET)
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 100)
    lines = [("项目", "内容"), ("数据年度", str(year)),
             ("规范表目录", str(canonical_dir)),
             ("对照表文件", str(crosswalk_path) if crosswalk_path else ""),
             ("待审核记录", str(n)), ("", ""),
             ("填写说明", "每行最多填一个决定：确认候选(填 1、2 或 3)，或改为统一社会信用代码"
                        "(填名录中该企业的代码)，或不是本地企业(填“是”)。"),
             ("", "未填的行保持待审核，下次导入仍会列出；填错的行会被指出(文件、行、列)，"
                  "同样保持待审核。"),
             ("", "填好后运行：tiangong review 本文件。决定记入对照表(含审核人、时间)，重新运行 "
                  "tiangong intake 后本年度生效，以后年度自动沿用。"),
             ("", "审核人列可填姓名；未填时记为运行命令的用户。请勿修改“记录键”列。")]
    for r, (a_, b_) in enumerate(lines):
        info.write_string(r, 0, a_, head if r == 0 else None)
        info.write_string(r, 1, b_, head if r == 0 else None)
    wb.close()
    return path


@dataclass
class ReviewOutcome:
    """What `apply_review` stored, what stays pending, and what was wrong."""

    path: Path
    crosswalk_path: Path
    stored: pd.DataFrame  # row, key, uscc, decision, decided_by
    pending: list[int] = field(default_factory=list)  # workbook rows without a decision
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        d = self.stored["decision"] if not self.stored.empty else pd.Series(dtype=object)
        return {"accepted": int((d == "link").sum()), "rejected": int((d == "reject").sum()),
                "pending": len(self.pending), "invalid": len(self.problems)}


def _grid(path: Path, sheet: str) -> list[list[str | None]]:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    if sheet not in reader.sheet_names:
        raise DataError([Problem(f"no sheet {sheet!r}; sheets: {', '.join(reader.sheet_names)}",
                                 str(path))], "not a review workbook written by tiangong intake")
    batch = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string", eager=True)
    df = batch.to_pandas().astype(object)
    return [[None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
             else str(v) for v in row] for row in df.values.tolist()]


def _clean(v: object) -> str:
    """A cell as trimmed NFKC text; "" for empty cells (None, NaN)."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip()


def read_review(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The 待审核 sheet (internal column names, plus `xl_row`: the row number in Excel) and the
    说明 sheet's items."""
    p = Path(path)
    if not p.is_file():
        raise DataError([Problem("review workbook not found", str(p))])
    grid = _grid(p, SHEET)
    header = [_clean(h) for h in (grid[0] if grid else [])]
    wanted = {_clean(h): name for name, h, _ in COLUMNS}
    missing = [h for h in (ACCEPT, OTHER, REJECT, KEY) if _clean(h) not in header]
    if missing:
        raise DataError([Problem(f"column {h!r} not found; headers: {', '.join(header)}",
                                 str(p), 1, h) for h in missing],
                        "not a review workbook written by tiangong intake")
    at = {wanted[h]: i for i, h in enumerate(header) if h in wanted}
    rows = [{name: (r[i] if i < len(r) else None) for name, i in at.items()} | {"xl_row": n}
            for n, r in enumerate(grid[1:], start=2) if any(v is not None for v in r)]
    info = {_clean(r[0]): _clean(r[1]) for r in _grid(p, INFO_SHEET) if len(r) > 1 and r[0]} \
        if INFO_SHEET in _sheet_names(p) else {}
    return pd.DataFrame(rows, columns=[*at, "xl_row"]), info


def _sheet_names(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


def register_codes(canonical_dir: Path) -> set[str]:
    """Codes of the register an intake wrote (its enterprises, and tenants merged away)."""
    ent = canonical_dir / "enterprises.parquet"
    if not ent.is_file():
        raise DataError([Problem("the register (enterprises.parquet of the intake) is needed "
                                 "to check the codes; give the intake's output folder with "
                                 "--canonical", str(ent))])
    codes = set(pd.read_parquet(ent, columns=["uscc"])["uscc"].dropna().astype(str))
    merged = canonical_dir / "merged_tenants.csv"
    if merged.is_file():
        codes |= set(pd.read_csv(merged, dtype=str, encoding="utf-8-sig")["承租方统一社会信用代码"])
    return codes


def _decide(row: pd.Series, register: set[str], path: Path) -> tuple[str, str | None, Problem
                                                                     | None]:
    """(decision, uscc, problem) for one row; decision "" when pending or invalid."""
    accept, other = _clean(row.get("accept")), _clean(row.get("other_uscc"))
    reject = _clean(row.get("reject")).upper()
    reject = "" if reject in NO else reject
    filled = [h for h, v in ((ACCEPT, accept), (OTHER, other), (REJECT, reject)) if v]
    line = int(row["xl_row"])

    def bad(msg: str, column: str) -> tuple[str, None, Problem]:
        return "", None, Problem(msg, str(path), line, column)

    if not filled:
        return "", None, None
    if len(filled) > 1:
        return bad("more than one decision in the row (" + " / ".join(filled) + "); fill one",
                   filled[0])
    if not _clean(row.get("key")):
        return bad("the record key is empty; the row cannot be stored", KEY)
    if reject:
        if reject not in YES:
            return bad(f"{reject!r} is not a yes (是); leave empty or write 是", REJECT)
        return "reject", None, None
    if accept:
        number = accept.upper().removesuffix(".0")
        number = "1" if number in YES - {"X"} else number
        if number not in {str(i) for i in range(1, CANDIDATES + 1)}:
            return bad(f"{accept!r} is not a candidate number (1, 2 or 3)", ACCEPT)
        code = _clean(row.get(f"cand{number}_uscc"))
        if not code:
            return bad(f"there is no candidate {number} in this row", ACCEPT)
        return "link", code, None
    code = normalize_uscc(other)
    if not is_valid_uscc(code):
        return bad(f"{other!r} is not a valid unified social credit code (check character)",
                   OTHER)
    if code not in register:
        return bad(f"unknown USCC {code}: not in the register (名录) of this intake", OTHER)
    return "link", code, None


def apply_review(path: str | Path, crosswalk: str | Path | None = None,
                 canonical: str | Path | None = None, decided_by: str | None = None,
                 decided_at: str | None = None) -> ReviewOutcome:
    """Check the decisions of a filled review workbook and store the valid ones in the
    crosswalk (default: the file named in its 说明 sheet). Invalid rows are returned as
    problems and stay pending; rows without a decision stay pending."""
    p = Path(path)
    table, info = read_review(p)
    cw_path = Path(crosswalk) if crosswalk else Path(info.get("对照表文件") or
                                                     p.parent.parent / "crosswalk.parquet")
    canonical_dir = Path(canonical) if canonical else Path(info.get("规范表目录") or p.parent)
    register = register_codes(canonical_dir)
    who = decided_by or _user()
    decided, problems, pending = [], [], []
    for _, row in table.iterrows():
        decision, uscc, problem = _decide(row, register, p)
        if problem is not None:
            problems.append(problem)
        elif not decision:
            pending.append(int(row["xl_row"]))
        else:
            decided.append({"row": int(row["xl_row"]), "key": _clean(row.get("key")),
                            "uscc": uscc, "decision": decision,
                            "decided_by": _clean(row.get("decided_by")) or who})
    stored = pd.DataFrame(decided, columns=["row", "key", "uscc", "decision", "decided_by"])
    signature = stored["decision"].astype(str) + "|" + stored["uscc"].fillna("").astype(str)
    conflict = signature.groupby(stored["key"]).transform("nunique") > 1
    for line in stored.loc[conflict, "row"].tolist():
        problems.append(Problem("another row decides the same record differently; neither "
                                "is stored", str(p), int(line), KEY))
    stored = stored[~conflict].reset_index(drop=True)
    if not stored.empty:
        cw = add_decisions(load_crosswalk(cw_path), stored["key"], stored["uscc"],
                           stored["decision"], stored["decided_by"], decided_at,
                           p.name + ":" + stored["row"].astype(str))
        save_crosswalk(cw, cw_path)
    problems.sort(key=lambda q: (q.line or 0, q.field))
    return ReviewOutcome(p, cw_path, stored, pending, problems)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
