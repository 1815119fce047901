"""From a folder of departmental exports to the canonical tables, reconciled and auditable.

`assemble` detects each file's source, loads it with `tiangong.intake.load`, links every record
to a firm of the registry (名录, the roster) with `tiangong.identity.linking.link`, aggregates per
enterprise (tax, electricity over 户号, land over 宗地, emissions over pollutants are summed; the
statistics report gives one row per firm) and writes enterprises / events / tenancies with the
quality report, the reconciliation and the review queue. Records that could not be linked, or
whose link is uncertain (awaiting the analyst's review), are quarantined: never used, always
counted, so every file reconciles (rows read = used + quarantined + excluded) and every sum
before intake equals the sum in the enterprise table plus the quarantined sums.

Tenancy files are linked on both parties (`tiangong.intake.tenancy`) and the county's land rule
is applied after reconciliation, its changes itemised. The analyst's crosswalk (decisions from
`tiangong review`, `tiangong.intake.review`) is applied first; records it rejects are
quarantined. Besides the tables, intake writes the review workbook with candidates and decision
columns, and the land-area list for objection (`tiangong.intake.land_list`).

Outputs are written into a temporary folder next to `out_dir` and renamed at the end, so a
failed intake leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tiangong.canonical import ENTERPRISE_COLUMNS, EVENT_COLUMNS, EVENT_TYPES
from tiangong.errors import DataError, Problem
from tiangong.intake import tenancy as land_rules
from tiangong.intake.canonical import Intake, load_many
from tiangong.intake.headers import SOURCES, UnitSettings, match_header
from tiangong.intake.land_list import land_list_table, write_land_list
from tiangong.intake.manifest import IntakeManifest, load_manifest, plan_files
from tiangong.intake.quality import QualityRow, valid_as_given, write_quality_workbook
from tiangong.intake.readers import read_table
from tiangong.intake.review import review_table, write_review_workbook
from tiangong.intake.severity import map_severity, severity_quality
from tiangong.sources import empty_table

# file-name keywords, checked in this order (用地 and 用电 both hold a one-character keyword).
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("registry", ("名录", "名单", "花名册")),
    ("events", ("事件", "违法", "违规", "事故", "处罚")),
    ("tenancy", ("租赁", "出租", "承租")),
    ("statistics", ("统计", "规上", "规模以上")),
    ("environment", ("环境", "排放", "污染", "排污")),
    ("tax", ("税",)),
    ("electricity", ("电",)),
    ("land", ("地", "宗地", "不动产")),
)
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv", ".parquet")
# the additive measure reconciled per source (canonical units)
MEASURES = {"tax": "eval_tax", "electricity": "electricity", "land": "land_area",
            "environment": "emissions"}
UNITS = {"eval_tax": "万元", "electricity": "万kWh", "land_area": "亩", "emissions": "吨"}
STATISTICS_FIELDS = ("value_added", "revenue", "energy_tce", "employees", "rd_expense",
                     "tech_invest", "water")
SIZE_WORDS = {"规上": "above", "规模以上": "above", "是": "above", "above": "above",
              "规下": "below", "规模以下": "below", "否": "below", "below": "below"}
REASON_NOT_LINKED = "not linked"
REASON_REVIEW = "awaiting review"
REASON_OTHER_YEAR = "other year"
REASON_REGISTRY_CODE = "registry row without a valid code"
REASON_REGISTRY_DUPLICATE = "duplicate registry row"
REASON_STATISTICS_DUPLICATE = "duplicate statistics record"
REASON_REJECTED = "rejected in review (not a local firm)"
_EVENT_KEYS = {v: k for k, v in EVENT_TYPES.items()}
MERGED_HEADERS = {"tenant_uscc": "承租方统一社会信用代码", "tenant_name": "承租方名称",
                  "landlord_uscc": "并入出租方统一社会信用代码", "landlord_name": "并入出租方名称",
                  "land_area": "租赁用地面积(亩)"}


@dataclass
class LoadedFile:
    """One input file: its source, the intake, and the fate of each data row."""

    path: Path
    source: str
    intake: Intake
    status: pd.Series  # index = file row; "used" or a quarantine reason
    uscc: pd.Series  # index = file row; linked uscc (or None)
    method: pd.Series | None = None  # index = file row; linking method (registry: None)


@dataclass
class IntakeResult:
    """What `assemble` wrote and the tables behind it."""

    out_dir: Path
    year: int
    enterprises: pd.DataFrame
    events: pd.DataFrame
    reconciliation: pd.DataFrame
    review: pd.DataFrame
    quality: list[QualityRow]
    files: list[LoadedFile] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    tenancies: pd.DataFrame = field(default_factory=pd.DataFrame)
    review_sheet: pd.DataFrame = field(default_factory=pd.DataFrame)  # the review workbook
    land_list: pd.DataFrame = field(default_factory=pd.DataFrame)  # 用地面积公示表
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)  # tenants merged (land rule)
    land_rule: str = "separate"
    crosswalk_path: Path | None = None
    mu_per_square_metre: float = UnitSettings().mu_per_square_metre

    def record_status(self) -> pd.DataFrame:
        """One row per data row of every file: file, row, source, status, linked uscc and the
        linking method (for a tenancy row: the landlord's)."""
        parts = [pd.DataFrame({"file": f.path.name, "row": f.status.index.astype(int),
                               "source": f.source, "status": f.status.to_numpy(),
                               "uscc": f.uscc.to_numpy(),
                               "method": None if f.method is None else f.method.to_numpy()})
                 for f in self.files]
        return pd.concat(parts, ignore_index=True)


def detect_source(path: Path) -> str | None:
    """The source of a file from its name, else from its headers; None when neither says."""
    for source, words in KEYWORDS:
        if any(w in path.stem for w in words):
            return source
    try:
        raw = read_table(path)
    except DataError:
        return None
    best, score = None, 0
    for source in SOURCES:
        found = {spec.name for h in raw.headers if (spec := match_header(h, source))}
        if not all(s.name in found for s in SOURCES[source] if s.required):
            continue
        n = len(found - {"uscc", "name", "year"})
        if n > score:
            best, score = source, n
    return best


def _year_of(value: object) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    digits = re.sub(r"\D", "", str(value))
    return int(digits[:4]) if len(digits) >= 4 else None


def _load_all(exports: Path, settings: UnitSettings | None, quality: list[QualityRow],
              manifest: IntakeManifest | None = None) -> list[tuple[Path, str, Intake]]:
    if not exports.is_dir():
        raise DataError([Problem("exports folder not found", str(exports))])
    jobs, notes, problems = plan_files(exports, manifest, detect_source, SUFFIXES)
    quality.extend(notes)
    if problems:
        raise DataError(problems, f"the manifest does not fit {exports}; nothing was written")
    loaded = []
    for (path, source, _), result in zip(jobs, load_many(jobs, settings), strict=True):
        if isinstance(result, DataError):
            problems.extend(result.problems)
        else:
            loaded.append((path, source, result))
    if not problems and not any(s == "registry" for _, s, _ in loaded):
        problems.append(Problem("no registry (名录) file: it is the roster every record is "
                                "linked to", str(exports)))
    if problems:
        raise DataError(problems, f"intake of {exports} failed; nothing was written")
    return loaded


def _roster(files: list[LoadedFile], quality: list[QualityRow]) -> pd.DataFrame:
    """Registry rows with a valid code, first occurrence of each code."""
    parts = []
    for f in files:
        frame = f.intake.frame
        code = frame["uscc"].astype("string")
        valid = pd.Series(valid_as_given(code), index=frame.index)
        f.status[~valid] = REASON_REGISTRY_CODE
        part = frame[valid].copy()
        part["file_k"], part["file_row"] = f.path.name, part.index
        parts.append(part)
        dup = part["uscc"].duplicated()
        f.status[dup[dup].index] = REASON_REGISTRY_DUPLICATE
        ok = f.status == "used"
        f.uscc[ok] = frame.loc[ok, "uscc"]
    roster = pd.concat(parts, ignore_index=True).drop_duplicates("uscc", keep="first")
    return roster.reset_index(drop=True)


def _link(files: list[LoadedFile], roster: pd.DataFrame, crosswalk: pd.DataFrame | None,
          year: int) -> pd.DataFrame:
    """Link every non-registry record; fill status / uscc; return the review queue."""
    from tiangong.identity.crosswalk import rejected_records
    from tiangong.identity.linking import link

    recs = []
    for k, f in enumerate(files):
        frame = f.intake.frame
        if "year" in frame.columns:
            other = frame["year"].map(_year_of)
            other = other.notna() & (other != year)
            f.status[other[other].index] = REASON_OTHER_YEAR
        todo = f.status == "used"
        name = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index)
        code = frame["uscc"] if "uscc" in frame.columns else pd.Series(None, index=frame.index)
        recs.append(pd.DataFrame({
            "record_id": [f"{k}:{r}" for r in frame.index[todo]],
            "name": name[todo].astype("string").fillna("").to_numpy(),
            "uscc": code[todo].astype("string").to_numpy(), "source": f.source,
            "file_k": k, "file_row": frame.index[todo].astype(int)}))
    records = pd.concat(recs, ignore_index=True) if recs else pd.DataFrame()
    if records.empty:
        return _review_frame([])
    links = _link_distinct(link, records, roster, crosswalk)
    records["rejected"] = rejected_records(crosswalk, records).to_numpy()
    records = records.merge(links, on="record_id", how="left", suffixes=("", "_linked"))
    roster_name = pd.Series(roster["name"].to_numpy(), index=roster["uscc"].to_numpy())
    review_rows = []
    for k, f in enumerate(files):
        mine = records[records["file_k"] == k]
        if mine.empty:
            continue
        rows = mine["file_row"].to_numpy()
        linked = mine["uscc_linked"]
        review = mine["review"].astype(bool).to_numpy()
        status = np.where(linked.isna().to_numpy(), REASON_NOT_LINKED,
                          np.where(review, REASON_REVIEW, "used"))
        rejected = mine["rejected"].to_numpy(bool)
        status = np.where(rejected, REASON_REJECTED, status)
        review = review & ~rejected
        f.status[rows] = status
        if f.method is None:
            f.method = pd.Series(None, index=f.status.index, dtype=object)
        f.method[rows] = mine["method"].to_numpy()
        f.uscc[rows] = linked.astype(object).where(pd.Series(status == "used",
                                                             index=linked.index)).to_numpy()
        for r in mine[review & linked.notna().to_numpy()].to_dict("records"):
            review_rows.append({
                "file": f.path.name, "sheet": f.intake.raw.sheet or "", "row": int(r["file_row"]),
                "source": f.source, "name_written": r["name"],
                "code_written": _text_or_none(r["uscc"]), "proposed_uscc": r["uscc_linked"],
                "roster_name": roster_name.get(r["uscc_linked"]), "method": r["method"],
                "confidence": float(r["confidence"]), "flag": _text_or_none(r["flag"]),
                "decision": None})
    return _review_frame(review_rows)


