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
failed intake leaves `out_dir` as it was. `tiangong intake` then keeps the same tables in the
run store (`tiangong.runs.intakes`), where `tiangong evaluate` without --data finds them.

Each stage is a module of its own: `files` (every sheet of every file read and recognised by
content, `recognise`; loading), `row_rules` (land use, invalid areas, event types, label-less
totals), `link` (roster, linking, review queue), `aggregate` (per-enterprise sums, events),
`pollutants`, `ledger` (every physical row and its fate), `reconcile` (rows and sums accounted
for, from the ledger), `attention` (what the analyst must look at) and `write` (the folder);
this module runs them in order and keeps the names the rest of tiangong imports from here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.intake import tenancy as land_rules
from tiangong.intake.aggregate import (
    MEASURES,
    SIZE_WORDS,
    STATISTICS_FIELDS,
    UNITS,
    _enterprises,
    _events,
    _used,
)
from tiangong.intake.attention import attention
from tiangong.intake.files import KEYWORDS, SUFFIXES, Progress, detect_source, load_folder
from tiangong.intake.headers import UnitSettings
from tiangong.intake.land_list import land_list_table
from tiangong.intake.ledger import build_ledger
from tiangong.intake.link import (
    REASON_NOT_LINKED,
    REASON_OTHER_YEAR,
    REASON_REGISTRY_CODE,
    REASON_REGISTRY_DUPLICATE,
    REASON_REJECTED,
    REASON_REVIEW,
    REASON_STATISTICS_DUPLICATE,
    _link,
    _roster,
)
from tiangong.intake.loaded import LoadedFile
from tiangong.intake.manifest import IntakeManifest, load_manifest
from tiangong.intake.pollutants import pollutant_table, with_pollutant_columns
from tiangong.intake.quality import QualityRow
from tiangong.intake.reconcile import _reconcile, _status_quality
from tiangong.intake.result import IntakeResult
from tiangong.intake.review import review_table
from tiangong.intake.row_rules import LAND_USES_DEFAULT, apply_row_rules, land_use_pattern
from tiangong.intake.severity import severity_quality
from tiangong.intake.write import MERGED_HEADERS, _write

# Names other modules and tests import from here; the stage functions `assemble` calls are
# looked up in this module, so a benchmark can time them by wrapping them here.
__all__ = [
    "KEYWORDS", "MEASURES", "MERGED_HEADERS", "REASON_NOT_LINKED", "REASON_OTHER_YEAR",
    "REASON_REGISTRY_CODE", "REASON_REGISTRY_DUPLICATE", "REASON_REJECTED", "REASON_REVIEW",
    "REASON_STATISTICS_DUPLICATE", "SIZE_WORDS", "STATISTICS_FIELDS", "SUFFIXES", "UNITS",
    "IntakeResult", "LoadedFile", "assemble", "detect_source",
]


