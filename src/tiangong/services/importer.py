"""Import 12345 hotline and 好差评 exports into the request pool, reporting every row not taken.

Hotline systems export what they hold as xlsx or CSV, with a title line above the header, a
合计 line at the end, dates written three ways and firms named as the caller said them. The
file is read with the intake's sheet reader (title, blank, total and footnote rows set aside
with their row numbers; GBK or UTF-8 detected), then each row is taken or rejected with a reason
the 直通办 can act on: no ticket number, a ticket already imported, an unreadable date, no text,
a firm not in the roster. Firms are linked by USCC when the code is valid and in the roster;
otherwise by name through `tiangong.identity.linking` (exact name, then Splink), and such links
are flagged for confirmation, because a wrong firm would send an answer to the wrong company.
A 好差评 row becomes a request only when the rating is poor (差评 must be handled); a good
rating is reported as skipped, not lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from tiangong.errors import DataError, Problem
from tiangong.identity.linking import link
from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
from tiangong.intake.columns import FileOptions
from tiangong.intake.headers import normalize_header, split_unit
from tiangong.intake.readers import read_table
from tiangong.services.calendar import CalendarMissing, WorkdayCalendar
from tiangong.services.clock import close_due
from tiangong.services.config import ServiceConfig
from tiangong.services.outcome import closure_code, rating_code
from tiangong.services.tables import EVENTS, REQUESTS

HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("工单编号", "工单号", "受理编号", "诉求编号", "评价编号", "评价单号",
                    "办件编号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间", "诉求时间", "评价时间",
                    "提交时间"),
    "enterprise_name": ("企业名称", "单位名称", "诉求企业", "诉求对象", "评价人", "申请人名称",
                        "反映单位"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "企业代码"),
    "town": ("所属乡镇", "乡镇街道", "所属街道", "所属区域", "乡镇(街道)", "属地"),
    "category": ("诉求类型", "问题分类", "工单类型", "事项类别", "诉求分类", "业务类型"),
    "text": ("诉求内容", "问题描述", "工单内容", "来电内容", "差评内容", "评价内容", "反映内容"),
    "item": ("事项名称", "办理事项"),
    "lead_department": ("承办单位", "处理单位", "主办单位", "办理部门", "部门名称", "责任单位"),
    "closed_at": ("办结时间", "结案时间", "完成时间"),
    "result": ("办理结果", "处理结果", "办结情况", "办结结果"),
    "rating": ("满意度", "回访结果", "评价结果", "评价等级", "企业评价"),
}
_ALL = {normalize_header(s): name for name, syns in HEADERS.items() for s in syns}
HAOCHAPING_MARKS = {"评价编号", "评价单号", "评价等级", "差评内容"}

# Category words in hotline exports → category codes (first match in the text wins).
CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("白蚁", "pest"), ("卫生", "pest"), ("税", "tax"), ("发票", "tax"), ("电", "power"),
    ("能耗", "power"), ("用能", "power"), ("审批", "permit"), ("许可", "permit"),
    ("证照", "permit"), ("环评", "environment"), ("环保", "environment"),
    ("排污", "environment"), ("用地", "land"), ("规划", "land"), ("土地", "land"),
    ("道路", "infra"), ("管网", "infra"), ("排水", "infra"), ("交通", "infra"),
    ("招工", "labour"), ("用工", "labour"), ("人才", "labour"), ("社保", "labour"),
    ("融资", "finance"), ("贷款", "finance"), ("信贷", "finance"), ("消防", "safety"),
    ("安全", "safety"), ("市场监管", "market"), ("登记", "market"), ("政策", "policy"),
    ("补助", "policy"), ("奖励", "policy"), ("咨询", "policy"),
)


@dataclass
class ImportResult:
    requests: pa.Table
    events: pa.Table
    rejected: pd.DataFrame  # row, external_id, reason, text
    warnings: pd.DataFrame  # row, external_id, message
    kind: str  # hotline | haochaping
    excluded: int  # title/blank/total/footnote rows set aside by the sheet reader


_DATE_RE = re.compile(r"^(\d{4})[年/.\-](\d{1,2})[月/.\-](\d{1,2})日?"
                      r"(?:[ T]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?分?)?$")


def parse_time(text: object) -> dt.datetime | None:
    """'2026-03-05 14:22', '2026/3/5', '2026年3月5日 14时22分', an Excel serial; None if empty;
    ValueError with the cell when none of these."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    m = _DATE_RE.match(s.replace("：", ":"))
    if m:
        y, mo, d, h, mi, se = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(y, mo, d, h, mi, se)
        except ValueError:
            raise ValueError(f"不存在的日期或时间“{s}”") from None
    try:
        serial = float(s)
    except ValueError:
        raise ValueError(f"无法识别的时间“{s}”") from None
    if 20000 < serial < 80000:  # Excel day number (1900 system)
        return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)
    raise ValueError(f"无法识别的时间“{s}”")


