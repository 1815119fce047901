"""Which departmental file is which source, and every file loaded before anything is linked.

A county's folder holds whatever the departments sent, named as each department likes. The file
name decides first (departments name files by what they hold: 税收, 用电, 用地), the headers
decide when the name says nothing, and a manifest overrides both where neither fits. Every file
is loaded before any is linked so that all loading problems are reported at once and a failed
intake writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from tiangong.errors import DataError, Problem
from tiangong.intake.canonical import Intake, load_many
from tiangong.intake.headers import SOURCES, UnitSettings, match_header
from tiangong.intake.manifest import IntakeManifest, plan_files
from tiangong.intake.quality import QualityRow
from tiangong.intake.readers import read_table

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