def assemble(exports_dir: str | Path, year: int, out_dir: str | Path,
             crosswalk: pd.DataFrame | str | Path | None = None,
             settings: UnitSettings | None = None, land_rule: str = "separate",
             manifest: IntakeManifest | str | Path | None = None,
             progress: Progress | None = None,
             land_uses: str = LAND_USES_DEFAULT) -> IntakeResult:
    """Read every departmental file in `exports_dir`, link, aggregate, reconcile and write
    enterprises / events / tenancies.parquet, quality.xlsx, reconciliation.csv,
    review_<year>.xlsx and land_list_<year>.xlsx into `out_dir` (see the module docstring).

    crosswalk: the analyst's decisions, as a table or the path of its Parquet file (a missing
    file is an empty crosswalk; the review workbook names the path so `tiangong review` stores
    decisions there). land_rule: separate, leased or merge (`tiangong.intake.tenancy`).
    land_uses: which parcels count by their 土地用途 — "industrial" (default), "all", or the
    words of the uses that count ("工业,仓储"; `tiangong.intake.row_rules.land_use_pattern`).
    manifest: which file is which source, headers, units, sheets (`tiangong.intake.manifest`;
    its 亩 per 平方米 applies unless `settings` is given). progress: called with (stage, done,
    total) as files are read ("read"), records linked ("link") and the folder written ("write").
    Raises DataError naming the files when any file cannot be loaded; `out_dir` is then left as
    it was."""
    if isinstance(manifest, (str, Path)):
        manifest = load_manifest(manifest)
    if settings is None and manifest is not None:
        settings = manifest.settings()
    if land_rule not in land_rules.LAND_RULES:
        raise DataError([Problem(f"unknown land rule {land_rule!r}; choose one of "
                                 + ", ".join(land_rules.LAND_RULES))])
    try:
        land_use_pattern(land_uses)
    except ValueError as e:
        raise DataError([Problem(str(e))]) from None
    crosswalk_path = None
    if isinstance(crosswalk, (str, Path)):
        from tiangong.identity.crosswalk import load_crosswalk

        crosswalk_path = Path(crosswalk).resolve()
        crosswalk = load_crosswalk(crosswalk_path)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    quality: list[QualityRow] = []
    loaded = load_folder(Path(exports_dir), settings, manifest, progress)
    quality.extend(loaded.quality)
    timings["load"] = time.perf_counter() - start
    files = [LoadedFile(p, s, i, pd.Series("used", index=i.frame.index, dtype=object),
                        pd.Series(None, index=i.frame.index, dtype=object))
             for p, s, i in loaded.sheets]
    for f in files:
        quality.extend(f.intake.quality)
    quality.extend(apply_row_rules(files, land_uses))
    t = time.perf_counter()
    if progress:
        progress("link", 0, 1)
    roster = _roster([f for f in files if f.source == "registry"], quality)
    views = land_rules.tenant_views(files)
    linked = [f for f in files if f.source != "registry"] + views
    review = _link(linked, roster, crosswalk, year, quality, progress)
    tenancies, tenancy_quality = land_rules.combine_parties(files, views, year)
    timings["link"] = time.perf_counter() - t
    if progress:
        progress("link", 1, 1)
    t = time.perf_counter()
    quality.extend(_status_quality(files))
    quality.extend(tenancy_quality + severity_quality(files))
    ent = _enterprises(files, roster, year)
    events = _events(files, year)
    pollutants = pollutant_table(_used(files, "environment"), year)
    ledger = build_ledger(files, loaded.unread)
    recon = _reconcile(files, ent, ledger, loaded.unread)
    rule = land_rules.apply_land_rule(ent, tenancies, events, land_rule)
    quality.extend(rule.quality)
    recon = pd.concat([recon, rule.adjustments], ignore_index=True) \
        if not rule.adjustments.empty else recon
    timings["aggregate"] = time.perf_counter() - t
    enterprises = with_pollutant_columns(rule.enterprises, pollutants)
    result = IntakeResult(Path(out_dir), year, enterprises, rule.events, recon, review,
                          quality, files, tenancies=rule.tenancies, merged=rule.merged,
                          land_rule=land_rule, crosswalk_path=crosswalk_path,
                          mu_per_square_metre=(settings or UnitSettings()).mu_per_square_metre,
                          exports_dir=Path(exports_dir).resolve(),
                          manifest_path=manifest.path if manifest is not None else None,
                          ledger=ledger, unread=loaded.unread, pollutants=pollutants)
    result.attention, result.warnings = attention(result)
    t = time.perf_counter()
    result.review_sheet = review_table(review, linked, roster)
    result.land_list = land_list_table(files, ent, rule.enterprises, tenancies, rule.notes)
    timings["review_and_land_list"] = time.perf_counter() - t
    t = time.perf_counter()
    if progress:
        progress("write", 0, 1)
    _write(Path(out_dir), year, result)
    if progress:
        progress("write", 1, 1)
    timings["write"] = time.perf_counter() - t
    result.seconds = time.perf_counter() - start
    result.timings = timings
    return result