def category_of(text: str | None, config: ServiceConfig) -> str | None:
    """A category code from an export's category cell (a code, a name or a keyword)."""
    if not text:
        return None
    s = text.strip()
    for cat in config.categories.values():
        if s in (cat.code, cat.name):
            return cat.code
    for word, code in CATEGORY_WORDS:
        if word in s and code in config.categories:
            return code
    return None


def read_export(path: str | Path) -> tuple[pd.DataFrame, str, int]:
    """(rows with canonical column names and the file's row numbers as index, kind,
    number of non-data rows set aside)."""
    # The intake reader keeps every column; mapping our headers to None only makes them count
    # as known headers for finding the header row (a mapping to a name would need a source).
    table = read_table(path, options=FileOptions(columns={s: None for s in _ALL}))
    names: dict[str, str] = {}
    for h in table.headers:
        for part in [h, *reversed([p for p in h.split("|") if p])]:
            base = split_unit(part)[0]
            if base in _ALL and _ALL[base] not in names.values():
                names[h] = _ALL[base]
                break
    frame = table.frame[list(names)].rename(columns=names)
    kind = "haochaping" if {split_unit(h)[0] for h in table.headers} & HAOCHAPING_MARKS \
        else "hotline"
    missing = [c for c in ("external_id", "received_at") if c not in frame]
    if "text" not in frame and "enterprise_name" not in frame:
        missing.append("text")
    if missing:
        wanted = "；".join(f"{c}（{' / '.join(HEADERS[c][:3])}）" for c in missing)
        raise DataError([Problem(f"导出文件缺少必需的列：{wanted}；文件中的列：{table.headers}",
                                 str(path))], title="无法导入：")
    return frame, kind, len(table.excluded)


def _cell(row: Mapping[Any, Any], name: str) -> str | None:
    v = row.get(name)
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v).strip()
    return s or None


def import_export(path: str | Path, roster: pd.DataFrame, config: ServiceConfig,
                  cal: WorkdayCalendar, known_ids: Iterable[str] = ()) -> ImportResult:
    """Requests and events from one 12345 or 好差评 export.

    roster: the county's enterprises (uscc, name; town_name, industry_code and class used when
    present); cal: the working-day calendar (a routed row gets its stored deadline; a row in a
    year the calendar lacks is rejected with the calendar's message); known_ids: request ids
    already in the pool (re-importing a file takes nothing twice). Raises DataError only when
    the file itself is unreadable or lacks the ticket number or time columns; every other
    problem rejects or flags one row.
    """
    frame, kind, excluded = read_export(path)
    channel = kind
    rejected: list[tuple[int, str | None, str, str]] = []
    warnings: list[tuple[int, str | None, str]] = []
    known = set(known_ids)
    first_row: dict[str, int] = {}
    good: list[dict[str, object]] = []
    for rno, row in zip(frame.index.tolist(), frame.to_dict("records"), strict=True):
        ext = _cell(row, "external_id")
        shown = " ".join(str(v) for v in row.values()
                         if v is not None and not pd.isna(v) and str(v).strip())[:80]

        def reject(reason: str, ext: str | None = ext, shown: str = shown,
                   rno: int = rno) -> None:
            rejected.append((rno, ext, reason, shown))

        if ext is None:
            reject("缺少工单编号")
            continue
        rid = f"{channel}-{ext}"
        if ext in first_row:
            reject(f"工单编号 {ext} 重复（与第 {first_row[ext]} 行相同）")
            continue
        first_row[ext] = rno
        if rid in known:
            reject(f"工单 {ext} 已导入过")
            continue
        try:
            received = parse_time(_cell(row, "received_at"))
            closed = parse_time(_cell(row, "closed_at"))
            rating = rating_code(_cell(row, "rating"))
            code = closure_code(_cell(row, "result")) if kind == "hotline" else None
        except ValueError as err:
            reject(str(err))
            continue
        if received is None:
            reject("缺少受理时间")
            continue
        if closed is not None and closed < received:
            reject(f"办结时间 {closed:%Y-%m-%d %H:%M} 早于受理时间 {received:%Y-%m-%d %H:%M}")
            continue
        text = " ".join(t for t in (_cell(row, "item"), _cell(row, "text")) if t)
        if not text:
            reject("缺少诉求内容")
            continue
        if kind == "haochaping" and rating != "dissatisfied":
            reject("好差评为非差评，无需作为诉求办理（已跳过）")
            continue
        if _cell(row, "enterprise_name") is None and _cell(row, "uscc") is None:
            reject("缺少企业名称和统一社会信用代码，无法确定诉求企业")
            continue
        raw_cat = _cell(row, "category") or (text if kind == "haochaping" else None)
        category = category_of(raw_cat, config)
        if category is None:
            warnings.append((rno, ext, f"诉求类型“{raw_cat or ''}”无法识别，待直通办分类"))
        good.append({"row": rno, "request_id": rid, "external_id": ext, "received_at": received,
                     "closed_at": closed, "rating": rating, "closure_code": code, "text": text,
                     "category": category, "lead": _cell(row, "lead_department"),
                     "name": _cell(row, "enterprise_name") or "",
                     "code": _cell(row, "uscc") or "", "town": _cell(row, "town")})
    requests, events = _link_and_build(good, roster, channel, rejected, warnings, config,
                                       cal)
    rej = pd.DataFrame(rejected, columns=["row", "external_id", "reason", "text"])
    warn = pd.DataFrame(warnings, columns=["row", "external_id", "message"])
    return ImportResult(requests, events, rej.sort_values("row", kind="stable")
                        .reset_index(drop=True), warn.sort_values("row", kind="stable")
                        .reset_index(drop=True), kind, excluded)


