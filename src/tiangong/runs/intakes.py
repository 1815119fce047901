"""Every intake kept in the run store, so an evaluation can name the intake its inputs came from.

A canonical folder on disk is replaced by the next intake, edited by hand, or lost; a run that
only recorded its folder's fingerprints could then say that its inputs changed but not what they
were. So `tiangong intake` also keeps its tables in the store: the canonical tables, the quality
rows and the reconciliation, with fingerprints (name, size, SHA-256) of every export file read,
the land rule, the manifest text and the crosswalk used. `tiangong evaluate` without --data reads
the latest intake of the year (and of the year before when a benchmark needs it) and records the
intake's id with the run.

Intakes are only ever added. Their tables are zstd Parquet BLOBs in the store's content-addressed
`input_data` (the same table as run inputs, keyed by a hash of the Parquet bytes, so re-running
an unchanged intake adds one row to `intakes` and no data), written in one transaction with the
intake's row: a failed intake leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tiangong import __version__
from tiangong.errors import DataError, Problem, RunNotFound
from tiangong.processes import sweep
from tiangong.runs.encode import write_parquet
from tiangong.runs.store import RunStore, _json, default_store_path

if TYPE_CHECKING:
    from tiangong.intake.result import IntakeResult

CANONICAL_TABLES = ("enterprises", "events", "tenancies")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS intakes (
    id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, year INTEGER NOT NULL, created_at VARCHAR,
    exports VARCHAR, out_dir VARCHAR, files VARCHAR, land_rule VARCHAR, crosswalk VARCHAR,
    manifest_path VARCHAR, manifest_text VARCHAR, counts VARCHAR, table_keys VARCHAR,
    tiangong_version VARCHAR
)"""
_QUALITY_SCHEMA = pa.schema([("file", pa.string()), ("sheet", pa.string()), ("row", pa.int64()),
                             ("column", pa.string()), ("value", pa.string()),
                             ("rule", pa.string()), ("severity", pa.string()),
                             ("action", pa.string())])


@dataclass(frozen=True)
class IntakeRecord:
    """One stored intake (its tables are read on demand with `intake_table`)."""

    id: str
    seq: int
    year: int
    created_at: str
    exports: str
    out_dir: str
    land_rule: str
    crosswalk: str
    manifest_path: str
    manifest_text: str
    tiangong_version: str
    files: list[dict[str, Any]] = field(default_factory=list)  # name, source, bytes, sha256
    counts: dict[str, int] = field(default_factory=dict)
    table_keys: dict[str, str] = field(default_factory=dict)  # table -> input_data key

    def summary(self) -> dict[str, Any]:
        """The fields `tiangong intakes list` prints."""
        return {"id": self.id, "year": self.year, "created_at": self.created_at,
                "enterprises": self.counts.get("enterprises", 0),
                "events": self.counts.get("events", 0),
                "tenancies": self.counts.get("tenancies", 0), "files": len(self.files),
                "land_rule": self.land_rule}


@dataclass
class IntakeInputs:
    """The tables `evaluate` reads, and the intakes they came from (the evaluated year first)."""

    tables: dict[str, pa.Table]
    intakes: list[IntakeRecord]

    def label(self) -> str:
        return ", ".join(r.id for r in self.intakes)


