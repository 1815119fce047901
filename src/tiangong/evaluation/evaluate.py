"""Run one evaluation: scheme + canonical inputs + year → results on the chosen engine.

This is the library entry point the CLI, the store and the what-if search all call. It checks the
inputs against what the scheme needs before running anything, then runs the plan step by step.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiangong.errors import DataError, Problem, raise_if_any
from tiangong.evaluation.engines import Engine, get_engine
from tiangong.evaluation.engines.base import Statement
from tiangong.evaluation.exclusions import exclusions_sql, with_exclusions
from tiangong.evaluation.pipeline.plan import build_plan
from tiangong.evaluation.pipeline.scores import needs_prior_year, scored_items
from tiangong.evaluation.plausibility import check_values, enforce
from tiangong.evaluation.scheme.loader import LoadedScheme, load_scheme
from tiangong.evaluation.scheme.model import SQL_TYPES, Scheme
from tiangong.evaluation.sources import InputSet, column_types, empty_table, find_inputs

if TYPE_CHECKING:  # pandas is imported by `to_pandas`' caller, not by every command
    import pandas as pd

Progress = Callable[[str, int, int], None]


@dataclass
class Evaluation:
    scheme: LoadedScheme
    year: int
    engine: str
    results: pa.Table
    benchmarks: pa.Table
    statements: list[Statement]
    fingerprints: dict[str, str]
    # rows of each input table for the evaluated years, in engine order (`sorted_rows`)
    inputs: dict[str, pa.Table] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    warnings: list[str] = field(default_factory=list)
    # uscc -> why the firm fell in no group, per group in words (`exclusions`); also in the
    # results' class_reason
    exclusions: dict[str, str] = field(default_factory=dict)

    def to_pandas(self) -> pd.DataFrame:
        return self.results.to_pandas()

    def class_counts(self) -> dict[str, dict[str, int]]:
        counts = self.results.select(["group", "class"]).group_by(
            ["group", "class"], use_threads=False).aggregate([([], "count_all")])
        keys = [("(none)" if g is None else str(g), "(none)" if c is None else str(c), n)
                for g, c, n in zip(*(counts.column(i).to_pylist() for i in range(3)),
                                   strict=True)]
        out: dict[str, dict[str, int]] = {}
        for group, cls, n in sorted(keys):
            out.setdefault(group, {})[cls] = out.get(group, {}).get(cls, 0) + int(n)
        return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _load_inputs(engine: Engine, inputs: InputSet, years: list[int], scheme: Scheme) -> None:
    # every table for every year the plan evaluates: the prior year's special classes and
    # tenant counts (which decide who is in its benchmark means) read its own events/tenancies
    where = f"year IN ({', '.join(str(y) for y in years)})"
    declared = {v: SQL_TYPES[d.type] for v, d in scheme.variables.items()}
    _check_declared_columns(inputs, scheme)
    for table in ("enterprises", "events", "tenancies"):
        types = column_types(table) | (declared if table == "enterprises" else {})
        if table in inputs.tables:
            # the columns the files path reads too (canonical + declared): the same rows reached
            # from a folder or from an intake in the store (which keeps e.g. the pollutant
            # columns) are the same input
            given = inputs.tables[table]
            read = ", ".join(f'"{c}"' for c in given.column_names if c in types) or "*"
            engine.load_arrow(f"{table}__input", given)
            engine.create(table, f"SELECT {read} FROM {table}__input WHERE {where}")
        elif table in inputs.files:
            engine.load_files(table, inputs.files[table], types, where)
        else:
            engine.load_arrow(table, empty_table(table))


def _columns_of(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        return list(pq.read_schema(path).names)
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def _check_declared_columns(inputs: InputSet, scheme: Scheme) -> None:
    """Every variable the scheme declares is a column of the enterprise table (each file)."""
    if not scheme.variables:
        return
    if "enterprises" in inputs.tables:
        sources = [("enterprises", inputs.tables["enterprises"].column_names)]
    else:
        sources = [(str(p), _columns_of(p)) for p in inputs.files.get("enterprises", [])]
    problems = [
        Problem(f"the scheme declares variable '{v}' ({d.label}"
                + (f", {d.unit}" if d.unit else "") + f"), but the enterprise table has no "
                f"column '{v}'; add it, or remove the declaration"
                + ("; an intake made before the enterprise table carried one column per "
                   "pollutant lacks it: run 'tiangong intake' again"
                   if v.startswith("emission_") else ""), source, field=v)
        for source, columns in sources for v, d in scheme.variables.items()
        if v not in columns]
    raise_if_any(problems, DataError, "input data lacks a column the scheme reads")


def _years_present(inputs: InputSet) -> list[int]:
    """The years of the enterprises input as given (the engine holds only the years read)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if "enterprises" in inputs.tables:
        column = inputs.tables["enterprises"].column("year")
        return sorted(int(y) for y in pc.unique(column).to_pylist() if y is not None)
    years: set[int] = set()
    for path in inputs.files.get("enterprises", []):
        try:
            if path.suffix == ".parquet":
                column = pq.read_table(path, columns=["year"]).column("year")
            else:
                column = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                    include_columns=["year"])).column("year")
        except (OSError, pa.ArrowException, KeyError):
            continue
        years |= {int(y) for y in pc.unique(column).to_pylist() if y is not None}
    return sorted(years)


