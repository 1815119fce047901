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

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiangong import __version__
from tiangong.errors import Problem, RunNotFound, TiangongError
from tiangong.evaluation.evaluate import Evaluation, sorted_rows
from tiangong.evaluation.outputs.results_table import write_results_parquet
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme

DEFAULT_STORE = "tiangong.duckdb"
INPUT_TABLES = ("enterprises", "events", "tenancies")

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


class _HashSink:
    """A write-only file that hashes what it is given (the IPC stream is never held whole)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.closed = False

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return len(memoryview(data))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _settled(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Which cells hold a value, and the values with every null cell set to the type's zero.

    Arrow leaves whatever bytes happen to be under a null cell, and an engine fills them
    differently from run to run (the same results carried different bytes under null
    percentiles), so the digest reads the cells' validity and settled values, not raw buffers.
    """
    valid = pc.is_valid(column)
    if not column.null_count:
        return valid, column
    t = column.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        zero = pa.scalar("", t)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        zero = pa.scalar(b"", t)
    elif pa.types.is_boolean(t):
        zero = pa.scalar(False)
    elif pa.types.is_null(t):
        return valid, pc.fill_null(column.cast(pa.int8()), 0)
    else:
        zero = pa.scalar(0, pa.int32()).cast(t)
    return valid, pc.fill_null(column, zero)


def results_digest(table: pa.Table) -> str:
    """SHA-256 of the results' cells (validity and settled values, `_settled`) as Arrow IPC in
    fixed-size slices: independent of chunking and of the bytes under null cells."""
    sink = _HashSink()
    fields = [f for name in table.column_names
              for f in (pa.field(f"{name}.valid", pa.bool_()), table.schema.field(name))]
    schema = pa.schema([f if not pa.types.is_null(f.type) else f.with_type(pa.int8())
                        for f in fields], metadata=table.schema.metadata)
    with pa.ipc.new_stream(sink, schema) as writer:
        for start in range(0, max(table.num_rows, 1), 65536):
            part = table.slice(start, 65536).combine_chunks()
            arrays = [a for col in part.columns for a in _settled(col.combine_chunks())]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
    return sink.digest.hexdigest()


class RunStore:
    """A DuckDB file of runs; use as a context manager or call `close()`."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        if read_only and not self.path.exists():
            raise RunNotFound([Problem("no run store here yet; run 'tiangong evaluate' first "
                                       "or pass --store", str(self.path))])
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise TiangongError([Problem(f"cannot open the run store: {err}",
                                         str(self.path))]) from None
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
        """
        if not ev.inputs:
            raise ValueError("evaluation was run with keep_inputs=False; it cannot be stored")
        seq = int(self.con.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs").fetchone()[0])  # type: ignore[index]
        run_id = f"R{seq:04d}"
        input_keys = {t: self._input_key(t, ev, ev.inputs[t])
                      for t in INPUT_TABLES if ev.inputs.get(t) is not None}
        new_inputs = [t for t, key in input_keys.items() if not self.con.execute(
            "SELECT 1 FROM input_blobs WHERE key = ?", [key]).fetchall()]
        # The Parquet encodings and the digest are independent and release the GIL: run them
        # side by side (at 2.5 million firms, about 9 s one after the other on two cores).
        # Each is written to a file that DuckDB reads as a BLOB, so that no encoded copy is
        # held in Python memory as well.
        with tempfile.TemporaryDirectory(prefix="tiangong-store-") as tmp, \
                ThreadPoolExecutor(max_workers=2) as pool:
            files = {t: Path(tmp) / f"{t}.parquet" for t in new_inputs}
            files["results"] = results_file or Path(tmp) / "results.parquet"
            jobs: list[Future[Any]] = [
                pool.submit(write_results_parquet, ev.results, files["results"])]
            digest_job = pool.submit(results_digest, ev.results)
            jobs += [pool.submit(_write_parquet, ev.inputs[t], files[t]) for t in new_inputs]
            for job in jobs:
                job.result()
            digest = digest_job.result()
            with self._transaction():
                for table in new_inputs:
                    key = input_keys[table]
                    self.con.execute("INSERT INTO input_data SELECT ?, content FROM read_blob(?)",
                                     [key, str(files[table])])
                    self.con.execute("INSERT INTO input_blobs VALUES (?, ?, ?)",
                                     [key, table, ev.inputs[table].num_rows])
                self.con.execute("INSERT INTO run_results SELECT ?, content FROM read_blob(?)",
                                 [run_id, str(files["results"])])
                record = self._save_record(ev, run_id, seq, label, digest, input_keys)
        return record

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

    def _input_key(self, table: str, ev: Evaluation, data: pa.Table) -> str:
        """Content address: the source fingerprint plus the rows kept (years differ per run)."""
        basis = f"{table}|{ev.fingerprints.get(table, '')}|{data.num_rows}|{data.schema}"
        if not ev.fingerprints.get(table):
            from tiangong.evaluation.sources import table_fingerprint

            basis += "|" + table_fingerprint(data)
        return hashlib.sha256(basis.encode()).hexdigest()[:20]

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
        rid = self.get(run_id).id
        blob = self.con.execute("SELECT parquet FROM run_results WHERE run_id = ?",
                                [rid]).fetchone()
        if blob is None:  # a store written before results were kept as Parquet
            return self.con.sql(f'SELECT * FROM "results_{rid}" ORDER BY uscc').to_arrow_table()
        # as computed: without the pandas metadata results.parquet carries for its readers
        # (`to_pandas` would otherwise turn gaps in integer columns into pd.NA)
        return _from_parquet(blob[0]).replace_schema_metadata(None)

    def benchmarks(self, run_id: str) -> pa.Table:
        rid = self.get(run_id).id
        return self.con.sql(
            f"SELECT * EXCLUDE (run_id) FROM run_benchmarks WHERE run_id = '{rid}' "
            'ORDER BY "group", indicator').to_arrow_table()

    def inputs(self, run_id: str) -> dict[str, pa.Table]:
        rec = self.get(run_id)
        out = {}
        for table, key in sorted(rec.input_keys.items()):
            out[table] = sorted_rows(self.input_table(key))
        return out

    def input_table(self, key: str) -> pa.Table:
        """The stored rows of one input (by content key), in the order they were stored."""
        blob = self.con.execute("SELECT parquet FROM input_data WHERE key = ?",
                                [key]).fetchone()
        if blob is None:  # a store written before inputs were kept as Parquet
            return self.con.sql(f'SELECT * FROM "input_{key}"').to_arrow_table()
        return _from_parquet(blob[0])

    def scheme(self, run_id: str) -> LoadedScheme:
        rec = self.get(run_id)
        return parse_scheme(rec.scheme_text, rec.scheme_source)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def _from_parquet(data: bytes) -> pa.Table:
    return pq.read_table(pa.BufferReader(data))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _record(row: dict[str, Any]) -> RunRecord:
    decoded = {k: json.loads(row[k]) for k in ("fingerprints", "input_keys", "statements",
                                               "warnings", "class_counts")}
    plain = {k: v for k, v in row.items() if k not in decoded}
    plain["label"] = plain.get("label") or ""
    return RunRecord(**plain, **decoded)
