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
from tiangong.intake.ledger import counts
from tiangong.intake.link import REASON_REJECTED, REASON_REVIEW, _text_or_none
from tiangong.intake.loaded import LoadedFile, UnreadSheet
from tiangong.intake.quality import QualityRow

RECONCILIATION_COLUMNS = ["file", "sheet", "source", "rows_read", "rows_used", "rows_quarantined",
                          "rows_excluded", "reasons", "measure", "unit", "before", "used",
                          "quarantined", "after", "difference"]


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


def _reconcile(files: list[LoadedFile], ent: pd.DataFrame, ledger: pd.DataFrame,
               unread: list[UnreadSheet] | None = None) -> pd.DataFrame:
    """Per sheet of every file: the row counts from the ledger (read = used + quarantined +
    excluded holds by construction), the measure's sums before intake, used and quarantined;
    then per measure the totals against the enterprise table."""
    by_sheet = {(f.path.name, f.sheet): f for f in files}
    rows = []
    for rec in counts(ledger, unread).to_dict("records"):
        r = {str(k): v for k, v in rec.items()}
        f = by_sheet.get((r["file"], r["sheet"]))
        measure = MEASURES.get(f.source) if f is not None else None
        row: dict[str, object] = {
            **r, "source": f.source if f is not None else "", "measure": measure or "",
            "unit": UNITS.get(measure or "", ""), "before": np.nan, "used": np.nan,
            "quarantined": np.nan, "after": np.nan, "difference": np.nan}
        if f is not None and measure and measure in f.intake.frame.columns:
            values = f.intake.frame[measure]
            row["before"] = float(values.sum())
            row["used"] = float(values[f.status == "used"].sum())
            row["quarantined"] = float(values[f.status != "used"].sum())
        rows.append(row)
    table = pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
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
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
