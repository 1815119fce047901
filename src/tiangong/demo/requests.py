"""A county's (or a province's) year of enterprise requests with their event logs, for the
demo, tests and the benchmark.

The mix follows what the research found: 天台 closed 1,836 requests in a year with 61 units
on line (the county scale), Zhejiang pooled 140,200 problems in 2025 (the province scale);
channels are the app, the form, 12345, visits and 好差评; most requests are answered well inside
the limit, a few are overdue, paused for the enterprise, extended, objected to and rerouted, or
rated 不满意 and reopened once. Deadlines are working days on the calendar given (the real 调休),
so the stored due date of every request is what `services.clock.read_clock` computes from its
events (a test checks that). Everything is vectorised over numpy arrays from one seeded
generator: the same arguments give the same tables, and 140,000 requests take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from tiangong.demo.request_texts import TEXTS
from tiangong.services.calendar import CalendarMissing, TableCalendar
from tiangong.services.config import ServiceConfig
from tiangong.services.routing import Rule, propose
from tiangong.services.tables import EVENTS, REQUESTS

SCALES = {"county": 1836, "province": 140_000}
CATEGORY_SHARE = {"policy": 20, "tax": 10, "permit": 12, "power": 10, "infra": 8, "labour": 8,
                  "finance": 7, "environment": 7, "safety": 5, "market": 5, "pest": 3,
                  "land": 3, "complex": 2}
CHANNEL_SHARE = {"api": 30, "form": 35, "hotline": 20, "visit": 10, "haochaping": 5}
CLOSURE_SHARE = {"solved": 80, "explained": 12, "not_solvable": 5, "unreachable": 2,
                 "not_ours": 1}
# (action, to_state or "" for "stays"), in the order steps happen within one day
STEPS: tuple[tuple[str, str], ...] = (
    ("file", "received"), ("route", "assigned"), ("object", "objected"),
    ("settle_keep", "assigned"), ("settle_reroute", "assigned"), ("reroute", "assigned"),
    ("accept", "handling"), ("partner_assign", ""), ("note", ""), ("pause", "paused_enterprise"),
    ("pause_switch", "paused_inspection"), ("resume", "handling"), ("extension_ask", ""),
    ("extension_approve", ""), ("partner_answer", ""), ("remind", ""), ("escalate", ""),
    ("answer", ""), ("close", "closed"), ("rate", "rated"), ("reopen", "handling"),
    ("answer", ""), ("close", "closed"), ("rate", "rated"),
)


def _choice(rng: np.random.Generator, shares: dict[str, int], n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def generate_requests(enterprises: pd.DataFrame, config: ServiceConfig, rules: list[Rule],
                      cal: TableCalendar, scale: str | int = "county", seed: int = 0,
                      year: int = 2025) -> tuple[pa.Table, pa.Table]:
    """(requests, events) received in `year`, as of its last day.

    enterprises: uscc, name, town_name, industry_code and optionally class (A–D). The calendar
    must cover `year` and the next one (deadlines run past New Year).
    """
    n = SCALES[scale] if isinstance(scale, str) else int(scale)
    rng = np.random.default_rng(seed)
    work = np.array([np.datetime64(d, "D") for d in cal.workdays()])
    as_of = np.datetime64(f"{year}-12-31", "D")
    firms = enterprises.drop_duplicates("uscc").reset_index(drop=True)
    f = rng.integers(0, len(firms), n)
    # received: any day of the year, working days four times as likely (12345 runs all week)
    days = np.arange(np.datetime64(f"{year}-01-01"), as_of + 1)
    is_work = np.isin(days, work)
    p = np.where(is_work, 4.0, 1.0)
    recv = np.sort(days[rng.choice(days.size, n, p=p / p.sum())])
    k0 = np.searchsorted(work, recv, side="right")  # working days ≤ received
    category = _choice(rng, CATEGORY_SHARE, n)
    channel = _choice(rng, CHANNEL_SHARE, n)
    limit = np.array([config.category(c).limits.close_days for c in category])
    cls = firms["class"].to_numpy(object)[f] if "class" in firms else np.full(n, None, object)
    town = firms["town_name"].to_numpy(object)[f]
    chain = np.array([config.chain_of(c) for c in firms["industry_code"].astype(str)],
                     dtype=object)[f]
    cache: dict[tuple[object, ...], tuple[str, tuple[str, ...]]] = {}
    lead = np.empty(n, dtype=object)
    partners = np.empty(n, dtype=object)
    for i in range(n):
        key = (category[i], town[i], chain[i], cls[i])
        if key not in cache:
            prop = propose(rules, str(category[i]), town[i], chain[i], cls[i])
            assert prop is not None, key
            cache[key] = (prop.lead, prop.partners)
        lead[i], partners[i] = cache[key]
    departments = sorted({v[0] for v in cache.values()})

    # routing, objections, rerouting (index into `work` of the day each happens)
    delay = rng.choice(5, n, p=[0.55, 0.3, 0.1, 0.04, 0.01])
    r = k0 - is_work[(recv - days[0]).astype(int)] + delay  # delay 0: the day received
    objected = rng.random(n) < 0.04
    o = r + (rng.random(n) < 0.5)
    settle_re = objected & (rng.random(n) < 0.7)
    rerouted = ~objected & (rng.random(n) < 0.02)
    rr = r + 1 + (rng.random(n) < 0.5)
    # a kept assignment keeps its deadline; a new department gets a fresh one
    a = np.where(settle_re, o, np.where(rerouted, rr, r))
    first_lead = lead.copy()
    moved = settle_re | rerouted
    other = rng.integers(0, len(departments) - 1, n)
    for k in np.flatnonzero(moved).tolist():
        choices = [d for d in departments if d != first_lead[k]]
        lead[k] = choices[other[k] % len(choices)]
    accept = np.where(objected, o, a) + (rng.random(n) < 0.3)

    # duration in working days after assignment; a few overdue
    base = np.maximum(1, np.ceil(limit * rng.beta(2.0, 3.5, n))).astype(int)
    late = rng.random(n) < 0.04
    dur = np.where(late, limit + rng.integers(1, 7, n), np.maximum(base, accept - a + 1))
    paused = rng.random(n) < 0.08
    extended = ~paused & (rng.random(n) < 0.05)
    plen = np.where(paused, rng.integers(1, 6, n), 0)
    pstart = a + np.maximum(0, (rng.random(n) * (np.minimum(dur, limit) - 1)).astype(int))
    pstart = np.maximum(pstart, accept)
    switch = paused & (plen >= 2) & (rng.random(n) < 0.2)
    due0 = a + limit  # stored at assignment
    ext_days = np.where(extended, rng.integers(3, 11, n), 0)
    ext_ask = due0 - 1 - rng.integers(0, 3, n)
    ext_ask = np.maximum(ext_ask, accept)
    dur = np.where(extended, limit + rng.integers(1, np.maximum(ext_days, 1) + 1), dur)
    due = due0 + plen + ext_days
    close = a + dur + plen
    # rating and one reopening
    code = _choice(rng, CLOSURE_SHARE, n)
    rated = rng.random(n) < 0.85
    rate = close + rng.integers(0, 4, n)
    overdue = close > due
    u = rng.random(n)
    rating = np.where(u < np.where(overdue, 0.6, 0.9), "satisfied",
                      np.where(u < np.where(overdue, 0.8, 0.97), "basic", "dissatisfied"))
    rating = np.where(code == "solved", rating,
                      np.where(u < 0.5, "basic", np.where(u < 0.85, "satisfied", "dissatisfied")))
    reopen = rated & (rating == "dissatisfied") & (rng.random(n) < 0.8)
    close2 = rate + rng.integers(2, 7, n)
    rated2 = reopen & (rng.random(n) < 0.9)
    rate2 = close2 + rng.integers(0, 3, n)
    u2 = rng.random(n)
    rating2 = np.where(u2 < 0.7, "satisfied", np.where(u2 < 0.9, "basic", "dissatisfied"))
    n_partners = np.array([len(p) for p in partners])
    part_due = np.minimum(a + 3, due0 - 1)

    steps: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]] = []

    def add(step: int, mask: np.ndarray, when: np.ndarray, dept: np.ndarray | str,
            role: str, **extra: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        d = np.full(n, dept, dtype=object) if isinstance(dept, str) else dept
        steps.append((step, idx, when[idx], d[idx],
                      {"role": np.full(idx.size, role, dtype=object),
                       **{k: v[idx] for k, v in extra.items()}}))

    yes = np.ones(n, dtype=bool)
    file_dept = np.where(channel == "visit", "直通办", "企业")
    add(0, yes, k0, file_dept, "enterprise")  # index k0 - 1 is ≤ received; fixed below
    add(1, yes, r, np.full(n, "直通办", object), "service_office", due_idx=r + limit)
    add(2, objected, o, first_lead, "department")
    add(3, objected & ~settle_re, o, np.full(n, "直通办", object), "service_office")
    add(4, settle_re, o, np.full(n, "直通办", object), "service_office", due_idx=due0)
    add(5, rerouted, rr, np.full(n, "直通办", object), "service_office", due_idx=due0)
    add(6, yes, accept, lead, "department")
    for j in range(2):
        has = n_partners > j
        pd_name = np.array([p[j] if len(p) > j else None for p in partners], dtype=object)
        add(7, has, accept, pd_name, "department")
        on_time = rng.random(n) < 0.9
        ans = np.where(on_time, np.minimum(accept + 1 + rng.integers(0, 3, n), part_due),
                       part_due + 1)
        add(14, has, np.minimum(ans, close), pd_name, "department")
    notes = rng.poisson(1.8, n)
    for j in range(4):
        when = a + (rng.random(n) * np.maximum(close - a, 1)).astype(int)
        add(8, notes > j, when, lead, "department")
    add(9, paused, pstart, lead, "department")
    add(10, switch, pstart + 1, lead, "department")
    add(11, paused, pstart + plen, lead, "department", due_idx=due0 + plen)
    add(12, extended, ext_ask, lead, "department")
    add(13, extended, ext_ask + 1, np.full(n, "直通办", object), "service_office",
        due_idx=due0 + ext_days)
    for k in (2, 1):
        add(15, close > due - k, due - k, np.full(n, "系统", object), "system")
    add(16, close > due + 1, due + 1, np.full(n, "系统", object), "system")
    add(17, yes, close, lead, "department")
    add(18, yes, close, lead, "department", closure_code=code)
    add(19, rated, rate, np.full(n, "企业", object), "enterprise", rating=rating)
    add(20, reopen, rate, np.full(n, "企业", object), "enterprise")
    add(21, reopen, close2, lead, "department")
    add(22, reopen, close2, lead, "department", closure_code=np.full(n, "solved", object))
    add(23, rated2, rate2, np.full(n, "企业", object), "enterprise", rating=rating2)
    stored = (due0 + np.where(paused & (pstart + plen < work.size) &
                              (work[np.minimum(pstart + plen, work.size - 1)] <= as_of), plen, 0)
              + np.where(extended & (work[np.minimum(ext_ask + 1, work.size - 1)] <= as_of),
                         ext_days, 0))
    return _tables(rng, steps, n, recv, work, as_of, year, firms, f, channel, category, town,
                   chain, cls, lead, a, stored, limit)


def _tables(rng: np.random.Generator, steps: list, n: int, recv: np.ndarray,
            work: np.ndarray, as_of: np.datetime64, year: int, firms: pd.DataFrame,
            f: np.ndarray, channel: np.ndarray, category: np.ndarray, town: np.ndarray,
            chain: np.ndarray, cls: np.ndarray, lead: np.ndarray, a: np.ndarray,
            due: np.ndarray, limit: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """Assemble, order and cut the events at the year's end; derive each request's state."""
    req = np.concatenate([s[1] for s in steps])
    step = np.concatenate([np.full(s[1].size, s[0]) for s in steps])
    idx = np.concatenate([s[2] for s in steps])
    dept = np.concatenate([s[3] for s in steps])
    extras = {k: np.concatenate([s[4].get(k, np.full(s[1].size, None, object)) for s in steps])
              for k in ("role", "closure_code", "rating", "due_idx")}
    needed = [int(idx.max()), int(due.max())] + [
        int(np.max(s[4]["due_idx"])) for s in steps if "due_idx" in s[4] and s[4]["due_idx"].size]
    if max(needed) >= work.size:
        raise CalendarMissing(int(str(work[-1])[:4]) + 1)
    day = np.where(step == 0, recv[req], work[np.minimum(idx, work.size - 1)])
    minutes = 8 * 60 + 30 + step * 20 + rng.integers(0, 20, step.size)
    at = day.astype("datetime64[m]") + minutes.astype("timedelta64[m]")
    keep = day <= as_of
    order = np.lexsort((step[keep], at[keep], req[keep]))
    ev = pd.DataFrame({"r": req[keep][order], "step": step[keep][order], "at": at[keep][order],
                       "department": dept[keep][order],
                       **{k: v[keep][order] for k, v in extras.items()}})
    ev["action"] = [STEPS[s][0] for s in ev["step"]]
    to = pd.Series([STEPS[s][1] or None for s in ev["step"]], dtype=object)
    ev["to_state"] = to.groupby(ev["r"].to_numpy()).ffill().to_numpy()
    ev["from_state"] = ev.groupby("r")["to_state"].shift(1)
    ev["seq"] = ev.groupby("r").cumcount().astype("int32") + 1
    ids = np.array([f"Q{year}{i + 1:06d}" for i in range(n)], dtype=object)
    ev["request_id"] = ids[ev["r"].to_numpy()]
    ev["note"] = np.where(ev["action"] == "note", "已电话联系企业了解情况", "")
    state = ev.groupby("r")["to_state"].last().reindex(range(n)).to_numpy()
    routed = np.zeros(n, dtype=bool)
    routed[ev.loc[ev["action"] == "route", "r"].to_numpy()] = True
    hh = rng.integers(8 * 60, 18 * 60, n).astype("timedelta64[m]")
    texts = np.array([TEXTS[c][int(i) % len(TEXTS[c])] for c, i in
                      zip(category, rng.integers(0, 100, n), strict=True)], dtype=object)
    assigned = work[np.minimum(a, work.size - 1)]
    requests = pa.table({
        "request_id": ids,
        "received_at": (recv.astype("datetime64[m]") + hh).astype("datetime64[s]"),
        "channel": channel, "external_id": np.full(n, None, object),
        "uscc": firms["uscc"].to_numpy(object)[f], "enterprise_name": firms["name"].to_numpy(
            object)[f], "link_method": np.full(n, "uscc", object),
        "needs_confirmation": np.zeros(n, dtype=bool), "town": town, "industry_chain": chain,
        "enterprise_class": cls, "category": category, "text": texts,
        "lead_department": np.where(routed, lead, np.full(n, None, object)),
        "assigned_on": pa.array(np.where(routed, assigned, np.datetime64("NaT")),
                                pa.date32()),
        "due_on": pa.array(np.where(routed, work[due], np.datetime64("NaT")), pa.date32()),
        "state": state}, schema=REQUESTS)
    ev["at"] = ev["at"].astype("datetime64[s]")
    due_idx = ev.pop("due_idx")
    has_due = due_idx.notna().to_numpy()
    ev["due_on"] = pd.Series(pd.NaT, index=ev.index, dtype="datetime64[s]")
    ev.loc[has_due, "due_on"] = work[due_idx[has_due].astype(int).to_numpy()].astype(
        "datetime64[s]")
    ev["due_on"] = ev["due_on"].dt.date
    events = pa.Table.from_pandas(ev[EVENTS.names], schema=EVENTS, preserve_index=False)
    return requests, events


def county_roster(seed: int = 0, year: int = 2025) -> pd.DataFrame:
    """The demo county's enterprises (uscc, name, town_name, industry_code, class) from the
    canonical generator, classes drawn 15/55/22/8 % for A/B/C/D as evaluations come out."""
    from tiangong.demo.generator import generate

    ent = generate("county", seed, year=year, years=1)["enterprises"].to_pandas()
    rng = np.random.default_rng(seed + 1)
    ent["class"] = np.array(["A", "B", "C", "D"])[rng.choice(4, len(ent),
                                                             p=[0.15, 0.55, 0.22, 0.08])]
    return ent[["uscc", "name", "town_name", "industry_code", "class"]]

