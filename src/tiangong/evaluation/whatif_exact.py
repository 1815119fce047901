"""The what-if search's questions answered exactly: "with this value, which class?"

Two ways, with identical answers (`tests/test_whatif_fast.py`): `reference_trial` re-runs the
whole evaluation of the stored inputs with the firm's value changed (seconds per question, kept
as the reference); `what_ifs` asks `whatif_session.WhatIfSession`s, which recompute only the
rows the change reaches and the firm's group and partition with the plan's own statements, on
the inputs that can move the firm's class (`relevant_subset`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tiangong.evaluation.arrow_sql import reading, select_rows
from tiangong.evaluation.scheme.loader import LoadedScheme
from tiangong.evaluation.whatif import Trial, WhatIf, search_what_if
from tiangong.evaluation.whatif_kept import KeptSessions, Once
from tiangong.evaluation.whatif_session import ROW_FIELDS, Outcome, WhatIfSession


def _with_value(inputs: dict[str, pa.Table], uscc: str, year: int, variable: str,
                value: float) -> dict[str, pa.Table]:
    ent = inputs["enterprises"]
    mask = pc.and_(pc.equal(ent["uscc"], uscc), pc.equal(ent["year"], year))
    col = ent[variable]
    new = pc.if_else(mask, pa.scalar(value, col.type), col)
    out = dict(inputs)
    out["enterprises"] = ent.set_column(ent.schema.get_field_index(variable), variable, new)
    return out


def relevant_subset(inputs: dict[str, pa.Table], year: int, row: dict[str, Any],
                    results: pa.Table) -> dict[str, pa.Table]:
    """The inputs that can move this firm's class: in the evaluated year, the firms of its
    group (its benchmarks and imputed means) and of its ranking partition, and their tenancy
    partners; every row of other years. A change of the firm's own value cannot reach any
    other firm (group membership depends on each firm's own values), so the firm's class is
    the same on these as on all inputs, at a fraction of the work (at province scale, one
    group of one size class instead of the region). Returns `inputs` itself when the subset
    is all of it. Not trusted: whoever uses it checks that the firm's stored result is
    reproduced on it (`relevant_inputs`, `what_ifs`).
    """
    ten = inputs.get("tenancies")
    partners = ten is not None and ten.num_rows > 0
    # the firm's group and partition from the results, their tenancy partners from the
    # year's tenancies; in DuckDB, not Arrow compute (`arrow_sql`: no pandas import)
    keep = ('SELECT uscc AS u FROM results WHERE "group" = $group OR "partition" = $part'
            " UNION SELECT $uscc")
    touched = ("SELECT landlord_uscc::VARCHAR AS l, tenant_uscc::VARCHAR AS t FROM tenancies"
               " WHERE year = $year AND (landlord_uscc IN (SELECT u FROM keep)"
               " OR tenant_uscc IN (SELECT u FROM keep))")
    codes = (f"WITH keep AS ({keep}), touched AS ({touched}) SELECT DISTINCT u FROM (SELECT u"
             " FROM keep UNION ALL SELECT l FROM touched UNION ALL SELECT t FROM touched)"
             " WHERE u IS NOT NULL" if partners else
             f"SELECT DISTINCT u FROM ({keep}) WHERE u IS NOT NULL")
    params = {"group": row["group"], "part": row.get("partition"), "uscc": row["uscc"]}
    with reading(results=results, **inputs) as con:
        con.execute(f"CREATE TEMP TABLE codes AS {codes}",
                    params | ({"year": year} if partners else {}))
        subset = {}
        for name in inputs:
            mine = ("landlord_uscc IN (SELECT u FROM codes) OR tenant_uscc IN (SELECT u FROM"
                    " codes)" if name == "tenancies" else "uscc IN (SELECT u FROM codes)")
            subset[name] = con.sql(f"SELECT * FROM {name} WHERE year <> $year OR {mine}",
                                   params={"year": year}).to_arrow_table()
    if subset["enterprises"].num_rows == inputs["enterprises"].num_rows:
        return inputs
    return subset


def relevant_inputs(loaded: LoadedScheme, inputs: dict[str, pa.Table], year: int,
                    row: dict[str, Any], results: pa.Table,
                    evaluate_fn: Callable[..., Any]) -> dict[str, pa.Table]:
    """`relevant_subset`, checked by a full evaluation: re-evaluated unchanged, the subset must
    give this firm's stored result exactly; otherwise (a scheme whose benchmarks reach across
    groups) all inputs are used. The reference path of the what-if (`reference_trial`)."""
    subset = relevant_subset(inputs, year, row, results)
    if subset is inputs:
        return inputs
    ev = evaluate_fn(loaded, subset, year, keep_inputs=False, check_inputs=False,
                     fingerprint=False)
    mine_now = ev.results.filter(pc.equal(ev.results["uscc"], row["uscc"])).to_pylist()
    return subset if len(mine_now) == 1 and same_result(mine_now[0], row) else inputs


def same_result(now: dict[str, Any], stored: dict[str, Any]) -> bool:
    fields = ("group", "class", "rank", "partition_size", "special_class")
    return (all(now.get(f) == stored.get(f) for f in fields)
            and _same_number(now.get("score"), stored.get("score")))


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def reference_trial(loaded: LoadedScheme, inputs: dict[str, pa.Table], year: int,
                    row: dict[str, Any], variable: str, evaluate_fn: Callable[..., Any],
                    all_inputs: dict[str, pa.Table] | None = None) -> Trial:
    """The exact answer by a whole evaluation per question: slow, kept as the reference the
    fast path (`what_ifs`) is tested against. `inputs` may be `relevant_inputs`; then
    `all_inputs` are the whole inputs, used for a value that moves the firm into another group
    (whose firms the subset may lack)."""
    uscc = row["uscc"]

    def trial(value: float, target: str) -> Outcome:
        ev = evaluate_fn(loaded, _with_value(inputs, uscc, year, variable, value), year,
                         keep_inputs=False, check_inputs=False, fingerprint=False)
        res = ev.results.filter(pc.equal(ev.results["uscc"], uscc)).to_pylist()
        if (all_inputs is not None and all_inputs is not inputs and res
                and res[0]["group"] not in (None, row["group"])):
            ev = evaluate_fn(loaded, _with_value(all_inputs, uscc, year, variable, value), year,
                             keep_inputs=False, check_inputs=False, fingerprint=False)
            res = ev.results.filter(pc.equal(ev.results["uscc"], uscc)).to_pylist()
        if not res:
            return Outcome(None, None)
        return Outcome({f: res[0].get(f) for f in ROW_FIELDS}, _floor(ev.results, res[0], target))

    return trial


def current_value(inputs: dict[str, pa.Table], year: int, uscc: str, variable: str) -> Any:
    rows = select_rows(f'SELECT "{variable}" AS v FROM enterprises WHERE uscc = ? AND year = ?'
                       " LIMIT 1", [uscc, year], enterprises=inputs["enterprises"])
    return rows[0]["v"] if rows else None


def _floor(results: pa.Table, mine: dict[str, Any], target: str) -> float | None:
    """The lowest score of class `target` in the firm's partition, the firm itself left out."""
    if mine.get("partition") is None:
        return None
    low = select_rows('SELECT min(score) AS low FROM results WHERE "partition" = ? AND'
                      " class = ? AND uscc <> ?", [mine["partition"], target, mine["uscc"]],
                      results=results)[0]["low"]
    return None if low is None else float(low)


