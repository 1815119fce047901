"""A run encoded for the store before the store is opened.

Encoding a run (the results as the analysts' results.parquet, the inputs as zstd Parquet, the
results' digest) takes seconds at province scale. Done while the store is open, it would hold
DuckDB's file lock all that time and make every other process wait (`tiangong.runs.access`); so
`PreparedRun` does it first, in a temporary folder, and the store only copies the files in.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiangong.evaluation.evaluate import Evaluation
from tiangong.processes import sweep

INPUT_TABLES = ("enterprises", "events", "tenancies")
_TMP_PREFIX = "tiangong-store-"


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


def input_key(table: str, ev: Evaluation, data: pa.Table) -> str:
    """Content address: the source fingerprint plus the rows kept (years differ per run)."""
    basis = f"{table}|{ev.fingerprints.get(table, '')}|{data.num_rows}|{data.schema}"
    if not ev.fingerprints.get(table):
        from tiangong.evaluation.sources import table_fingerprint

        basis += "|" + table_fingerprint(data)
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


class PreparedRun:
    """`ev` encoded into files, ready to be copied into a store; a context manager (the
    temporary folder goes on exit).

    `stored_keys`: input keys the target store already holds (inputs are content-addressed,
    so re-runs on the same data do not encode them again). An input a store lacks after all
    (another store, when the first stayed busy) is encoded on demand by `input_file`.
    """

    def __init__(self, ev: Evaluation, *, results_file: Path | None = None,
                 stored_keys: frozenset[str] = frozenset()) -> None:
        if not ev.inputs:
            raise ValueError("evaluation was run with keep_inputs=False; it cannot be stored")
        self.ev = ev
        sweep(Path(tempfile.gettempdir()), _TMP_PREFIX)  # what killed runs left
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{_TMP_PREFIX}{os.getpid()}-")
        tmp = Path(self._tmp.name)
        self.input_keys = {t: input_key(t, ev, ev.inputs[t])
                           for t in INPUT_TABLES if ev.inputs.get(t) is not None}
        self._inputs = {t: tmp / f"{t}.parquet" for t in self.input_keys}
        self.results_file = results_file or tmp / "results.parquet"
        todo = [t for t, key in self.input_keys.items() if key not in stored_keys]
        # The Parquet encodings and the digest are independent and release the GIL: run them
        # side by side (at 2.5 million firms, about 9 s one after the other on two cores).
        # Each is written to a file that DuckDB reads as a BLOB, so that no encoded copy is
        # held in Python memory as well.
        # imported here: reading a stored run (explain, runs list) needs no pandas
        from tiangong.evaluation.outputs.results_table import write_results_parquet

        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs: list[Future[Any]] = [
                pool.submit(write_results_parquet, ev.results, self.results_file)]
            digest_job = pool.submit(results_digest, ev.results)
            jobs += [pool.submit(write_parquet, ev.inputs[t], self._inputs[t]) for t in todo]
            for job in jobs:
                job.result()
            self.digest: str = digest_job.result()

    def input_file(self, table: str) -> Path:
        path = self._inputs[table]
        if not path.exists():
            write_parquet(self.ev.inputs[table], path)
        return path

    def __enter__(self) -> PreparedRun:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._tmp.cleanup()


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")
