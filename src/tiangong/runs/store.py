"""Every evaluation kept as an immutable run in one DuckDB file.

An objection is answered months after publication, often after the data or the scheme changed.
So a run keeps everything needed to say how a number arose and to reproduce it: the scheme text
and its hash, the fingerprints of the input files, the input rows themselves (content-addressed,
so re-runs on the same data do not copy them again), the benchmark set, every SQL statement as it
ran, the results and their digest, and timestamps. Runs are only ever added, never changed.

Result and input tables are kept inside the file as Parquet (zstd) in BLOB columns rather than as
DuckDB tables: encoding 2.5 million wide rows into DuckDB's own storage took four to six times
as long as Parquet (about 9 s against 2 s on two cores), and tables are only ever read whole.
The results BLOB is the analysts' results.parquet itself (`write_results_parquet`), which
`tiangong evaluate` then moves into the output folder: one encode, and the stored results are
the published ones byte for byte. Stores written by earlier versions (one DuckDB table per run,
or results encoded as computed) are still read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from tiangong import __version__
from tiangong.errors import Problem, RunNotFound
from tiangong.evaluation.evaluate import Evaluation, sorted_rows
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme
from tiangong.runs.access import Notify, StoreBusy, connect, side_store_path
from tiangong.runs.encode import PreparedRun
from tiangong.runs.encode import results_digest as results_digest  # re-exported
from tiangong.runs.stored_results import StoredResults, read_parquet_bytes

DEFAULT_STORE = "tiangong.duckdb"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, label VARCHAR,
    created_at VARCHAR, started_at VARCHAR, finished_at VARCHAR,
    scheme_id VARCHAR, scheme_name VARCHAR, scheme_source VARCHAR, scheme_hash VARCHAR,
    scheme_text VARCHAR, year INTEGER, engine VARCHAR, tiangong_version VARCHAR,
    fingerprints VARCHAR, input_keys VARCHAR, statements VARCHAR, warnings VARCHAR,
    class_counts VARCHAR, n_results BIGINT, results_sha256 VARCHAR
);
CREATE TABLE IF NOT EXISTS run_benchmarks (
    run_id VARCHAR, "group" VARCHAR, indicator VARCHAR, method VARCHAR,
    benchmark_kind VARCHAR, benchmark DOUBLE, group_min DOUBLE, group_max DOUBLE,
    n_with_data BIGINT
);
CREATE TABLE IF NOT EXISTS input_blobs (key VARCHAR PRIMARY KEY, tbl VARCHAR, n_rows BIGINT);
CREATE TABLE IF NOT EXISTS input_data (key VARCHAR PRIMARY KEY, parquet BLOB);
CREATE TABLE IF NOT EXISTS run_results (run_id VARCHAR PRIMARY KEY, parquet BLOB);
"""


def default_store_path() -> Path:
    """`$TIANGONG_STORE`, else `tiangong.duckdb` in the working directory."""
    return Path(os.environ.get("TIANGONG_STORE", DEFAULT_STORE))


@dataclass(frozen=True)
class RunRecord:
    """The metadata of one stored run (the tables are fetched on demand)."""

    id: str
    seq: int
    label: str
    created_at: str
    started_at: str
    finished_at: str
    scheme_id: str
    scheme_name: str
    scheme_source: str
    scheme_hash: str
    scheme_text: str
    year: int
    engine: str
    tiangong_version: str
    fingerprints: dict[str, str] = field(default_factory=dict)
    input_keys: dict[str, str] = field(default_factory=dict)
    statements: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    class_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    n_results: int = 0
    results_sha256: str = ""

    def summary(self) -> dict[str, Any]:
        """The fields `runs list` prints."""
        return {"id": self.id, "created_at": self.created_at, "scheme": self.scheme_id,
                "year": self.year, "engine": self.engine, "enterprises": self.n_results,
                "results_sha256": self.results_sha256[:12], "label": self.label}