VARIABLES = ("eval_tax", "land_area")


def what_ifs(loaded: LoadedScheme, inputs: dict[str, pa.Table], year: int, row: dict[str, Any],
             results: pa.Table, variables: tuple[str, ...] = VARIABLES) -> list[WhatIf]:
    """The what-if of each variable for the firm of the stored result `row`, exact and fast:
    the same search as with `reference_trial`, each question answered by a `WhatIfSession`
    (the plan's own statements, only the changed rows recomputed) on `relevant_subset`, checked
    to reproduce the stored result first (else on all inputs), and on all inputs for a value
    that moves the firm into another group."""
    return what_ifs_of_firms(loaded, inputs, year, [row], results, variables)[0]


def what_ifs_of_firms(loaded: LoadedScheme, inputs: dict[str, pa.Table], year: int,
                      rows: list[dict[str, Any]], results: pa.Table,
                      variables: tuple[str, ...] = VARIABLES,
                      kept: KeptSessions | None = None) -> list[list[WhatIf]]:
    """`what_ifs` of several firms (the stored result rows `rows`), in their order.

    Firms of one group and partition have the same relevant inputs, so they share sessions:
    loaded, planned and checked once, each firm's search then costs only its own questions
    (each firm's values are put back after its search). The variables are searched at the
    same time, each in its own sessions and thread: their searches share nothing (each starts
    from the stored values), and DuckDB works without holding the GIL, so on two cores the
    second search costs little wall time. With `kept`, the sessions on relevant inputs are
    taken from it where it has them and given back to it afterwards (`whatif_kept`)."""
    order = [c.code for c in loaded.scheme.classification.classes]
    batches: dict[Any, list[int]] = {}
    for i, row in enumerate(rows):
        key = (row["group"], row.get("partition")) if row.get("group") else ("", i)
        batches.setdefault(key, []).append(i)
    out: list[list[WhatIf]] = [[] for _ in rows]
    for idxs in batches.values():
        batch = [rows[i] for i in idxs]
        first = batch[0]

        def relevant(first: dict[str, Any] = first) -> dict[str, pa.Table]:
            return relevant_subset(inputs, year, first, results) if first.get("group") \
                else inputs

        subset = Once(relevant)
        # the stored floor of the better class guides each search; the session then need not
        # compute the floor after each trial (the search only interpolates with it)
        floors = [_floor(results, r, order[order.index(r["class"]) - 1])
                  if r.get("class") in order and order.index(r["class"]) > 0 else None
                  for r in batch]

        def one(variable: str, batch: list[dict[str, Any]] = batch,
                subset: Once[dict[str, pa.Table]] = subset,
                floors: list[float | None] = floors) -> list[WhatIf]:
            return _search_in_sessions(loaded, inputs, subset, year, batch, variable, floors,
                                       threads=1 if len(variables) > 1 else None, kept=kept)

        if len(variables) <= 1:
            found = [one(v) for v in variables]
        else:
            with ThreadPoolExecutor(max_workers=len(variables)) as pool:
                found = list(pool.map(one, variables))
        for j, i in enumerate(idxs):
            out[i] = [per_variable[j] for per_variable in found]
    return out


