"""Reference point: the 黄岩 2022 scheme as one hand-written DuckDB query, nothing else.

Not tiangong: no scheme file, no validation, no explanations, no run store (unless `--store`:
then the results Parquet is also committed to a DuckDB file as one BLOB, the least a run
store can do), 23 output columns like the pandas baseline (`pandas_huangyan.py`, whose rules
it encodes line for line; see that module's docstring). It answers one question the
benchmark raises: how fast can *any* DuckDB implementation of this scheme be on this
machine? Its wall time is a floor for tiangong's, and its ratio to the pandas baseline is the
most a DuckDB-based pipeline could show (with `--store`: a pipeline that keeps its runs).
`bench_evaluate.py --minimal-too` runs it and checks it against the baseline (same classes,
scores to 1e-9), so the floor is a correct implementation, not a shortcut.

Run: python benchmarks/duckdb_minimal_huangyan.py --data DIR --year 2022 --out DIR
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

ABOVE = [  # (indicator, numerator, denominator, weight, benchmark, floor at 0)
    ("tax_per_mu", "eval_tax", "land_area", 30.0, 24.097, True),
    ("va_per_mu", "value_added", "land_area", 20.0, 136.16, True),
    ("va_per_energy", "value_added", "energy_tce", 20.0, 2.694, True),
    ("va_per_emission", "value_added", "emissions", 10.0, 4929.81, True),
    ("labour_productivity", "value_added", "employees", 10.0, 18.14, True),
    ("rd_share", "rd_expense", "revenue", 10.0, 0.0302, False),
]
BELOW = [
    ("tax_per_mu", "eval_tax", "land_area", 50.0, 11.5932, True),
    ("tax_per_kwh", "eval_tax", "electricity", 50.0, 0.2352, True),
]
INDICATORS = {i: (n, d) for i, n, d, *_ in ABOVE + BELOW}
MEAN_FILLED = "va_per_emission"  # missing or zero denominator: the group's mean item points


def _raw(ind: str, weight: float, bench: float, floor: bool) -> str:
    points = f"{weight!r} * v_{ind} / {bench!r}"
    # DuckDB's greatest() skips NULL: a firm without a value must stay NULL, not 0
    return f"CASE WHEN v_{ind} IS NOT NULL THEN greatest({points}, 0.0) END" if floor else points


def query(data: Path, year: int) -> str:
    ent, events = data / "enterprises.parquet", data / "events.parquet"
    values = ", ".join(
        f"CASE WHEN {n} IS NULL OR {d} IS NULL OR {d} = 0 THEN NULL ELSE {n} / {d} END AS v_{i}, "
        f"({n} IS NULL OR {d} IS NULL OR {d} = 0) AS nv_{i}" for i, (n, d) in INDICATORS.items())
    groups = {"above": {i: item for i, *item in ABOVE}, "below": {i: item for i, *item in BELOW}}
    raws, pts = [], []
    for i in INDICATORS:
        cases = " ".join(f"WHEN '{g}' THEN {_raw(i, *items[i][2:])}"
                         for g, items in groups.items() if i in items)
        raws.append(f"CASE grp {cases} END AS r_{i}")
        fill = f"m_{i}" if i == MEAN_FILLED else "0.0"
        member = ", ".join(f"'{g}'" for g, items in groups.items() if i in items)
        pts.append(f"CASE WHEN grp IN ({member}) THEN "
                   f"CASE WHEN nv_{i} THEN {fill} ELSE r_{i} END END AS p_{i}")
    means = ", ".join(f"avg(r_{i}) FILTER (WHERE elig) AS m_{i}" for i in INDICATORS)
    above, below = groups["above"], groups["below"]
    total_above = " + ".join(f"coalesce(p_{i}, 0)" for i in above)
    total_below = " + ".join(f"coalesce(p_{i}, 0)" for i in below)
    cut = "floor(n * {q} / 100.0 + 0.5)"
    quota = (f"CASE WHEN rk <= {cut.format(q=20)} THEN 0 WHEN rk <= {cut.format(q=60)} THEN 1 "
             f"WHEN rk <= {cut.format(q=95)} THEN 2 ELSE 3 END")
    out_values = ", ".join(f"v_{i} AS value_{i}" for i in INDICATORS)
    out_points = ", ".join(f"p_{i} AS points_{i}" for i in INDICATORS)
    return f"""
