"""KPI formulas against counts made by hand on seven requests (see each request's comment)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from services_calendar import notice_calendar

from tiangong.errors import DataError
from tiangong.services.calendar import CalendarMissing
from tiangong.services.kpi import KPIS, formulas, kpi_report, request_facts
from tiangong.services.tables import EVENTS, REQUESTS

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat

# (id, received, lead, town, category, due)
REQ = [
    ("R1", "2026-03-02 09:00", "税务局", "东城", "tax", "2026-03-11"),
    ("R2", "2026-03-03 09:00", "经信局", "东城", "tax", "2026-03-12"),
    ("R3", "2026-03-04 09:00", "经信局", "西城", "policy", "2026-03-13"),
    ("R4", "2026-03-05 09:00", "经信局", "西城", "policy", "2026-03-16"),
    ("R5", "2026-03-20 09:00", "税务局", "东城", "tax", "2026-03-30"),
    ("R6", "2026-02-26 09:00", "税务局", "东城", "tax", "2026-03-09"),
    ("R7", "2026-03-30 09:00", None, "东城", "tax", None),
]
# (id, time, action, to_state, closure_code, rating)
EV = [
    # R1: closed 3-05 solved, rated satisfied → green from rating; 3 WD to close; on time
    ("R1", "2026-03-02 09:00", "file", "received", None, None),
    ("R1", "2026-03-02 10:00", "route", "assigned", None, None),
    ("R1", "2026-03-03 10:00", "accept", "handling", None, None),
    ("R1", "2026-03-05 10:00", "close", "closed", "solved", None),
    ("R1", "2026-03-06 10:00", "rate", "rated", None, "satisfied"),
    # R2: rerouted once; closed 3-16 (after due 3-12) explained, no rating → yellow from code;
    # 9 WD to close (3-04…3-06, 3-09…3-13, 3-16)
    ("R2", "2026-03-03 09:00", "file", "received", None, None),
    ("R2", "2026-03-03 10:00", "route", "assigned", None, None),
    ("R2", "2026-03-04 10:00", "reroute", "assigned", None, None),
    ("R2", "2026-03-16 10:00", "close", "closed", "explained", None),
    # R3: closed 3-10, 不满意, reopened 3-11, closed again 3-13 (= due), rated 基本满意 3-16
    # → closed, yellow from rating, 7 WD to close, reopened once
    ("R3", "2026-03-04 09:00", "file", "received", None, None),
    ("R3", "2026-03-04 10:00", "route", "assigned", None, None),
    ("R3", "2026-03-10 10:00", "close", "closed", "solved", None),
    ("R3", "2026-03-11 09:00", "rate", "rated", None, "dissatisfied"),
    ("R3", "2026-03-11 10:00", "reopen", "handling", None, None),
    ("R3", "2026-03-13 10:00", "close", "closed", "solved", None),
    ("R3", "2026-03-16 10:00", "rate", "rated", None, "basic"),
    # R4: still being handled on 3-31, due 3-16 → overdue, open
    ("R4", "2026-03-05 09:00", "file", "received", None, None),
    ("R4", "2026-03-05 10:00", "route", "assigned", None, None),
    ("R4", "2026-03-06 10:00", "accept", "handling", None, None),
    # R5: waiting for the enterprise since 3-25; stored due 3-30 passed but paused → not overdue
    ("R5", "2026-03-20 09:00", "file", "received", None, None),
    ("R5", "2026-03-20 10:00", "route", "assigned", None, None),
    ("R5", "2026-03-25 10:00", "pause", "paused_enterprise", None, None),
    # R6: received in February, closed 3-02, 不满意 3-03, reopened 3-03 → open again, overdue
    ("R6", "2026-02-26 09:00", "file", "received", None, None),
    ("R6", "2026-02-26 10:00", "route", "assigned", None, None),
    ("R6", "2026-03-02 10:00", "close", "closed", "solved", None),
    ("R6", "2026-03-03 09:00", "rate", "rated", None, "dissatisfied"),
    ("R6", "2026-03-03 10:00", "reopen", "handling", None, None),
    # R7: filed 3-30, not routed yet
    ("R7", "2026-03-30 09:00", "file", "received", None, None),
    # an event after the report date is not counted
    ("R4", "2026-04-02 10:00", "close", "closed", "solved", None),
]


def tables() -> tuple[pa.Table, pa.Table]:
    n = len(REQ)
    req = pa.table({
        "request_id": [r[0] for r in REQ], "received_at": [T(r[1]) for r in REQ],
        "channel": ["form"] * n, "external_id": [None] * n, "uscc": [None] * n,
        "enterprise_name": ["某公司"] * n, "link_method": ["uscc"] * n,
        "needs_confirmation": [False] * n, "town": [r[3] for r in REQ],
        "industry_chain": [None] * n, "enterprise_class": [None] * n,
        "category": [r[4] for r in REQ], "text": ["…"] * n, "lead_department": [r[2] for r in REQ],
        "assigned_on": [None] * n, "due_on": [D(r[5]) if r[5] else None for r in REQ],
        "state": ["handling"] * n}, schema=REQUESTS)
    seq: dict[str, int] = {}
    rows = []
    for rid, at, action, to, code, rating in EV:
        seq[rid] = seq.get(rid, 0) + 1
        rows.append((rid, seq[rid], T(at), action, None, to, None, None, code, rating, None, ""))
    ev = pa.Table.from_pylist([dict(zip(EVENTS.names, r, strict=True)) for r in rows],
                              schema=EVENTS)
    return req, ev


def value(report, kpi, group="全部", period="2026-03"):
    row = report[(report.kpi == kpi) & (report.group == group) & (report.period == period)]
    assert len(row) == 1, (kpi, group, period)
    r = row.iloc[0]
    return r.numerator, r.denominator, r.value


def test_kpis_by_hand():
    req, ev = tables()
    rep = kpi_report(req, ev, notice_calendar(), D("2026-03-31"), by="department")
    assert value(rep, "closed_of_received") == (3, 6, 0.5)  # R1 R2 R3 of R1–R5, R7
    assert value(rep, "closed_of_received", period="2026-02") == (0, 1, 0.0)  # R6 reopened
    assert value(rep, "closed_of_received", "税务局") == (1, 2, 0.5)  # R1 of R1, R5
    assert value(rep, "closed_of_received", "经信局") == (2, 3, pytest.approx(2 / 3))
    assert value(rep, "closed_of_due") == (3, 6, 0.5)  # due in March: R1–R6
    assert value(rep, "green_rate") == (1, 3, pytest.approx(1 / 3))  # R1 of R1 R2 R3
    assert value(rep, "overdue_rate") == (3, 6, 0.5)  # R2 late, R4 R6 open; R5 paused
    assert value(rep, "median_days")[2] == 7.0  # 3, 9, 7
    assert value(rep, "reopen_rate") == (1, 3, pytest.approx(1 / 3))  # R3
    assert value(rep, "first_time_right") == (4, 5, 0.8)  # R2 rerouted; R7 not routed
    assert value(rep, "first_time_right", period="2026-02") == (1, 1, 1.0)
    assert value(rep, "satisfaction") == (2, 3, pytest.approx(2 / 3))  # R1, R3 of R1 R3 R6
    assert set(rep.formula) == {k.formula for k in KPIS}
    assert "办结率（到期口径）" in formulas()


def test_colour_source_and_other_groupings():
    req, ev = tables()
    facts = request_facts(req, ev, notice_calendar(), D("2026-03-31")).set_index("request_id")
    assert facts.loc["R1", ["colour", "colour_source"]].tolist() == ["green", "rating"]
    assert facts.loc["R2", ["colour", "colour_source"]].tolist() == ["yellow", "closure_code"]
    assert facts.loc["R3", ["colour", "colour_source"]].tolist() == ["yellow", "rating"]
    by_town = kpi_report(req, ev, notice_calendar(), D("2026-03-31"), by="town")
    assert value(by_town, "closed_of_received", "西城") == (1, 2, 0.5)  # R3 of R3 R4
    q = kpi_report(req, ev, notice_calendar(), D("2026-03-31"), by="category", period="quarter")
    # R1 R2 of R1 R2 R5 R6 R7
    assert value(q, "closed_of_received", "tax", "2026-Q1") == (2, 5, 0.4)
    # on 4-02 R4's closure counts: closed after its due date → still overdue, now closed
    later = kpi_report(req, ev, notice_calendar(), D("2026-04-02"))
    assert value(later, "closed_of_received") == (4, 6, pytest.approx(4 / 6))


def test_bad_tables_and_missing_years():
    req, ev = tables()
    with pytest.raises(DataError, match="due_on"):
        kpi_report(req.drop_columns(["due_on"]), ev, notice_calendar(), D("2026-03-31"))
    late = req.set_column(1, "received_at", pa.array([T("2027-01-04 09:00")] * len(REQ),
                                                     pa.timestamp("s")))
    with pytest.raises(CalendarMissing, match="2027"):
        kpi_report(late, ev, notice_calendar(), D("2027-01-31"))
