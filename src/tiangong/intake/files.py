"""Every sheet of every file read, recognised by its content, and loaded before any linking.

A county's folder holds whatever the departments sent, named as each department likes, and a
workbook may hold several sources. So every sheet of every file is read (a CSV is one sheet),
and each sheet's source is decided by its headers (`tiangong.intake.recognise`; the file and
sheet names only break ties); a manifest entry decides where it names the source. A sheet
nothing decides is kept as an `UnreadSheet` with its headers, so the console, the quality
report and the ledger show it. Every file is loaded before any is linked so that all loading
problems are reported at once and a failed intake writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tiangong.errors import DataError, Problem
from tiangong.intake.canonical import Intake, checked, to_canonical
from tiangong.intake.headers import UnitSettings
from tiangong.intake.loaded import UnreadSheet
from tiangong.intake.manifest import FilePlan, IntakeManifest, check_mapping, plan_files
from tiangong.intake.pollutants import complete_total
from tiangong.intake.quality import QualityRow
from tiangong.intake.readers import SheetCells, read_sheets, sheet_table
from tiangong.intake.recognise import KEYWORDS, recognise
from tiangong.intake.sheet import _HEADER_SEARCH_ROWS, _rows

__all__ = ["KEYWORDS", "SUFFIXES", "Loaded", "detect_source", "load_folder"]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".txt", ".tsv", ".parquet",
            ".htm", ".html")
Progress = Callable[[str, int, int], None]


@dataclass
class Loaded:
    """What reading the folder gave: the loaded sheets (path, source, intake), the sheets not
    loaded, and the quality rows about them."""

    sheets: list[tuple[Path, str, Intake]] = field(default_factory=list)
    unread: list[UnreadSheet] = field(default_factory=list)
    quality: list[QualityRow] = field(default_factory=list)


def detect_source(path: Path) -> str | None:
    """The source of the first recognised sheet of a file (by content; the name breaks
    ties); None when no sheet is recognised."""
    try:
        sheets = read_sheets(path)
    except DataError:
        return None
    for cells in sheets:
        found = recognise(_head(cells), f"{path.stem} {cells.name or ''}").source
        if found:
            return found
    return None


def _head(cells: SheetCells) -> list[list[str | None]]:
    import numpy as np

    return _rows(cells.columns, np.arange(min(cells.n_rows, _HEADER_SEARCH_ROWS + 1)))


def _load_file(plan: FilePlan, settings: UnitSettings | None,
               manifest: IntakeManifest | None) -> Loaded | DataError:
    """Every sheet of one file: recognised (or as the manifest says), loaded and checked."""
    out = Loaded()
    path = plan.path
    encoding = next((e.encoding for _, e in plan.entries if e.encoding), None)
    try:
        sheets = read_sheets(path, encoding=encoding)
    except DataError as err:
        return err
    names = [c.name for c in sheets]
    problems: list[Problem] = []
    for i, e in plan.entries:
        if e.sheet is not None and e.sheet not in names and not (
                isinstance(e.sheet, int) and 0 <= e.sheet < len(sheets)):
            msg = f"{path.name} has no sheet {e.sheet!r}; its sheets: {names}"
            problems.append(manifest.problem(msg, ("files", i, "sheet")) if manifest
                            else Problem(msg, str(path)))
    whole: dict[int, list[DataError]] = {}  # entries naming no sheet: the sheets that failed
    loaded_by: set[int] = set()
    for position, cells in enumerate(sheets):
        label = cells.name or ""
        rows = tuple(cells.row_number(r) for r in range(cells.n_rows))
        picked = plan.entry_for(cells.name, position)
        entry = picked[1] if picked else None
        if entry is not None and entry.skip:
            out.unread.append(UnreadSheet(path, label, "skipped", rows=rows,
                                          note="skip: true in the manifest"))
            continue
        if cells.n_rows == 0 or all(c.null_count == len(c) for c in cells.columns):
            out.unread.append(UnreadSheet(path, label, "empty_sheet", rows=rows))
            continue
        mapping = dict(entry.columns) if entry is not None else None
        source = entry.source if entry is not None and entry.source else None
        how = "manifest"
        if source is None:
            # content first; headers a manifest maps (without naming the source) help only
            # where the built-in names recognise nothing
            rec = recognise(_head(cells), f"{path.stem} {label}")
            if rec.source is None and mapping:
                rec = recognise(_head(cells), f"{path.stem} {label}", mapping)
            if rec.source is None:
                out.unread.append(UnreadSheet(path, label, "sheet_not_recognised",
                                              tuple(rec.headers), rows, rec.how))
                continue
            source, how = rec.source, rec.how
            if manifest is not None and picked is not None:
                problems += [manifest.problem(f"{path.name} was read as {source}: {msg}", loc)
                             for loc, msg in check_mapping(entry, source,  # type: ignore[arg-type]
                                                           ("files", picked[0]))]
        options = manifest.options(entry, source) if manifest is not None else None
        try:
            raw = sheet_table(cells, path, source, options)
            intake = to_canonical(raw, source, settings, options)
            if source == "environment":
                complete_total(intake)
            intake = checked(intake)
        except KeyError:  # a mapped column the source lacks: check_mapping reported it
            continue
        except DataError as err:
            if picked is not None and entry is not None and entry.sheet is None \
                    and entry.source and len(sheets) > 1:
                whole.setdefault(picked[0], []).append(err)
                rec = recognise(_head(cells), f"{path.stem} {label}")
                out.unread.append(UnreadSheet(path, label, "sheet_not_recognised",
                                              tuple(rec.headers), rows,
                                              f"not {source} as the manifest says"))
                continue
            problems += err.problems
            continue
        if picked is not None:
            loaded_by.add(picked[0])
        if how == "headers, name as tie-breaker":
            out.quality.append(QualityRow(str(path), label, None, "", source, "source_by_name",
                                          "info", "表头同时符合多个来源，按文件名/工作表名判定"))
        out.sheets.append((path, source, intake))
    for i, errors in whole.items():
        if i not in loaded_by:
            problems += [p for e in errors for p in e.problems]
    return DataError(problems) if problems else out


def load_folder(exports: Path, settings: UnitSettings | None,
                manifest: IntakeManifest | None = None,
                progress: Progress | None = None) -> Loaded:
    """Read, recognise and load every sheet of every file in `exports` (see the module
    docstring); raise one DataError listing every file that cannot be loaded."""
    if not exports.is_dir():
        raise DataError([Problem("exports folder not found", str(exports))])
    plans, other, problems = plan_files(exports, manifest, SUFFIXES)
    title = f"the manifest does not fit {exports}; nothing was written" if problems else \
        f"intake of {exports} failed; nothing was written"
    result = Loaded()
    for path in other:
        result.unread.append(UnreadSheet(path, "", "file_not_supported",
                                         note=f"intake does not read {path.suffix or '无扩展名'} "
                                              "files"))
    n = min(2, os.cpu_count() or 1)
    order = sorted(range(len(plans)), key=lambda i: -plans[i].path.stat().st_size)
    done: dict[int, Loaded | DataError] = {}
    if progress:
        progress("read", 0, len(plans))
    pool = ThreadPoolExecutor(max_workers=n)
    try:
        futures = {i: pool.submit(_load_file, plans[i], settings, manifest) for i in order}
        for k, i in enumerate(order):
            done[i] = futures[i].result()
            if progress:
                progress("read", k + 1, len(plans))
    except BaseException:  # Ctrl-C: files not started are not started
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    for i in range(len(plans)):
        got = done[i]
        if isinstance(got, DataError):
            problems.extend(got.problems)
            continue
        result.sheets += got.sheets
        result.unread += got.unread
        result.quality += got.quality
    if not problems and not any(s == "registry" for _, s, _ in result.sheets):
        problems.append(Problem("no registry (名录) file: it is the roster every record is "
                                "linked to", str(exports)))
    if problems:
        raise DataError(problems, title)
    result.quality += [_unread_quality(u) for u in result.unread]
    return result


_UNREAD = {
    "sheet_not_recognised": ("sheet_not_recognised", "warning",
                             "未读取：无法从表头判断是哪个部门的数据，请核对或在清单中写明 source"),
    "empty_sheet": ("empty_sheet", "info", "空工作表"),
    "skipped": ("file_skipped", "info", "未读取：清单中 skip: true"),
    "file_not_supported": ("file_not_supported", "warning",
                           "未读取：不支持的文件类型（支持 xlsx/xls/csv/txt/parquet）"),
}


def _unread_quality(u: UnreadSheet) -> QualityRow:
    rule, severity, action = _UNREAD[u.reason]
    value = "表头：" + "、".join(u.headers) if u.headers else u.note
    return QualityRow(str(u.path), u.sheet, None, "", value[:500], rule, severity, action)