WITH e AS (
  SELECT uscc, size_class, industry_code, founded_date, land_area, eval_tax, value_added,
         revenue, energy_tce, electricity, emissions, employees, rd_expense
  FROM read_parquet('{ent}') WHERE year = {year}),
ev AS (
  SELECT uscc,
         count(*) FILTER (WHERE event_type = 'safety_accident' AND severity = 'major') AS major,
         count(*) FILTER (WHERE event_type = 'env_violation') AS env
  FROM read_parquet('{events}') WHERE year = {year} GROUP BY uscc),
g AS (
  SELECT e.*, coalesce(ev.major, 0) AS major, coalesce(ev.env, 0) AS env,
         CASE WHEN size_class = 'above' THEN 'above'
              WHEN size_class = 'below' AND land_area >= 3 THEN 'below' END AS grp
  FROM e LEFT JOIN ev USING (uscc)),
s AS (
  SELECT *, CASE WHEN grp IS NULL THEN NULL
                 WHEN substr(industry_code, 1, 2) IN ('44', '45', '46') THEN '免评'
                 WHEN {year} - year(founded_date) < 2 THEN 'T' END AS special, {values}
  FROM g),
r AS (SELECT *, {', '.join(raws)}, grp IS NOT NULL AND special IS NULL AS elig FROM s),
m AS (SELECT grp, {means} FROM r WHERE grp IS NOT NULL GROUP BY grp),
p AS (SELECT r.*, {', '.join(pts)} FROM r LEFT JOIN m USING (grp)),
t AS (
  SELECT *, CASE WHEN grp IS NULL OR special = '免评' THEN NULL
                 WHEN grp = 'above' THEN {total_above} ELSE {total_below} END AS score
  FROM p),
k AS (
  SELECT *,
    CASE WHEN elig THEN row_number() OVER (PARTITION BY grp, elig
         ORDER BY score DESC NULLS LAST, eval_tax DESC NULLS LAST, uscc) END AS rk,
    CASE WHEN elig THEN count(*) OVER (PARTITION BY grp, elig) END AS n
  FROM t),
c AS (
  SELECT *, CASE WHEN NOT elig THEN NULL
                 WHEN major >= 1 THEN 3
                 WHEN env >= 1 THEN least({quota} + 1, 3) ELSE {quota} END AS idx
  FROM k)
SELECT uscc, grp AS "group", special AS special_class,
       coalesce(special, ['A', 'B', 'C', 'D'][idx + 1]) AS class, score, rk AS rank,
       n AS partition_size, {out_values}, {out_points}
FROM c ORDER BY uscc"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--store", type=Path, default=None,
                    help="also keep the results in this DuckDB file, as the least any run "
                         "store must do: the written Parquet as one BLOB, committed")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    target = str(args.out / "results.parquet").replace("'", "''")
    # DuckDB's default Parquet codec (snappy): the fastest this floor can write
    con.execute(f"COPY ({query(args.data, args.year)}) TO '{target}' (FORMAT parquet)")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
    con.close()
    if args.store is not None:
        store = duckdb.connect(str(args.store))
        store.execute("CREATE TABLE IF NOT EXISTS run_results (run_id VARCHAR, parquet BLOB)")
        store.execute("BEGIN TRANSACTION")
        store.execute("INSERT INTO run_results SELECT 'R0001', content FROM read_blob(?)",
                      [str(args.out / "results.parquet")])
        store.execute("COMMIT")
        store.close()
    print(f"minimal DuckDB query: {n[0] if n else 0} enterprises in "
          f"{time.perf_counter() - t0:.2f} s{' (results stored)' if args.store else ''}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
