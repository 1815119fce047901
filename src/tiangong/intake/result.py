"""What one intake produced: the tables, the reports and the row-level ledger.

A type of its own because the writer, the run store and the command line all read it while
`assemble` fills it; kept in `assemble` it tied the writer back to the pipeline (an import
circle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tiangong.intake.headers import UnitSettings
from tiangong.intake.loaded import LoadedFile, UnreadSheet
from tiangong.intake.quality import QualityRow


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
    exports_dir: Path | None = None  # the folder read (kept with a stored intake)
    manifest_path: str | None = None  # the manifest used, if any
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per physical row
    unread: list[UnreadSheet] = field(default_factory=list)  # sheets and files not loaded
    pollutants: pd.DataFrame = field(default_factory=pd.DataFrame)  # uscc, pollutant, amount
    attention: dict[str, int] = field(default_factory=dict)  # what the analyst must look at
    warnings: dict[str, int] = field(default_factory=dict)  # noted, not blocking

    def record_status(self) -> pd.DataFrame:
        """One row per data row of every sheet: file, sheet, row, source, status, linked
        uscc and the linking method (for a tenancy row: the landlord's)."""
        parts = [pd.DataFrame({"file": f.path.name, "sheet": f.sheet,
                               "row": f.status.index.astype(int),
                               "source": f.source, "status": f.status.to_numpy(),
                               "uscc": f.uscc.to_numpy(),
                               "method": None if f.method is None else f.method.to_numpy()})
                 for f in self.files]
        return pd.concat(parts, ignore_index=True)
