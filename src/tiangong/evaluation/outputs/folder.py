"""An output folder whose files are published together or not at all.

A run writes several files (results.parquet, results.csv, gongshi.xlsx, stability.csv, …). Were
they written into place one by one, a run killed half-way would leave the new results.parquet
beside the old gongshi.xlsx, two runs side by side that nobody can tell apart. So every file is
first written into a hidden staging folder inside the output folder (same file system, so the
moves are renames); when all are written a commit mark names them, and only then are they moved
into place, the previous run's files that this run does not write removed, and a manifest
(`.tiangong-outputs.json`) records which files form the publication.

The output folder is not replaced as a whole: it may hold the analyst's own files. A run killed
before its commit mark leaves the previous publication whole and its staging folder is removed
by the next run; one killed after the mark (a few renames) is finished by the next run, which
completes the moves before doing anything else. Either way no folder keeps two runs mixed past
the next run, and no staging or temporary leftovers survive it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from types import TracebackType

from tiangong.processes import sweep

MANIFEST = ".tiangong-outputs.json"
COMMIT_MARK = ".commit"
_STAGING = ".tiangong-staging-"
# what earlier versions left behind when killed: the store's staged results and the writers'
# temporary files, always named `.<output name>.tmp`
_LEGACY = (".results.parquet.staged",)


class OutputFolder:
    """Stage files for `path`, then `commit()` them into it in one step.

    Use as a context manager: an exception (or Ctrl-C) before `commit()` discards the staged
    files and leaves the folder as it was.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        recover(self.path)
        self.staging = self.path / f"{_STAGING}{os.getpid()}-{secrets.token_hex(4)}"
        self.staging.mkdir()

    def file(self, name: str) -> Path:
        """Where to write output `name` now (its place in the staging folder)."""
        return self.staging / name

    def commit(self) -> list[Path]:
        """Publish every staged file; returns their final paths, sorted by name."""
        names = sorted(p.name for p in self.staging.iterdir()
                       if p.is_file() and not p.name.startswith("."))
        mark = self.staging / COMMIT_MARK
        tmp = mark.with_name(f"{COMMIT_MARK}.tmp")
        tmp.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, mark)  # from here on, the next run finishes what this one started
        _roll_forward(self.path, self.staging)
        return [self.path / n for n in names]

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.staging.exists() and not (self.staging / COMMIT_MARK).exists():
            self.abort()


def published(path: Path) -> list[str]:
    """The names of the files the last completed publication put in `path`."""
    try:
        names = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def recover(path: Path) -> None:
    """Finish or discard what interrupted runs left in `path`.

    A committed staging folder is rolled forward; an uncommitted one whose process is gone is
    removed (one of a live process, another run writing into the same folder, is left alone).
    """
    for staging in sorted(Path(path).glob(f"{_STAGING}*")):
        if staging.is_dir() and (staging / COMMIT_MARK).exists():
            _roll_forward(path, staging)
    sweep(path, _STAGING)  # uncommitted: removed when their process is gone
    leftovers = [path / n for n in _LEGACY]
    leftovers += [path / f".{n}.tmp" for n in published(path)]
    leftovers += list(path.glob(".*.xlsx.tmp")) + list(path.glob(".results.*.tmp"))
    for p in leftovers:
        p.unlink(missing_ok=True)


def _roll_forward(path: Path, staging: Path) -> None:
    names = json.loads((staging / COMMIT_MARK).read_text(encoding="utf-8"))
    for old in set(published(path)) - set(names):
        (path / old).unlink(missing_ok=True)
    for name in names:
        src = staging / name
        if src.exists():
            os.replace(src, path / name)
    tmp = path / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)
