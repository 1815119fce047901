"""Per-firm facts a replicate needs but the results table does not hold, from the run's inputs.

Two of the scheme's class rules read variables that the results do not carry: tiebreak keys such
as 评价税收 (淮安 breaks ties by `eval_tax`), and adjustment conditions that combine a firm's own
data with its replicate outcome (the template's `rd_share >= 0.05 and percentile <= 0.5`). Both
are computed here on embedded DuckDB with the pipeline's own SQL — `population.base_sql` over the
inputs the evaluation kept, and the scheme's compiled conditions — so a replicate orders ties and
fires conditions exactly as the pipeline would. Conditions that read `score`, `rank` or
`percentile` are evaluated for a block of replicates in one query (one row per replicate and
firm, joined to the fixed facts).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from tiangong.errors import Problem, TiangongError
from tiangong.evaluation.evaluate import Evaluation
from tiangong.evaluation.pipeline.population import base_sql
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.names import OUTCOME_NAMES, outcome_names

VARYING = {"score", "rank", "percentile"}  # outcomes that change between replicates


def _needs_base(scheme_names: set[str], variables: set[str], events: bool) -> bool:
    return events or bool(variables - scheme_names)


class Context:
    """A DuckDB database with the fixed facts of the eligible firms (`fx`, keyed by `_e`, the
    firm's index among the eligible rows of the results)."""

    def __init__(self, ev: Evaluation, df: pd.DataFrame, eligible: np.ndarray,
                 varying: list[int]) -> None:
        scheme = ev.scheme.scheme
        self.scheme = scheme
        names = outcome_names(scheme)
        known = {*scheme.indicators, *OUTCOME_NAMES}
        cls = scheme.classification
        needs = [f"tiebreak key '{t.by}'" for t in cls.tiebreak if t.by not in known]
        self.conditions = []
        for a in varying:
            c = compile_expression(cls.adjustments[a].when, names)
            self.conditions.append(f"COALESCE({c.sql}, FALSE)")
            if _needs_base(known, c.variables, bool(c.events)):
                needs.append(f"adjustment {a + 1} ('{cls.adjustments[a].when}')")
        has_inputs = "enterprises" in ev.inputs
        if needs and not has_inputs:
            raise TiangongError([Problem(
                f"{what} reads enterprise data that the results do not hold; evaluate with "
                "keep_inputs=True (the default) so class_stability can read the inputs",
                scheme.id, field="classification") for what in needs],
                title="class_stability cannot order or adjust replicates")
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET threads = 1")  # callers run replicate blocks in parallel
        values = [f"value_{i}" for i in scheme.indicators]
        res = pa.Table.from_pandas(
            df.loc[eligible, ["uscc", "partition_size", *values]].reset_index(drop=True)
            .assign(_e=np.arange(int(eligible.sum()))), preserve_index=False)
        self.con.register("res_arrow", res)
        if needs:
            for table in ("enterprises", "events", "tenancies"):
                self.con.register(table, ev.inputs[table])
            self.con.execute(f"CREATE TABLE base AS {base_sql(scheme, ev.year)}")
            self.con.execute("CREATE TABLE fx AS SELECT r.*, b.* EXCLUDE (uscc) FROM res_arrow r"
                             " LEFT JOIN base b ON b.uscc = r.uscc")
        else:
            self.con.execute("CREATE TABLE fx AS SELECT * FROM res_arrow")
        self.con.unregister("res_arrow")
        keys = [f"{names[t.by]} {t.order.upper()} NULLS LAST" for t in cls.tiebreak]
        order = ", ".join([*keys, "uscc ASC"])
        got = self.con.sql(f"SELECT _e FROM fx ORDER BY {order}").fetchnumpy()["_e"]
        self.tiebreak = np.empty(len(got), dtype=np.int64)
        self.tiebreak[np.asarray(got)] = np.arange(len(got))

    def set_layout(self, layout: np.ndarray) -> None:
        """Key the facts by layout position (`_i`) as well: layout[i] = eligible index."""
        pos = pa.table({"_e": pa.array(layout, pa.int64()),
                        "_i": pa.array(np.arange(len(layout)), pa.int64())})
        self.con.register("layout_arrow", pos)
        self.con.execute("CREATE OR REPLACE TABLE fx AS SELECT f.*, l._i FROM fx f"
                         " JOIN layout_arrow l ON l._e = f._e")
        self.con.unregister("layout_arrow")

    def fire(self, score: np.ndarray, rank: np.ndarray) -> list[np.ndarray]:
        """For each varying adjustment, (r, n) whether its condition holds for replicate scores
        and ranks (r, n, layout order)."""
        r, n = score.shape
        if not self.conditions:
            return []
        chunk = pa.table({
            "_k": pa.array(np.arange(r * n, dtype=np.int64)),
            "_i": pa.array(np.tile(np.arange(n, dtype=np.int64), r)),
            "score": pa.array(score.ravel()),
            "rank_pos": pa.array(rank.ravel().astype(np.int64)),
        })
        cur = self.con.cursor()
        try:
            cur.register("chunk", chunk)
            conds = ", ".join(f"{c} AS a{k}" for k, c in enumerate(self.conditions))
            got = cur.sql(
                f"SELECT _k, {conds} FROM (SELECT c._k, c.score, c.rank_pos, f.*,"
                " CAST(c.rank_pos AS DOUBLE) / NULLIF(f.partition_size, 0) AS percentile"
                " FROM chunk c JOIN fx f ON f._i = c._i)").fetchnumpy()
        finally:
            cur.close()
        at = np.asarray(got["_k"])
        out = []
        for k in range(len(self.conditions)):
            flags = np.zeros(r * n, dtype=bool)
            flags[at] = np.asarray(got[f"a{k}"], dtype=bool)
            out.append(flags.reshape(r, n))
        return out

    def close(self) -> None:
        self.con.close()
