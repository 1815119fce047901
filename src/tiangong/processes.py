"""Leftovers of processes that were killed: which are theirs, and whether they are gone.

A process killed with `kill -9` runs no cleanup, so its temporary folders stay. Each such folder
is named with its process id; the next run removes those whose process no longer exists and
leaves alone those of processes still running (another run at the same time).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def owner(name: str, prefix: str) -> int | None:
    """The process id in `name` (`<prefix><pid>-...`), or None when it carries none."""
    head = name[len(prefix):].split("-")[0] if name.startswith(prefix) else ""
    return int(head) if head.isdigit() else None


def sweep(folder: Path, prefix: str) -> None:
    """Remove the folders `<prefix><pid>-*` in `folder` whose process is gone."""
    try:
        entries = list(Path(folder).glob(f"{prefix}*"))
    except OSError:
        return
    for path in entries:
        pid = owner(path.name, prefix)
        if pid is not None and path.is_dir() and not pid_alive(pid):
            shutil.rmtree(path, ignore_errors=True)