def _search_in_sessions(loaded: LoadedScheme, inputs: dict[str, pa.Table],
                        subset: Once[dict[str, pa.Table]], year: int,
                        rows: list[dict[str, Any]], variable: str, floors: list[float | None],
                        *, threads: int | None,
                        kept: KeptSessions | None = None) -> list[WhatIf]:
    """`search_what_if` of one variable for each firm of `rows` (one group and partition), its
    questions asked of sessions of its own: on the subset when it reproduces the stored result
    of every one of them, else (and for a trial that changes a firm's group) on all inputs.
    The session asked first (on the subset, or on all inputs where they are the relevant ones)
    is taken from `kept` when it has one, and given back to it when every search succeeded,
    restored to the stored values."""
    opened: dict[str, WhatIfSession] = {}
    now = {"uscc": rows[0]["uscc"]}
    key = (rows[0].get("group"), rows[0].get("partition"), variable)

    def whole() -> WhatIfSession:
        if "whole" not in opened:
            opened["whole"] = WhatIfSession(loaded, inputs, year, now["uscc"], threads=threads)
        return opened["whole"]

    def main() -> WhatIfSession:
        if "main" not in opened:
            # kept only for firms in a group (the others: one batch each, nothing to share)
            part = kept.take(key) if kept is not None and rows[0].get("group") else None
            if part is not None:
                part.focus(now["uscc"])
            elif subset() is inputs:
                opened["main"] = whole()
                return opened["main"]
            else:
                part = WhatIfSession(loaded, subset(), year, now["uscc"], threads=threads)
            got = part.outcomes([r["uscc"] for r in rows])
            if all(got.get(r["uscc"]) is not None and same_result(got[r["uscc"]], r)
                   for r in rows):
                opened["main"] = part
            else:  # benchmarks that reach across groups: the subset is not enough
                part.close()
                opened["main"] = whole()
        return opened["main"]

    def sessions() -> list[WhatIfSession]:
        return list({id(s): s for s in opened.values()}.values())

    answers: list[WhatIf] = []
    restore: tuple[str, Any] | None = None  # the last firm's stored value, to put back
    try:
        for k, (row, floor) in enumerate(zip(rows, floors, strict=True)):
            uscc = now["uscc"] = row["uscc"]
            for s in sessions():
                s.focus(uscc)

            def trial(value: float, target: str, uscc: str = uscc, row: dict[str, Any] = row,
                      floor: float | None = floor) -> Outcome:
                s = main()
                s.set_value(uscc, variable, value)
                got = s.outcome(uscc, target, floor=floor is None)
                if s is not opened.get("whole") and got.row is not None \
                        and got.row["group"] not in (None, row["group"]):
                    w = whole()
                    w.set_value(uscc, variable, value)
                    got = w.outcome(uscc, target, floor=floor is None)
                return got

            def probe(value: float, uscc: str = uscc) -> float | None:
                return main().score_probe(uscc, variable, value)

            current = current_value(inputs, year, uscc, variable)
            restore = (uscc, current)
            answers.append(search_what_if(loaded, row, variable, current, trial,
                                          floor=floor, probe=probe))
            if k + 1 < len(rows):  # the next firm's questions start from stored values;
                # the group statistics are recomputed by the next trial's set_value, which
                # always refreshes them from every row (a probe before it only guesses, and
                # the trials confirm)
                for s in sessions():
                    s.set_value(uscc, variable, current, refresh=False)
        used = opened.get("main")
        if kept is not None and used is not None and rows[0].get("group"):
            if restore is not None:  # kept as opened: stored values, statistics from them
                used.set_value(restore[0], variable, restore[1])
            for name in [n for n, s in opened.items() if s is used]:  # not closed below
                del opened[name]
            kept.give(key, used)
    finally:
        for s in sessions():
            s.close()
    return answers