class RunStore:
    """A DuckDB file of runs; use as a context manager or call `close()`."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False,
                 wait: float | None = None, on_wait: Notify | None = None) -> None:
        """Readers (`read_only`) share the file; a writer has it alone. Either waits up to
        `wait` seconds ($TIANGONG_STORE_WAIT, 120) for another process, telling `on_wait`
        once, then raises `StoreBusy` (`tiangong.runs.access`)."""
        self.path = Path(path) if path is not None else default_store_path()
        if read_only and not self.path.exists():
            raise RunNotFound([Problem("no run store here yet; run 'tiangong evaluate' first "
                                       "or pass --store", str(self.path))])
        self.con = connect(self.path, read_only=read_only, wait=wait, on_wait=on_wait)
        if not read_only:
            self.con.execute(_SCHEMA)

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------

    def save(self, ev: Evaluation, label: str = "", *,
             results_file: Path | None = None) -> RunRecord:
        """Store `ev` as a new run; the whole run lands or nothing does.

        The results are kept as the analysts' results.parquet (`write_results_parquet`), so the
        stored results are the published ones byte for byte. `results_file`: where to leave
        that file after the save (a caller publishing it moves it into place rather than
        encoding 2.5 million rows a second time); by default it is a temporary file.
        A process sharing the store should rather call `save_run`, which encodes before it
        takes the write lock.
        """
        with PreparedRun(ev, results_file=results_file,
                         stored_keys=self.stored_input_keys()) as prepared:
            return self.commit(prepared, label)

    def stored_input_keys(self) -> frozenset[str]:
        return frozenset(k for (k,) in self.con.execute("SELECT key FROM input_blobs").fetchall())

    def commit(self, prepared: PreparedRun, label: str = "") -> RunRecord:
        """Copy an encoded run into the store as its next run, in one transaction."""
        ev = prepared.ev
        with self._transaction():
            seq = int(self.con.execute(  # type: ignore[index]
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").fetchone()[0])
            run_id = f"R{seq:04d}"
            for table, key in prepared.input_keys.items():
                if self.con.execute("SELECT 1 FROM input_blobs WHERE key = ?", [key]).fetchall():
                    continue
                self.con.execute("INSERT INTO input_data SELECT ?, content FROM read_blob(?)",
                                 [key, str(prepared.input_file(table))])
                self.con.execute("INSERT INTO input_blobs VALUES (?, ?, ?)",
                                 [key, table, ev.inputs[table].num_rows])
            self.con.execute("INSERT INTO run_results SELECT ?, content FROM read_blob(?)",
                             [run_id, str(prepared.results_file)])
            return self._save_record(ev, run_id, seq, label, prepared.digest,
                                     prepared.input_keys)

    def _save_record(self, ev: Evaluation, run_id: str, seq: int, label: str, digest: str,
                     input_keys: dict[str, str]) -> RunRecord:
        self.con.register("__bench", ev.benchmarks)
        self.con.execute(f"INSERT INTO run_benchmarks SELECT '{run_id}', * FROM __bench")
        self.con.unregister("__bench")
        record = RunRecord(
            id=run_id, seq=seq, label=label, created_at=ev.finished_at,
            started_at=ev.started_at, finished_at=ev.finished_at,
            scheme_id=ev.scheme.scheme.id, scheme_name=ev.scheme.scheme.name,
            scheme_source=ev.scheme.source, scheme_hash=ev.scheme.hash,
            scheme_text=ev.scheme.text, year=ev.year, engine=ev.engine,
            tiangong_version=__version__, fingerprints=dict(ev.fingerprints),
            input_keys=input_keys,
            statements=[{"step": s.step, "sql": s.sql} for s in ev.statements],
            warnings=list(ev.warnings), class_counts=ev.class_counts(),
            n_results=ev.results.num_rows, results_sha256=digest,
        )
        self._insert_record(record)
        return record

    def _insert_record(self, r: RunRecord) -> None:
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?)",
            [r.id, r.seq, r.label, r.created_at, r.started_at, r.finished_at, r.scheme_id,
             r.scheme_name, r.scheme_source, r.scheme_hash, r.scheme_text, r.year, r.engine,
             r.tiangong_version, _json(r.fingerprints), _json(r.input_keys),
             _json(r.statements), _json(r.warnings), _json(r.class_counts), r.n_results,
             r.results_sha256],
        )

    # -- reading ---------------------------------------------------------------------------

    def list(self) -> list[RunRecord]:
        rows = self.con.execute("SELECT * FROM runs ORDER BY seq").fetchall()
        names = [d[0] for d in self.con.description or []]
        return [_record(dict(zip(names, row, strict=True))) for row in rows]

    def get(self, run_id: str) -> RunRecord:
        """A run by id (`R0003`, `3`), or `latest` / `previous`."""
        runs = self.list()
        if not runs:
            raise RunNotFound([Problem("the store holds no runs yet", str(self.path))])
        wanted = run_id.strip()
        if wanted in ("latest", "last"):
            return runs[-1]
        if wanted == "previous":
            if len(runs) < 2:
                raise RunNotFound([Problem("only one run stored; no previous run",
                                           str(self.path))])
            return runs[-2]
        if wanted.isdigit():
            wanted = f"R{int(wanted):04d}"
        for r in runs:
            if r.id == wanted.upper():
                return r
        known = ", ".join(r.id for r in runs[-10:])
        raise RunNotFound([Problem(f"no run {run_id!r}; latest runs: {known}", str(self.path))])

    def results(self, run_id: str) -> pa.Table:
        return self.stored_results(run_id).all()

    def stored_results(self, run_id: str) -> StoredResults:
        """The run's results, to read whole or in part (`StoredResults`)."""
        rid = self.get(run_id).id
        blob = self.con.execute("SELECT parquet FROM run_results WHERE run_id = ?",
                                [rid]).fetchone()
        if blob is None:  # a store written before results were kept as Parquet
            return StoredResults(None, self.con.sql(
                f'SELECT * FROM "results_{rid}" ORDER BY uscc').to_arrow_table())
        return StoredResults(bytes(blob[0]))

    def benchmarks(self, run_id: str) -> pa.Table:
        rid = self.get(run_id).id
        return self.con.sql(
            f"SELECT * EXCLUDE (run_id) FROM run_benchmarks WHERE run_id = '{rid}' "
            'ORDER BY "group", indicator').to_arrow_table()

    def inputs(self, run_id: str, *, ordered: bool = True) -> dict[str, pa.Table]:
        """The run's input tables; `ordered=False` leaves them in stored order (the what-if
        reads them into an engine, where order is irrelevant: sorting the province's inputs
        costs a second)."""
        rec = self.get(run_id)
        out = {}
        for table, key in sorted(rec.input_keys.items()):
            rows = self.input_table(key)
            out[table] = sorted_rows(rows) if ordered else rows
        return out

    def input_table(self, key: str) -> pa.Table:
        """The stored rows of one input (by content key), in the order they were stored."""
        blob = self.con.execute("SELECT parquet FROM input_data WHERE key = ?",
                                [key]).fetchone()
        if blob is None:  # a store written before inputs were kept as Parquet
            return self.con.sql(f'SELECT * FROM "input_{key}"').to_arrow_table()
        return read_parquet_bytes(blob[0])

    def scheme(self, run_id: str) -> LoadedScheme:
        rec = self.get(run_id)
        return parse_scheme(rec.scheme_text, rec.scheme_source)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _record(row: dict[str, Any]) -> RunRecord:
    decoded = {k: json.loads(row[k]) for k in ("fingerprints", "input_keys", "statements",
                                               "warnings", "class_counts")}
    plain = {k: v for k, v in row.items() if k not in decoded}
    plain["label"] = plain.get("label") or ""
    return RunRecord(**plain, **decoded)