def save_intake(store: RunStore, result: IntakeResult) -> IntakeRecord:
    """Keep `result` as a new intake; the whole intake lands or nothing does."""
    from tiangong.intake.write import _arrow, ledger_table, pollutants_table

    tables = {t: _arrow(getattr(result, t), t) for t in CANONICAL_TABLES}
    tables["quality"] = _quality_table(result)
    tables["reconciliation"] = pa.Table.from_pandas(result.reconciliation, preserve_index=False)
    tables["ledger"] = ledger_table(result.ledger)  # every physical row and its fate
    tables["pollutants"] = pollutants_table(result.pollutants)  # emissions per pollutant
    files = _fingerprints(result)
    manifest_text = ""
    if result.manifest_path and Path(result.manifest_path).is_file():
        manifest_text = Path(result.manifest_path).read_text(encoding="utf-8")
    rec = result.reconciliation
    per_file = rec[(rec["file"] != "合计") & (rec["source"] != "land_rule")]
    counts = {"enterprises": len(result.enterprises), "events": len(result.events),
              "tenancies": len(result.tenancies), "quality_rows": len(result.quality),
              "awaiting_review": len(result.review),
              **{k: int(per_file[k].sum()) for k in ("rows_read", "rows_used",
                                                     "rows_quarantined", "rows_excluded")}}
    sweep(Path(tempfile.gettempdir()), "tiangong-intake-")  # what killed intakes left
    with tempfile.TemporaryDirectory(prefix=f"tiangong-intake-{os.getpid()}-") as tmp:
        paths = {t: Path(tmp) / f"{t}.parquet" for t in tables}
        keys = {}
        for t, table in tables.items():
            write_parquet(table, paths[t])
            keys[t] = hashlib.sha256(f"intake|{t}|{_sha256(paths[t])}".encode()).hexdigest()[:20]
        with store._transaction():
            store.con.execute(_SCHEMA)
            for t, key in keys.items():
                if store.con.execute("SELECT 1 FROM input_blobs WHERE key = ?",
                                     [key]).fetchall():
                    continue
                store.con.execute("INSERT INTO input_data SELECT ?, content FROM read_blob(?)",
                                  [key, str(paths[t])])
                store.con.execute("INSERT INTO input_blobs VALUES (?, ?, ?)",
                                  [key, t, tables[t].num_rows])
            seq = int(store.con.execute(  # type: ignore[index]
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM intakes").fetchone()[0])
            record = IntakeRecord(
                id=f"I{seq:04d}", seq=seq, year=result.year,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                exports=str(result.exports_dir or ""), out_dir=str(result.out_dir.resolve()),
                land_rule=result.land_rule, crosswalk=str(result.crosswalk_path or ""),
                manifest_path=result.manifest_path or "", manifest_text=manifest_text,
                tiangong_version=__version__, files=files, counts=counts, table_keys=keys)
            store.con.execute("INSERT INTO intakes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                              "?, ?)", _row(record))
    return record


def list_intakes(store: RunStore, year: int | None = None) -> list[IntakeRecord]:
    """Stored intakes, oldest first (of `year` only, when given)."""
    if not store.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'intakes'"
                             ).fetchall():
        return []  # a store no intake has written to yet
    rows = store.con.execute("SELECT * FROM intakes ORDER BY seq").fetchall()
    names = [d[0] for d in store.con.description or []]
    records = [_record(dict(zip(names, row, strict=True))) for row in rows]
    return [r for r in records if year is None or r.year == year]


def get_intake(store: RunStore, intake_id: str) -> IntakeRecord:
    """An intake by id (`I0002`, `2`) or `latest`."""
    records = list_intakes(store)
    if not records:
        raise RunNotFound([Problem("the store holds no intakes yet; run 'tiangong intake'",
                                   str(store.path))])
    wanted = intake_id.strip().upper()
    if wanted in ("LATEST", "LAST"):
        return records[-1]
    if wanted.isdigit():
        wanted = f"I{int(wanted):04d}"
    for r in records:
        if r.id == wanted:
            return r
    known = ", ".join(r.id for r in records[-10:])
    raise RunNotFound([Problem(f"no intake {intake_id!r}; latest intakes: {known}",
                               str(store.path))])


def intake_table(store: RunStore, record: IntakeRecord, table: str) -> pa.Table:
    """One table of a stored intake: enterprises, events, tenancies, quality, reconciliation,
    ledger, pollutants. An intake stored by an older tiangong may lack the later tables
    (ledger, pollutants): a DataError says so and how to get them, never a KeyError."""
    if table not in record.table_keys:
        held = ", ".join(sorted(record.table_keys)) or "none"
        raise DataError([Problem(
            f"intake {record.id} (tiangong {record.tiangong_version or '?'}) has no '{table}' "
            f"table: it was stored before tiangong kept it (it holds: {held}); run "
            f"'tiangong intake EXPORTS --year {record.year}' again to store a complete intake",
            str(store.path))], f"intake {record.id} lacks '{table}'")
    return store.input_table(record.table_keys[table])


def intake_inputs(store_path: Path | str | None, year: int, *,
                  prior_year: bool = False) -> IntakeInputs:
    """The canonical tables of the latest intake of `year` (and of `year - 1` when
    `prior_year`), one table per name with both years' rows. Raises DataError naming the
    store and the years it holds when one is missing."""
    path = Path(store_path) if store_path is not None else default_store_path()
    years = [year, year - 1] if prior_year else [year]
    if not path.exists():
        raise DataError([Problem(f"no --data given and no run store here, so no intake of {year}"
                                 f"; run 'tiangong intake EXPORTS --year {year}' or pass --data",
                                 str(path))], "nothing to evaluate")
    with RunStore(path, read_only=True) as store:
        stored = list_intakes(store)
        latest = {r.year: r for r in stored}  # oldest first: the last one of a year wins
        missing = [y for y in years if y not in latest]
        if missing:
            held = ", ".join(str(y) for y in sorted(latest)) or "none"
            raise DataError([Problem(
                f"no intake of {y} stored" + (" (the prior year, needed by a benchmark)"
                                              if y != year else "")
                + f"; the store holds intakes of: {held}. Run 'tiangong intake EXPORTS --year "
                f"{y}' or pass --data", str(path)) for y in missing], "nothing to evaluate")
        records = [latest[y] for y in years]
        tables = {t: pa.concat_tables([intake_table(store, r, t) for r in records],
                                      promote_options="default")
                  for t in CANONICAL_TABLES}
    return IntakeInputs(tables, records)


def _quality_table(result: IntakeResult) -> pa.Table:
    columns: dict[str, list[Any]] = {f.name: [] for f in _QUALITY_SCHEMA}
    for q in result.quality:
        for name, values in columns.items():
            v = getattr(q, name)
            values.append(None if v is None else int(v) if name == "row" else str(v))
    return pa.table(columns, schema=_QUALITY_SCHEMA)


def _fingerprints(result: IntakeResult) -> list[dict[str, Any]]:
    out, seen = [], set()
    for f in result.files:
        if f.path in seen:
            continue
        seen.add(f.path)
        try:
            out.append({"name": f.path.name, "source": f.source, "bytes": f.path.stat().st_size,
                        "sha256": _sha256(f.path)})
        except OSError as err:
            raise DataError([Problem(f"cannot fingerprint the export file: {err}",
                                     str(f.path))]) from None
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _row(r: IntakeRecord) -> list[object]:
    return [r.id, r.seq, r.year, r.created_at, r.exports, r.out_dir, _json(r.files),
            r.land_rule, r.crosswalk, r.manifest_path, r.manifest_text, _json(r.counts),
            _json(r.table_keys), r.tiangong_version]


def _record(row: dict[str, Any]) -> IntakeRecord:
    decoded = {k: json.loads(row[k]) for k in ("files", "counts", "table_keys")}
    plain: dict[str, Any] = {k: ("" if v is None else v) for k, v in row.items()
                             if k not in decoded}
    return IntakeRecord(**plain, **decoded)