def _link_and_build(good: list[dict[str, object]], roster: pd.DataFrame, channel: str,
                    rejected: list[tuple[int, str | None, str, str]],
                    warnings: list[tuple[int, str | None, str]], config: ServiceConfig,
                    cal: WorkdayCalendar) -> tuple[pa.Table, pa.Table]:
    """Link the taken rows to the roster and turn them into request and event rows."""
    if not good:
        return REQUESTS.empty_table(), EVENTS.empty_table()
    recs = pd.DataFrame({"record_id": [g["request_id"] for g in good],
                         "name": [g["name"] for g in good], "uscc": [g["code"] for g in good]})
    links = {r["record_id"]: r for r in link(recs, roster[["uscc", "name"]]).to_dict("records")}
    firm_rows = roster.drop_duplicates("uscc", keep="last").assign(
        uscc=lambda f: f["uscc"].map(normalize_uscc))
    firms = {r["uscc"]: r for r in firm_rows.to_dict("records")}
    req_rows: list[dict[str, object]] = []
    ev_rows: list[dict[str, object]] = []
    for g in good:
        rid, rno, ext = str(g["request_id"]), int(g["row"]), str(g["external_id"])  # type: ignore[call-overload]
        hit = links[rid]
        if hit["method"] == "none" or pd.isna(hit["uscc"]):
            rejected.append((rno, ext, f"企业不在名录中：{g['name'] or ''} {g['code'] or ''}"
                             "（请先在企业名录中登记该企业，再重新导入）", str(g["text"])[:80]))
            continue
        code = str(g["code"])
        if code and not is_valid_uscc(normalize_uscc(code)):
            warnings.append((rno, ext, f"统一社会信用代码“{code}”校验不通过，已按企业名称匹配"))
        confirm = hit["method"] != "uscc" or not pd.isna(hit["flag"])
        firm = firms[str(hit["uscc"])]
        received = g["received_at"]
        assert isinstance(received, dt.datetime)
        category, lead = g["category"], g["lead"]
        due = None
        if lead and category:
            try:
                due = close_due(cal, received.date(), config.category(str(category)).limits)
            except CalendarMissing as err:
                rejected.append((rno, ext, str(err), str(g["text"])[:80]))
                continue
        closed, rating = g["closed_at"], g["rating"]
        state = ("rated" if rating and closed else "closed" if closed else
                 "assigned" if lead else "received")
        town = g["town"] or _get(firm, "town_name")
        req_rows.append({
            "request_id": rid, "received_at": received, "channel": channel, "external_id": ext,
            "uscc": str(hit["uscc"]), "enterprise_name": _get(firm, "name") or g["name"],
            "link_method": str(hit["method"]), "needs_confirmation": bool(confirm),
            "town": town, "industry_chain": config.chain_of(_get(firm, "industry_code")),
            "enterprise_class": _get(firm, "class"), "category": category, "text": g["text"],
            "lead_department": lead, "assigned_on": received.date() if lead else None,
            "due_on": due, "state": state})
        steps: list[tuple[object, str, str, dict[str, object]]] = [
            (received, "file", "received", {})]
        if lead:
            steps.append((received, "route", "assigned", {"department": lead, "due_on": due}))
        if closed:
            steps.append((closed, "close", "closed", {"department": lead,
                                                      "closure_code": g["closure_code"]}))
            if rating:
                steps.append((closed, "rate", "rated", {"rating": rating}))
        previous = None
        for seq, (at, action, to, extra) in enumerate(steps, start=1):
            ev_rows.append({"request_id": rid, "seq": seq, "at": at, "action": action,
                            "from_state": previous, "to_state": to, "role": "import",
                            "note": f"导入自{'12345热线' if channel == 'hotline' else '好差评'}"
                                    f"工单 {ext}", **extra})
            previous = to
    return (pa.Table.from_pylist(req_rows, schema=REQUESTS),
            pa.Table.from_pylist(ev_rows, schema=EVENTS))


def _get(firm: Mapping[Any, Any], name: str) -> str | None:
    v = firm.get(name)
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
