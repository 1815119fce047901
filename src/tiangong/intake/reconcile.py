"""Every row and every sum accounted for: used, quarantined or excluded, with the reason.

A county publishes classes that decide who pays more for land and power; the departments that
sent the exports must be able to check that nothing was lost or counted twice. So each file
reconciles (rows read = used + quarantined + excluded) and each measure's sum before intake
equals the sum in the enterprise table plus what was quarantined; every row not used is also a
quality row naming file, sheet and row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.intake.aggregate import MEASURES, UNITS
from tiangong.intake.link import REASON_REJECTED, REASON_REVIEW, _text_or_none
from tiangong.intake.loaded import LoadedFile
from tiangong.intake.quality import QualityRow


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