def _link_distinct(link: Any, records: pd.DataFrame, roster: pd.DataFrame,
                   crosswalk: pd.DataFrame | None) -> pd.DataFrame:
    """`link` once per distinct (name, code): an account's twelve monthly rows, a firm's
    parcels, pollutants and other departments' records are mostly written alike, and linking
    costs per record. The source matters to a record's link only through the analyst's
    crosswalk (decisions keyed by source and name), so it is part of the key when there is one.
    """
    keys = ["name", "uscc"] + (["source"] if crosswalk is not None and len(crosswalk) else [])
    group = records.groupby(keys, dropna=False, sort=False).ngroup()
    first = records.loc[~group.duplicated().to_numpy()]
    links = link(first[["record_id", "name", "uscc", "source"]], roster[["uscc", "name"]],
                 crosswalk).set_index("record_id").loc[first["record_id"]]
    return links.iloc[group.to_numpy()].reset_index(drop=True).assign(
        record_id=records["record_id"].to_numpy())


def _text_or_none(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _review_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    cols = ["file", "sheet", "row", "source", "name_written", "code_written", "proposed_uscc",
            "roster_name", "method", "confidence", "flag", "decision"]
    return pd.DataFrame(rows, columns=cols)


def _status_quality(files: list[LoadedFile]) -> list[QualityRow]:
    out = []
    for f in files:
        frame, sheet = f.intake.frame, f.intake.raw.sheet or ""
        bad = f.status[f.status != "used"]
        for row, status in zip(bad.index.tolist(), bad.tolist(), strict=True):
            cells = [_text_or_none(frame[c].get(row)) for c in ("uscc", "name")
                     if c in frame.columns]
            value = " / ".join(c for c in cells if c)
            severity = ("warning" if status == REASON_REVIEW else
                        "info" if status == REASON_REJECTED else "error")
            out.append(QualityRow(str(f.path), sheet, int(row), "", value,
                                  "quarantined_" + status.replace(" ", "_"), severity,
                                  f"row not used: {status}"))
    return out


def _used(files: list[LoadedFile], source: str) -> pd.DataFrame:
    parts = []
    for f in files:
        if f.source == source:
            ok = f.status == "used"
            parts.append(f.intake.frame[ok].assign(uscc=f.uscc[ok]))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["uscc"])