@dataclass(frozen=True)
class SavedRun:
    """Where `save_run` kept a run: the store asked for, or a side store when it stayed busy."""

    record: RunRecord
    path: Path
    diverted: bool = False


def save_run(path: Path | str | None, ev: Evaluation, label: str = "", *,
             results_file: Path | None = None, wait: float | None = None,
             on_wait: Notify | None = None) -> SavedRun:
    """Store `ev` in the store at `path`, holding its write lock only for the copy.

    The run is encoded first (`PreparedRun`, after a read-only look at which inputs the store
    already holds); then the store is opened for writing, waiting for other processes as
    `RunStore` does. If it stays busy past the wait, the run goes into a new store beside it
    (`side_store_path`) instead of being lost, and `on_wait` is told where.
    """
    target = Path(path) if path is not None else default_store_path()
    stored: frozenset[str] = frozenset()
    if target.exists():  # a look without waiting: if busy, every input is encoded
        try:
            with RunStore(target, read_only=True, wait=0) as st:
                has_inputs = st.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name"
                                            " = 'input_blobs'").fetchall()
                stored = st.stored_input_keys() if has_inputs else frozenset()
        except StoreBusy:
            pass
    with PreparedRun(ev, results_file=results_file, stored_keys=stored) as prepared:
        try:
            with RunStore(target, wait=wait, on_wait=on_wait) as st:
                return SavedRun(st.commit(prepared, label), target)
        except StoreBusy as busy:
            side = side_store_path(target)
            with RunStore(side) as st:
                record = st.commit(prepared, label)
            if on_wait is not None:
                on_wait(f"{busy.problems[0]}; this run was kept as {record.id} in {side} "
                        f"instead (tiangong runs show {record.id} --store {side})")
            return SavedRun(record, side, diverted=True)
