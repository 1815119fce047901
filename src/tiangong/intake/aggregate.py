"""Per-enterprise sums of the records that were used: one row per firm of the roster.

Departments report per account (户号), parcel (宗地), pollutant or invoice, but schemes score
firms, so additive measures are summed per firm; the statistics report already has one row per
firm and is taken as it is. Only rows with status "used" count, so what was quarantined is
never in the tables and always in the reconciliation (`tiangong.intake.reconcile`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.evaluation.canonical import ENTERPRISE_COLUMNS, EVENT_COLUMNS, EVENT_TYPES
from tiangong.intake.loaded import LoadedFile
from tiangong.intake.severity import map_severity

# the additive measure reconciled per source (canonical units)
MEASURES = {"tax": "eval_tax", "electricity": "electricity", "land": "land_area",
            "environment": "emissions"}
UNITS = {"eval_tax": "万元", "electricity": "万kWh", "land_area": "亩", "emissions": "吨"}
STATISTICS_FIELDS = ("value_added", "revenue", "energy_tce", "employees", "rd_expense",
                     "tech_invest", "water")
SIZE_WORDS = {"规上": "above", "规模以上": "above", "是": "above", "above": "above",
              "规下": "below", "规模以下": "below", "否": "below", "below": "below"}
_EVENT_KEYS = {v: k for k, v in EVENT_TYPES.items()}


def _used(files: list[LoadedFile], source: str) -> pd.DataFrame:
    parts = []
    for f in files:
        if f.source == source:
            ok = f.status == "used"
            parts.append(f.intake.frame[ok].assign(uscc=f.uscc[ok]))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["uscc"])


def _size_class(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return SIZE_WORDS.get(str(value).strip())


def _enterprises(files: list[LoadedFile], roster: pd.DataFrame, year: int) -> pd.DataFrame:
    ent = pd.DataFrame({"uscc": roster["uscc"].to_numpy(), "name": roster["name"].to_numpy()})
    ent["year"] = year
    for col in ("industry_code", "town_name", "town_code", "county_code", "founded_date",
                "production_date"):
        ent[col] = roster[col].to_numpy() if col in roster.columns else None
    size = roster["size_class"].map(_size_class) if "size_class" in roster.columns else None
    ent["size_class"] = size.to_numpy() if size is not None else None
    key = ent["uscc"]
    for source, column in MEASURES.items():
        used = _used(files, source)
        if column in used.columns and not used.empty:
            sums = used.groupby("uscc")[column].sum(min_count=1)
            ent[column] = key.map(sums)
        else:
            ent[column] = np.nan
    stats = _used(files, "statistics")
    if not stats.empty:
        stats = stats.drop_duplicates("uscc", keep="first").set_index("uscc")
    for col in STATISTICS_FIELDS:
        ent[col] = key.map(stats[col]) if col in stats.columns else np.nan
    tax = _used(files, "tax")
    if "revenue" in tax.columns and not tax.empty:  # 规下: revenue from tax invoices
        ent["revenue"] = ent["revenue"].fillna(key.map(tax.groupby("uscc")["revenue"].sum(
            min_count=1)))
    if "industry_code" in stats.columns:
        ent["industry_code"] = ent["industry_code"].fillna(key.map(stats["industry_code"]))
    in_stats = key.isin(stats.index) if not stats.empty else pd.Series(False, index=ent.index)
    ent["size_class"] = ent["size_class"].fillna(
        pd.Series(np.where(in_stats, "above", "below"), index=ent.index))
    return ent[[c.name for c in ENTERPRISE_COLUMNS]]


def _events(files: list[LoadedFile], year: int) -> pd.DataFrame:
    used = _used(files, "events")
    cols = [c.name for c in EVENT_COLUMNS]
    if used.empty:
        return pd.DataFrame(columns=cols)
    kind = used["event_type"].astype("string").str.strip()
    detail = used["detail"].astype(object) if "detail" in used else \
        pd.Series(None, index=used.index, dtype=object)
    if "event_type_written" in used:  # the department's wording, kept when it differs
        written = used["event_type_written"].astype(object)
        label = kind.map(lambda t: EVENT_TYPES.get(t, t)).astype(object)
        differs = written.notna() & (written != label)
        note = "原始类型：" + written.astype(str)
        detail = detail.where(~differs, note.where(detail.isna(), note + "；" + detail.astype(str)))
    return pd.DataFrame({
        "uscc": used["uscc"].to_numpy(), "year": year,
        "event_type": kind.map(lambda t: _EVENT_KEYS.get(t, t)).to_numpy(),
        "event_date": used["event_date"].to_numpy() if "event_date" in used else None,
        "severity": map_severity(used["severity"]).to_numpy() if "severity" in used else None,
        "description": detail.to_numpy()})[cols]

