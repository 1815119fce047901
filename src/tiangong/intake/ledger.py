"""The row-level ledger: every physical row of every sheet of every file, and its fate.

A wrong value is a wrong class, and a county must be able to show a department where each of
its rows went. So every intake writes one row per physical row of the exports (file, sheet, the
row number the spreadsheet user sees or the CSV's physical line, the source, the firm it was
linked to and how, and whether it was used; if not, why): title, header, unit and 栏次 rows,
blank lines, 合计 and notes, duplicates, sheets nothing recognised, quarantined records. The
reconciliation is computed from it, so `read = used + quarantined + excluded` holds for every
sheet by construction and nothing can drop out unseen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.intake.loaded import LoadedFile, UnreadSheet
from tiangong.intake.row_rules import EXCLUDING_REASONS

COLUMNS = ("file", "sheet", "row", "source", "status", "reason", "uscc", "method")
USED, QUARANTINED, EXCLUDED = "used", "quarantined", "excluded"


def _part(file: str, sheet: str, rows: np.ndarray, source: str, status: np.ndarray,
          reason: np.ndarray, uscc: np.ndarray, method: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"file": file, "sheet": sheet, "row": rows.astype(np.int64),
                         "source": source, "status": status, "reason": reason, "uscc": uscc,
                         "method": method})


def sheet_ledger(f: LoadedFile) -> pd.DataFrame:
    """The rows of one loaded sheet: rows above the data and rows set aside (excluded), then
    each data row used or quarantined with its reason."""
    raw = f.intake.raw
    aside = [*raw.above, *raw.excluded]
    n = len(aside)
    excluded = _part(f.path.name, f.sheet, np.array([e.row for e in aside], dtype=np.int64),
                     f.source, np.full(n, EXCLUDED, dtype=object),
                     np.array([e.reason for e in aside], dtype=object),
                     np.full(n, None, dtype=object), np.full(n, None, dtype=object))
    status = f.status.to_numpy(dtype=object)
    used = status == USED
    aside_on_purpose = np.isin(status, list(EXCLUDING_REASONS))
    method = f.method.to_numpy(dtype=object) if f.method is not None else \
        np.full(status.size, "registry" if f.source == "registry" else None, dtype=object)
    data = _part(f.path.name, f.sheet, f.status.index.to_numpy(), f.source,
                 np.where(used, USED, np.where(aside_on_purpose, EXCLUDED, QUARANTINED))
                 .astype(object),
                 np.where(used, np.array(None, dtype=object), status).astype(object),
                 np.where(used, f.uscc.to_numpy(dtype=object),
                          np.array(None, dtype=object)).astype(object),
                 method)
    return pd.concat([excluded, data], ignore_index=True)


def unread_ledger(u: UnreadSheet) -> pd.DataFrame:
    n = len(u.rows)
    none = np.full(n, None, dtype=object)
    return _part(u.path.name, u.sheet, np.asarray(u.rows, dtype=np.int64), "",
                 np.full(n, EXCLUDED, dtype=object), np.full(n, u.reason, dtype=object), none,
                 none)


def build_ledger(files: list[LoadedFile], unread: list[UnreadSheet]) -> pd.DataFrame:
    """The whole intake's ledger, in file, sheet and row order (the same exports give the same
    bytes)."""
    keyed = [((f.path.name, f.sheet), sheet_ledger(f)) for f in files] + [
        ((u.path.name, u.sheet), unread_ledger(u)) for u in unread]
    if not keyed:
        return pd.DataFrame(columns=list(COLUMNS))
    # sheets in (file, sheet) order, each in row order: no sort over millions of strings
    parts = [part.iloc[np.argsort(part["row"].to_numpy(), kind="stable")]
             for _, part in sorted(keyed, key=lambda kv: kv[0])]
    out = pd.concat(parts, ignore_index=True)
    for col in ("file", "sheet", "source", "status", "reason", "method"):
        out[col] = out[col].astype("category")
    return out


def counts(ledger: pd.DataFrame, unread: list[UnreadSheet] | None = None) -> pd.DataFrame:
    """Per (file, sheet): rows read, used, quarantined, excluded and the reasons with their
    counts (reasons sorted), from the ledger; sheets without a row (an empty sheet, a file
    intake cannot read) appear with zeros."""
    keys = ["file", "sheet"]
    table = ledger.groupby([*keys, "status"], observed=True).size().unstack(fill_value=0) \
        .reindex(columns=[USED, QUARANTINED, EXCLUDED], fill_value=0) if len(ledger) else \
        pd.DataFrame(columns=[USED, QUARANTINED, EXCLUDED])
    why = ledger[ledger["reason"].notna()].groupby([*keys, "reason"], observed=True).size()
    listed: dict[tuple[str, str], list[str]] = {}
    for key, v in sorted(why.items(), key=lambda kv: str(kv[0])):
        file, sheet, reason = (str(k) for k in key)  # type: ignore[attr-defined]
        listed.setdefault((file, sheet), []).append(f"{reason}: {int(v)}")
    rows = []
    for key, r in table.iterrows():
        file, sheet = (str(k) for k in key)  # type: ignore[attr-defined]
        rows.append({"file": file, "sheet": sheet, "rows_read": int(r.sum()),
                     "rows_used": int(r[USED]), "rows_quarantined": int(r[QUARANTINED]),
                     "rows_excluded": int(r[EXCLUDED]),
                     "reasons": "; ".join(listed.get((file, sheet), []))})
    seen = {(r["file"], r["sheet"]) for r in rows}
    for u in unread or []:
        if (u.path.name, u.sheet) not in seen:
            rows.append({"file": u.path.name, "sheet": u.sheet, "rows_read": 0, "rows_used": 0,
                         "rows_quarantined": 0, "rows_excluded": 0, "reasons": u.reason})
    return pd.DataFrame(rows, columns=["file", "sheet", "rows_read", "rows_used",
                                       "rows_quarantined", "rows_excluded", "reasons"])