def _size_class(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return SIZE_WORDS.get(str(value).strip())


def _enterprises(files: list[LoadedFile], roster: pd.DataFrame, year: int) -> pd.DataFrame:
    ent = pd.DataFrame({"uscc": roster["uscc"].to_numpy(), "name": roster["name"].to_numpy()})
    ent["year"] = year
    for col in ("industry_code", "town_name", "town_code", "county_code", "founded_date",
                "production_date"):
        ent[col] = roster[col].to_numpy() if col in roster.columns else None
    size = roster["size_class"].map(_size_class) if "size_class" in roster.columns else None
    ent["size_class"] = size.to_numpy() if size is not None else None
    key = ent["uscc"]
    for source, column in MEASURES.items():
        used = _used(files, source)
        if column in used.columns and not used.empty:
            sums = used.groupby("uscc")[column].sum(min_count=1)
            ent[column] = key.map(sums)
        else:
            ent[column] = np.nan
    stats = _used(files, "statistics")
    if not stats.empty:
        stats = stats.drop_duplicates("uscc", keep="first").set_index("uscc")
    for col in STATISTICS_FIELDS:
        ent[col] = key.map(stats[col]) if col in stats.columns else np.nan
    tax = _used(files, "tax")
    if "revenue" in tax.columns and not tax.empty:  # 规下: revenue from tax invoices
        ent["revenue"] = ent["revenue"].fillna(key.map(tax.groupby("uscc")["revenue"].sum(
            min_count=1)))
    if "industry_code" in stats.columns:
        ent["industry_code"] = ent["industry_code"].fillna(key.map(stats["industry_code"]))
    in_stats = key.isin(stats.index) if not stats.empty else pd.Series(False, index=ent.index)
    ent["size_class"] = ent["size_class"].fillna(
        pd.Series(np.where(in_stats, "above", "below"), index=ent.index))
    return ent[[c.name for c in ENTERPRISE_COLUMNS]]


def _events(files: list[LoadedFile], year: int) -> pd.DataFrame:
    used = _used(files, "events")
    cols = [c.name for c in EVENT_COLUMNS]
    if used.empty:
        return pd.DataFrame(columns=cols)
    kind = used["event_type"].astype("string").str.strip()
    return pd.DataFrame({
        "uscc": used["uscc"].to_numpy(), "year": year,
        "event_type": kind.map(lambda t: _EVENT_KEYS.get(t, t)).to_numpy(),
        "event_date": used["event_date"].to_numpy() if "event_date" in used else None,
        "severity": map_severity(used["severity"]).to_numpy() if "severity" in used else None,
        "description": used["detail"].to_numpy() if "detail" in used else None})[cols]


def _reconcile(files: list[LoadedFile], ent: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for f in files:
        raw = f.intake.raw
        excluded = pd.Series([e.reason for e in raw.excluded], dtype=object)
        quarantined = f.status[f.status != "used"]
        reasons = {**quarantined.value_counts().to_dict(), **excluded.value_counts().to_dict()}
        measure = MEASURES.get(f.source)
        row: dict[str, object] = {
            "file": f.path.name, "sheet": raw.sheet or "", "source": f.source,
            "rows_read": len(raw) + len(raw.excluded),
            "rows_used": int((f.status == "used").sum()), "rows_quarantined": len(quarantined),
            "rows_excluded": len(raw.excluded),
            "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items())),
            "measure": measure or "", "unit": UNITS.get(measure or "", ""),
            "before": np.nan, "used": np.nan, "quarantined": np.nan, "after": np.nan,
            "difference": np.nan}
        if measure and measure in f.intake.frame.columns:
            values = f.intake.frame[measure]
            row["before"] = float(values.sum())
            row["used"] = float(values[f.status == "used"].sum())
            row["quarantined"] = float(values[f.status != "used"].sum())
        rows.append(row)
    table = pd.DataFrame(rows)
    for measure in UNITS:
        part = table[table["measure"] == measure]
        if part.empty:
            continue
        total = float(ent[measure].sum())
        before, held = float(part["before"].sum()), float(part["quarantined"].sum())
        rows.append({"file": "合计", "sheet": "", "source": part["source"].iloc[0],
                     "rows_read": int(part["rows_read"].sum()),
                     "rows_used": int(part["rows_used"].sum()),
                     "rows_quarantined": int(part["rows_quarantined"].sum()),
                     "rows_excluded": int(part["rows_excluded"].sum()), "reasons": "",
                     "measure": measure, "unit": UNITS[measure], "before": before,
                     "used": float(part["used"].sum()), "quarantined": held,
                     "after": total, "difference": before - total - held})
    return pd.DataFrame(rows)


def _arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    schema = empty_table(table).schema
    cols = {}
    for fld in schema:
        values = frame[fld.name] if fld.name in frame.columns else pd.Series(
            [None] * len(frame), dtype=object)
        if pa.types.is_date(fld.type):
            values = pd.to_datetime(values, errors="coerce").dt.date
        values = values.astype(object).where(values.notna(), None)
        cols[fld.name] = pa.array(values.tolist(), fld.type)
    return pa.table(cols, schema=schema)


def _write(out_dir: Path, year: int, result: IntakeResult) -> None:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        pq.write_table(_arrow(result.enterprises, "enterprises"), tmp / "enterprises.parquet")
        pq.write_table(_arrow(result.events, "events"), tmp / "events.parquet")
        pq.write_table(_arrow(result.tenancies, "tenancies"), tmp / "tenancies.parquet")
        result.reconciliation.to_csv(tmp / "reconciliation.csv", index=False,
                                     encoding="utf-8-sig")
        write_quality_workbook(result.quality, tmp / "quality.xlsx",
                               {"对账": result.reconciliation})
        write_review_workbook(result.review_sheet, tmp / f"review_{year}.xlsx", year, out_dir,
                              result.crosswalk_path)
        write_land_list(result.land_list, tmp / f"land_list_{year}.xlsx", year,
                        result.mu_per_square_metre)
        if result.land_rule == "merge":
            result.merged.rename(columns=MERGED_HEADERS).to_csv(
                tmp / "merged_tenants.csv", index=False, encoding="utf-8-sig")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def assemble(exports_dir: str | Path, year: int, out_dir: str | Path,
             crosswalk: pd.DataFrame | str | Path | None = None,
             settings: UnitSettings | None = None, land_rule: str = "separate",
             manifest: IntakeManifest | str | Path | None = None) -> IntakeResult:
    """Read every departmental file in `exports_dir`, link, aggregate, reconcile and write
    enterprises / events / tenancies.parquet, quality.xlsx, reconciliation.csv,
    review_<year>.xlsx and land_list_<year>.xlsx into `out_dir` (see the module docstring).

    crosswalk: the analyst's decisions, as a table or the path of its Parquet file (a missing
    file is an empty crosswalk; the review workbook names the path so `tiangong review` stores
    decisions there). land_rule: separate, leased or merge (`tiangong.intake.tenancy`).
    manifest: which file is which source, headers, units, sheets (`tiangong.intake.manifest`;
    its 亩 per 平方米 applies unless `settings` is given).
    Raises DataError naming the files when any file cannot be loaded; `out_dir` is then left as
    it was."""
    if isinstance(manifest, (str, Path)):
        manifest = load_manifest(manifest)
    if settings is None and manifest is not None:
        settings = manifest.settings()
    if land_rule not in land_rules.LAND_RULES:
        raise DataError([Problem(f"unknown land rule {land_rule!r}; choose one of "
                                 + ", ".join(land_rules.LAND_RULES))])
    crosswalk_path = None
    if isinstance(crosswalk, (str, Path)):
        from tiangong.identity.crosswalk import load_crosswalk

        crosswalk_path = Path(crosswalk).resolve()
        crosswalk = load_crosswalk(crosswalk_path)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    quality: list[QualityRow] = []
    loaded = _load_all(Path(exports_dir), settings, quality, manifest)
    timings["load"] = time.perf_counter() - start
    files = [LoadedFile(p, s, i, pd.Series("used", index=i.frame.index, dtype=object),
                        pd.Series(None, index=i.frame.index, dtype=object))
             for p, s, i in loaded]
    for f in files:
        quality.extend(f.intake.quality)
    t = time.perf_counter()
    roster = _roster([f for f in files if f.source == "registry"], quality)
    views = land_rules.tenant_views(files)
    linked = [f for f in files if f.source != "registry"] + views
    review = _link(linked, roster, crosswalk, year)
    tenancies, tenancy_quality = land_rules.combine_parties(files, views, year)
    timings["link"] = time.perf_counter() - t
    t = time.perf_counter()
    quality.extend(_status_quality(files))
    quality.extend(tenancy_quality + severity_quality(files))
    ent = _enterprises(files, roster, year)
    events = _events(files, year)
    recon = _reconcile(files, ent)
    rule = land_rules.apply_land_rule(ent, tenancies, events, land_rule)
    quality.extend(rule.quality)
    recon = pd.concat([recon, rule.adjustments], ignore_index=True) \
        if not rule.adjustments.empty else recon
    timings["aggregate"] = time.perf_counter() - t
    result = IntakeResult(Path(out_dir), year, rule.enterprises, rule.events, recon, review,
                          quality, files, tenancies=rule.tenancies, merged=rule.merged,
                          land_rule=land_rule, crosswalk_path=crosswalk_path,
                          mu_per_square_metre=(settings or UnitSettings()).mu_per_square_metre)
    t = time.perf_counter()
    result.review_sheet = review_table(review, linked, roster)
    result.land_list = land_list_table(files, ent, rule.enterprises, tenancies, rule.notes)
    timings["review_and_land_list"] = time.perf_counter() - t
    t = time.perf_counter()
    _write(Path(out_dir), year, result)
    timings["write"] = time.perf_counter() - t
    result.seconds = time.perf_counter() - start
    result.timings = timings
    return result