def _check_loaded(engine: Engine, years: list[int], year: int, inputs: InputSet) -> None:
    problems = []
    counts = engine.query("SELECT year, COUNT(*) AS n FROM enterprises GROUP BY year").to_pylist()
    by_year = {r["year"]: r for r in counts}
    for y in years:
        if y not in by_year:
            why = "the evaluation year" if y == year else "the prior year, needed by a benchmark"
            present = ", ".join(str(p) for p in _years_present(inputs)) or "none"
            problems.append(Problem(f"no enterprise rows for {y} ({why}); years present in "
                                    f"the data: {present}", "enterprises", field="year"))
    dupes = engine.query(
        f"SELECT uscc, COUNT(*) AS n FROM enterprises WHERE year = {year} AND uscc IS NOT NULL "
        "GROUP BY uscc HAVING COUNT(*) > 1 ORDER BY uscc LIMIT 10").to_pylist()
    for row in dupes:
        problems.append(Problem(f"enterprise {row['uscc']} appears {row['n']} times in {year}",
                                "enterprises", field="uscc"))
    nulls = engine.query(f"SELECT COUNT(*) AS n FROM enterprises WHERE year = {year} AND "
                         "(uscc IS NULL OR size_class IS NULL)").to_pylist()[0]["n"]
    if nulls:
        problems.append(Problem(f"{nulls} rows without uscc or size_class in {year}",
                                "enterprises"))
    bad_size = engine.query(
        f"SELECT DISTINCT size_class FROM enterprises WHERE year = {year} AND size_class NOT IN "
        "('above', 'below') ORDER BY size_class LIMIT 5").to_pylist()
    if bad_size:
        values = ", ".join(str(r["size_class"]) for r in bad_size)
        problems.append(Problem(f"size_class must be 'above' (规上) or 'below' (规下); found "
                                f"{values}", "enterprises", field="size_class"))
    raise_if_any(problems, DataError, "input data cannot be evaluated")


def evaluate(
    scheme: LoadedScheme | str | Path,
    data: Path | str | Mapping[str, pa.Table],
    year: int,
    *,
    engine: str | Engine = "duckdb",
    keep_inputs: bool = True,
    progress: Progress | None = None,
    accept_implausible: bool = False,
    check_inputs: bool = True,
    fingerprint: bool = True,
) -> Evaluation:
    """Evaluate every enterprise of `year` under `scheme`; see `Evaluation` for what comes back.

    The input values are checked first (`tiangong.evaluation.plausibility`): impossible ones
    are refused, implausible ones too unless `accept_implausible`, and what was accepted or is
    doubtful becomes a warning of the run. `check_inputs=False` skips this for inputs already
    checked (the what-if search re-evaluates a stored run's inputs many times), and
    `fingerprint=False` the digests of the inputs, which only a stored run needs.
    """
    loaded = scheme if isinstance(scheme, LoadedScheme) else load_scheme(scheme)
    inputs = (InputSet(tables=dict(data)) if isinstance(data, Mapping)
              else find_inputs(Path(data)))
    noted: list[str] = []
    if check_inputs:
        if progress:
            progress("checking input values", 0, 1)
        years = [year - 1, year] if needs_prior_year(loaded.scheme) else [year]
        noted = enforce(check_values(inputs, years), accept_implausible)
    started = _now()
    # the digests of the input files (a read of every byte) are taken while the engine works:
    # hashlib and DuckDB both release the GIL
    if not fingerprint:
        ev = _run(loaded, inputs, year, engine, keep_inputs, progress)
    else:
        with ThreadPoolExecutor(max_workers=1) as hashing:
            digests = hashing.submit(inputs.fingerprints)
            ev = _run(loaded, inputs, year, engine, keep_inputs, progress)
            ev.fingerprints = digests.result()
    ev.warnings = noted + ev.warnings
    ev.started_at, ev.finished_at = started, _now()
    return ev


