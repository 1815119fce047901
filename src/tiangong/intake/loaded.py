"""One sheet of one export after loading: the type every intake stage passes along.

It lives in a module of its own because loading, linking, aggregating, tenancies, the review
queue, the land list and the ledger all read or fill it; kept in any one of them it would tie
the others into an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tiangong.intake.canonical import Intake


@dataclass
class LoadedFile:
    """One recognised sheet of an input file (a CSV is one sheet): its source, the intake, and
    the fate of each data row."""

    path: Path
    source: str
    intake: Intake
    status: pd.Series  # index = file row; "used" or a quarantine reason
    uscc: pd.Series  # index = file row; linked uscc (or None)
    method: pd.Series | None = None  # index = file row; linking method (registry: None)

    @property
    def sheet(self) -> str:
        """The worksheet's name ("" for a CSV file)."""
        return self.intake.raw.sheet or ""

    @property
    def key(self) -> tuple[Path, str]:
        """(file, sheet): what identifies this part of the exports."""
        return self.path, self.sheet


@dataclass(frozen=True)
class UnreadSheet:
    """A sheet (or a whole file) intake did not load, and why: not recognised (with the
    headers it had, so the analyst sees what it was), empty, skipped by the manifest, or of a
    file type intake cannot read. Its rows are in the ledger as excluded."""

    path: Path
    sheet: str
    reason: str  # "sheet_not_recognised" | "empty_sheet" | "skipped" | "file_not_supported"
    headers: tuple[str, ...] = ()
    rows: tuple[int, ...] = ()  # physical rows (as the user sees them)
    note: str = ""  # how recognition ended
