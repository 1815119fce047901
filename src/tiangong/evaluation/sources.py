"""Find, check and fingerprint the canonical input tables before any work starts.

A data folder holds `enterprises`, and optionally `events` and `tenancies`, as Parquet or CSV
(one file each, or a folder of files). Every problem (missing file, missing column, duplicate
enterprise) is collected and reported together, naming the file and the columns it found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tiangong.errors import DataError, Problem, raise_if_any
from tiangong.evaluation import canonical

SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class InputSet:
    """Where each canonical table comes from, and a fingerprint of its bytes."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    tables: dict[str, pa.Table] = field(default_factory=dict)  # in-memory inputs (API, what-if)

    def fingerprints(self) -> dict[str, str]:
        out = {}
        for name, paths in sorted(self.files.items()):
            digest = hashlib.sha256()
            for p in paths:
                with p.open("rb") as fh:
                    for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):  # type: ignore[misc]
                        digest.update(chunk)
            out[name] = digest.hexdigest()
        for name, table in sorted(self.tables.items()):
            out[name] = table_fingerprint(table)
        return out


def table_fingerprint(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        return list(pq.read_schema(path).names)
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        return [h.strip().strip('"') for h in fh.readline().rstrip("\r\n").split(",")]


def find_inputs(data_dir: Path) -> InputSet:
    problems: list[Problem] = []
    if not data_dir.is_dir():
        raise DataError([Problem("data folder not found", str(data_dir))])
    files: dict[str, list[Path]] = {}
    for table in canonical.TABLES:
        found = [data_dir / f"{table}{s}" for s in SUFFIXES if (data_dir / f"{table}{s}").is_file()]
        folder = data_dir / table
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
        if not found:
            if table == "enterprises":
                present = ", ".join(sorted(p.name for p in data_dir.iterdir())) or "nothing"
                problems.append(Problem(
                    f"no enterprises.parquet or enterprises.csv (found: {present}); "
                    "run 'tiangong intake' on departmental exports or 'tiangong demo generate'",
                    str(data_dir)))
            continue
        if len({p.suffix.lower() for p in found}) > 1:
            problems.append(Problem("mix of .parquet and .csv for one table; keep one format",
                                    str(data_dir), field=table))
            continue
        files[table] = found
        required = [c.name for c in canonical.TABLES[table] if c.required]
        for path in found:
            try:
                header = _header(path)
            except (OSError, pa.ArrowInvalid) as err:
                problems.append(Problem(f"cannot read: {err}", str(path)))
                continue
            missing = [c for c in required if c not in header]
            if missing:
                problems.append(Problem(
                    f"missing required column(s) {', '.join(missing)}; "
                    f"columns found: {', '.join(header)}", str(path), line=1))
    raise_if_any(problems, DataError, f"input data in {data_dir} cannot be evaluated")
    return InputSet(files=files)


def empty_table(table: str) -> pa.Table:
    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(),
             "DATE": pa.date32()}
    cols = canonical.TABLES[table]
    return pa.table({c.name: pa.array([], types[c.sql_type]) for c in cols})


def column_types(table: str) -> dict[str, str]:
    return {c.name: c.sql_type for c in canonical.TABLES[table]}
