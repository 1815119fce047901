"""One firm's class under a changed value, recomputing only what the change can reach.

The what-if search (`whatif.search_what_if`) asks the same question a dozen times per variable:
with this firm's value set to x and everything else as stored, what is its class, its score,
and the lowest score of the better class in its partition? Answering with a whole `evaluate`
each time rebuilt the engine, reloaded the inputs, re-planned and recomputed every firm's row:
about 1 s per question on the demo county and 3 s at province scale.

A session answers from one DuckDB connection holding the inputs and the plan, and splits the
plan where its rows stop being independent:

- the row-level chain up to `classified` (derived variables, counts, group, special class,
  indicator values) computes each firm's row from its own inputs and, through the tenancy
  counts, its tenants' rows. It is materialised once; a question recomputes, with the same
  SQL, only the rows of the firm and its tenancy partners (a landlord's counts may read its
  tenant's values) and replaces them;
- everything after it (group statistics, benchmarks, clip bounds, mean item points, scores,
  ranks, quotas, stages, bounds, adjustments) depends on the whole group and partition: the
  aggregate steps are recomputed from the materialised rows, the others run inside the one
  query that reads the firm's result, as its common table expressions. Not as views: DuckDB
  binds a view's whole chain when the view is created, so creating the dozen views after
  `classified` one on another bound the chain a dozen times (0.1 s of a session's 0.25 s
  start at province scale); in one WITH each step is bound once, when it is asked.

So group means, min–max ranges, quota cut-offs and ranks move exactly as in a full
re-evaluation: the statements are the plan's own, run on the same rows, and every aggregate
the plan uses is independent of row order (exact decimal sums, total orders in every window).
`tests/test_whatif_fast.py` compares the answers with full re-evaluations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine, _aggregates
from tiangong.evaluation.evaluate import _load_inputs
from tiangong.evaluation.pipeline.classes import partition_key_sql, ranked_sql
from tiangong.evaluation.pipeline.plan import build_plan, result_columns
from tiangong.evaluation.pipeline.scores import needs_prior_year
from tiangong.evaluation.pipeline.sql import literal
from tiangong.evaluation.scheme.loader import LoadedScheme
from tiangong.evaluation.sources import InputSet

ROW_FIELDS = ("group", "class", "score", "partition", "rank", "partition_size",
              "special_class")


@dataclass
class Outcome:
    """The firm's result under a trial value and the lowest score of the target class among
    the other firms of its partition (None when there is none)."""

    row: dict[str, Any] | None  # None: the firm is not in the year's rows at all
    floor: float | None


class WhatIfSession:
    """The inputs of one stored run loaded once, the plan run once; `outcome` per trial, for
    the firm `uscc`: the ranking and class steps see only its partition (as it stands in the
    trial), since every window after `totals` partitions by it and nothing else reads across
    partitions."""

    def __init__(self, loaded: LoadedScheme, inputs: Mapping[str, pa.Table], year: int,
                 uscc: str, *, threads: int | None = None) -> None:
        scheme = loaded.scheme
        self.year = year
        self.engine = DuckDBEngine(threads=threads)
        self.con = self.engine.con
        years = [year - 1, year] if needs_prior_year(scheme) else [year]
        _load_inputs(self.engine, InputSet(tables=dict(inputs)), years, scheme)
        plan = build_plan(scheme, year)
        names = [n for n, _ in plan.steps]
        cut = names.index("classified")
        self._refresh: list[tuple[str, str]] = []
        later: list[tuple[str, str]] = []  # the steps after the cut, as WITH clauses
        for i, (name, sql) in enumerate(plan.steps):
            if name == "ranked":  # the firm's partition only: every later window is within it
                mine = partition_key_sql(scheme)
                self.con.execute(f"CREATE TABLE session_firm AS SELECT {literal(uscc)} AS uscc")
                later.append(("totals_mine", (
                    f"SELECT * FROM totals WHERE {mine} = (SELECT {mine} FROM totals WHERE uscc"
                    " = (SELECT uscc FROM session_firm))")))
                # the windows over the partition's own rows: half the planning per question
                sql = ranked_sql(scheme, join_back=False)
                assert sql.count("FROM totals t") == 1
                sql = sql.replace("FROM totals t", "FROM totals_mine t")
            elif name == "sorted":  # `final` computes row by row: the order is not needed
                sql = sql.removesuffix(" ORDER BY uscc")
            if i < cut:
                self.engine.create(name, sql)
            elif i == cut:  # the chain as a view under another name, its rows as the table
                self.engine.create("classified_chain", sql)
                self.con.execute("CREATE TABLE classified AS SELECT * FROM classified_chain")
            elif _aggregates(sql):  # a table, computed from the steps before it
                sql = _with(later) + sql
                self.con.execute(f"CREATE TABLE {name} AS {sql}")
                self._refresh.append((name, sql))
            else:
                later.append((name, sql))
        self._later = _with(later)
        cols = dict(result_columns(scheme))
        picked = ", ".join(f'{cols[f]} AS "{f}"' for f in ROW_FIELDS)
        self._result = f"{self._later}SELECT uscc, {picked} FROM final"
        self._value: dict[tuple[str, str], Any] = {}

    def close(self) -> None:
        self.engine.close()

    def focus(self, uscc: str) -> None:
        """The ranking and class steps see the partition of `uscc` from now on (a session
        serves several firms of one group and partition, `whatif_exact.what_ifs_of_firms`)."""
        self.con.execute("UPDATE session_firm SET uscc = ?", [uscc])

    def __enter__(self) -> WhatIfSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _partners(self, uscc: str) -> list[str]:
        """The firm and every firm it shares a tenancy with in the year."""
        rows = self.con.execute(
            "SELECT landlord_uscc, tenant_uscc FROM tenancies WHERE year = ? AND"
            " (landlord_uscc = ? OR tenant_uscc = ?)", [self.year, uscc, uscc]).fetchall()
        return sorted({uscc, *(u for pair in rows for u in pair if u is not None)})

    def set_value(self, uscc: str, variable: str, value: float | None, *,
                  refresh: bool = True) -> None:
        """This firm's `variable` in the year becomes `value`; every step reads it next.
        `refresh=False` leaves the group statistics as they were (`score_probe`): the next
        call with `refresh` recomputes them from all rows, so nothing stale survives it."""
        self.con.execute(f'UPDATE enterprises__input SET "{variable}" = ? WHERE uscc = ?'
                         " AND year = ?",
                         [value, uscc, self.year])
        changed = self._partners(uscc)
        marks = ", ".join("?" for _ in changed)
        self.con.execute(f"DELETE FROM classified WHERE uscc IN ({marks})", changed)
        self.con.execute("INSERT INTO classified SELECT * FROM classified_chain"
                         f" WHERE uscc IN ({marks})", changed)
        if not refresh:
            return
        for name, sql in self._refresh:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def score_probe(self, uscc: str, variable: str, value: float) -> float | None:
        """The firm's score with `variable` at `value` and the group statistics as they stand:
        its own row only, no ranking; a guess for the search (`whatif._guess`), which confirms
        any value it returns with `outcome`. None when the firm is in no group then."""
        self.set_value(uscc, variable, value, refresh=False)
        got = self.con.execute(f"{self._later}SELECT score FROM totals WHERE uscc = ?",
                               [uscc]).fetchone()
        return None if got is None or got[0] is None else float(got[0])

    def outcome(self, uscc: str, target: str | None, *, floor: bool = True) -> Outcome:
        """The firm's result row as it stands, and the target class's lowest other score
        (`floor=False`: not asked, about half the work — the firm's row alone lets DuckDB
        carry only the ranking columns through the partition's windows)."""
        if floor:
            sql = (f"WITH r AS MATERIALIZED ({self._result}) SELECT m.*, (SELECT MIN(o.score)"
                   ' FROM r o WHERE o."partition" = m."partition" AND o.class = ? AND'
                   " o.uscc <> m.uscc) AS floor FROM r m WHERE m.uscc = ?")
            cur = self.con.execute(sql, [target, uscc])
        else:
            cur = self.con.execute(f"SELECT *, NULL AS floor FROM ({self._result}) WHERE"
                                   " uscc = ?", [uscc])
        found = cur.fetchone()
        if found is None:
            return Outcome(None, None)
        row = dict(zip([d[0] for d in cur.description or []], found, strict=True))
        floor = row.pop("floor")
        row.pop("uscc")
        return Outcome(row, None if floor is None else float(floor))

    def outcomes(self, usccs: list[str]) -> dict[str, dict[str, Any]]:
        """The result rows of several firms of the focused firm's partition, as they stand."""
        marks = ", ".join("?" for _ in usccs)
        cur = self.con.execute(f"{self._result} WHERE uscc IN ({marks})", usccs)
        names = [d[0] for d in cur.description or []]
        out = {}
        for found in cur.fetchall():
            row = dict(zip(names, found, strict=True))
            out[str(row.pop("uscc"))] = row
        return out

    def current(self, uscc: str, variable: str) -> Any:
        got = self.con.execute(f'SELECT "{variable}" FROM enterprises WHERE uscc = ? AND'
                               " year = ?", [uscc, self.year]).fetchone()
        return None if got is None else got[0]


def _with(steps: list[tuple[str, str]]) -> str:
    """`steps` as the WITH clause of a query (empty for none)."""
    if not steps:
        return ""
    return "WITH " + ", ".join(f"{name} AS NOT MATERIALIZED ({sql})" for name, sql in steps) + " "


__all__ = ["ROW_FIELDS", "Outcome", "WhatIfSession"]