def _run(loaded: LoadedScheme, inputs: InputSet, year: int, engine: str | Engine,
         keep_inputs: bool, progress: Progress | None) -> Evaluation:
    eng = get_engine(engine) if isinstance(engine, str) else engine
    owns_engine = isinstance(engine, str)
    try:
        years = [year - 1, year] if needs_prior_year(loaded.scheme) else [year]
        if progress:
            progress("reading inputs", 0, 1)
        _load_inputs(eng, inputs, years, loaded.scheme)
        _check_loaded(eng, years, year, inputs)
        plan = build_plan(loaded.scheme, year)
        for i, (name, sql) in enumerate(plan.steps):
            if progress:
                progress(name, i, len(plan.steps))
            eng.create(name, sql)
        if progress:  # the steps are mostly views: the work happens in this query
            progress("computing scores and classes", len(plan.steps), len(plan.steps))
        results = _in_credit_code_order(eng.query(plan.results_sql))
        benchmarks = _benchmarks(eng, loaded)
        excluded = eng.query(exclusions_sql(loaded.scheme)).to_pylist()
        kept = {t: eng.query(f"SELECT * FROM {t}") for t in ("enterprises", "events",
                                                             "tenancies")} if keep_inputs else {}
        engine_name, statements = eng.name, list(eng.statements)
    finally:
        if owns_engine:
            eng.close()
    exclusions = {r["uscc"]: r["reason"] for r in excluded}
    return Evaluation(
        scheme=loaded, year=year, engine=engine_name,
        results=with_exclusions(results, exclusions),
        benchmarks=benchmarks, statements=statements, fingerprints={}, inputs=kept,
        warnings=_year_warning(loaded, year) + _warnings(benchmarks),
        exclusions=exclusions,
    )


def _year_warning(loaded: LoadedScheme, year: int) -> list[str]:
    written = loaded.scheme.data_year
    if written is None or written == year:
        return []
    return [f"scheme {loaded.scheme.id} was written for data year {written} and is evaluated on "
            f"{year}: its constants (benchmarks, thresholds) are those published for {written};"
            f" check that they still apply"]


def _in_credit_code_order(results: pa.Table) -> pa.Table:
    """`results` in ascending uscc order (unique and not null: checked on load).

    The plan sorts before its last two statements, which only compute columns row by row (see
    `pipeline.plan`); engines keep that order, but no SQL engine promises to, so it is checked
    here (one pass over the codes) rather than trusted, and restored if it was lost.
    """
    uscc = results.column("uscc")
    n = results.num_rows
    if n < 2 or pc.all(pc.less(uscc.slice(0, n - 1), uscc.slice(1))).as_py():
        return results
    return results.take(pc.sort_indices(uscc))


def sorted_rows(table: pa.Table) -> pa.Table:
    """`table` in ascending order of every column, first column first, nulls last.

    The canonical order of kept inputs. `Evaluation.inputs` holds rows in the order the engine
    produced them (sorting 2.5 million wide rows at every run cost seconds that only the rare
    reader of the inputs needs); whoever compares or shows inputs sorts them with this.
    """
    return table.sort_by([(c, "ascending") for c in table.column_names])


def _benchmarks(eng: Engine, loaded: LoadedScheme) -> pa.Table:
    """The benchmark set as rows (group, indicator, method, kind, benchmark, min, max, n)."""
    parts = []
    for group in loaded.scheme.groups:
        for item in group.items:
            if item.indicator not in scored_items(loaded.scheme):
                continue
            i = item.indicator
            kind = item.benchmark.kind if item.benchmark else ""
            parts.append(
                f"SELECT '{group.id}' AS \"group\", '{i}' AS indicator, '{item.method}' AS method,"
                f" '{kind}' AS benchmark_kind, CAST(bm_{i} AS DOUBLE) AS benchmark,"
                f" CAST(min_{i} AS DOUBLE) AS group_min, CAST(max_{i} AS DOUBLE) AS group_max,"
                f" CAST(n_{i} AS BIGINT) AS n_with_data FROM benchmarks"
                f" WHERE group_id = '{group.id}'")
    if not parts:  # rank-only schemes score no item: no benchmark, same columns
        return pa.schema([("group", pa.string()), ("indicator", pa.string()),
                          ("method", pa.string()), ("benchmark_kind", pa.string()),
                          ("benchmark", pa.float64()), ("group_min", pa.float64()),
                          ("group_max", pa.float64()), ("n_with_data", pa.int64())]
                         ).empty_table()
    return eng.query(" UNION ALL ".join(parts) + " ORDER BY 1, 2")


def _warnings(benchmarks: pa.Table) -> list[str]:
    out = []
    for row in benchmarks.to_pylist():
        if row["benchmark_kind"] and (row["benchmark"] is None or row["benchmark"] <= 0):
            out.append(f"group {row['group']}: benchmark of {row['indicator']} is "
                       f"{row['benchmark']} (no firm with data?); its item scores are empty")
    return out
