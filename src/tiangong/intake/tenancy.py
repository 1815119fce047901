"""Tenancies: link both parties of every letting, and apply the county's land rule.

A tenancy export (出租方 / 承租方 with codes, 租赁用地面积, 租赁建筑面积) names two firms per row.
The landlord sits in the usual uscc / name columns and is linked like any record; the tenant is
linked in the same pass through a *view* of the file (`tenant_views`) whose source is
`tenancy_tenant`, so both parties share one linking model and the crosswalk keys them apart. A
row is used only when both parties are linked; otherwise it is quarantined with the tenant's
reason, and the file still reconciles.

Schemes already express three of the four land rules of domain.md §3 through the tenancies
table: deduct land let out (`eval_tax / (land_area - leased_out_area)`), penalty points per
tenant (`tenant_count`, per_unit), and a tenant evaluated on its own record. What an expression
cannot do is move numbers between firms, so `apply_land_rule` does it at intake, explicitly:

- `separate` (default): nothing changes; every firm is evaluated on its own record.
- `leased`: a tenant is evaluated on at least the land it rents: where its reported land is
  missing or smaller than its leases' land area, land_area becomes that area (a survey-style
  land file may already list the rented land as the tenant's, so the two are never added).
- `merge`: each tenant is merged into its landholder (the landlord it rents most land from):
  its tax, revenue, value added, energy, electricity, emissions, water, employees, R&D and
  investment are added to the landholder, its land beyond what it rents there is added too, its
  events count for the landholder, and its row and that letting leave the tables. A tenant that
  itself lets land is not merged (a chain; reported).

Every change is itemised in the reconciliation (one row per measure) and in the quality report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from tiangong.evaluation.canonical import TENANCY_COLUMNS
from tiangong.intake.headers import split_unit
from tiangong.intake.quality import QualityRow

if TYPE_CHECKING:
    from tiangong.intake.loaded import LoadedFile

LandRule = Literal["separate", "leased", "merge"]
LAND_RULES: tuple[str, ...] = ("separate", "leased", "merge")
TENANT_SOURCE = "tenancy_tenant"
REASON_TENANT_NOT_LINKED = "tenant not linked"
REASON_SELF_LETTING = "landlord and tenant are the same firm"
REASON_OUTSIDE_YEAR = "tenancy outside the year"
ADDITIVE = ("eval_tax", "revenue", "value_added", "energy_tce", "electricity", "emissions",
            "water", "employees", "rd_expense", "tech_invest")
RECONCILED = {"eval_tax": "万元", "electricity": "万kWh", "land_area": "亩", "emissions": "吨"}
_SQUARE_METRES = {"平方米", "㎡", "m2", "m²", "平米"}


@dataclass
class LandRuleResult:
    """Tables after the rule, and what it did (for the reconciliation and the land list)."""

    enterprises: pd.DataFrame
    tenancies: pd.DataFrame
    events: pd.DataFrame
    adjustments: pd.DataFrame  # reconciliation rows, one per reconciled measure
    merged: pd.DataFrame  # tenant_uscc, tenant_name, landlord_uscc, landlord_name, land_area
    notes: dict[str, str] = field(default_factory=dict)  # uscc → remark for the land list
    quality: list[QualityRow] = field(default_factory=list)


def tenant_views(files: list[LoadedFile]) -> list[LoadedFile]:
    """One view per tenancy file with the tenant's code and name as uscc / name."""
    views = []
    for f in files:
        if f.source != "tenancy":
            continue
        frame = f.intake.frame
        view = pd.DataFrame(index=frame.index)
        view["uscc"] = frame.get("tenant_uscc")
        view["name"] = frame.get("tenant_name")
        if "year" in frame:
            view["year"] = frame["year"]
        views.append(replace(f, source=TENANT_SOURCE, intake=replace(f.intake, frame=view),
                             status=f.status.copy(),
                             uscc=pd.Series(None, index=frame.index, dtype=object)))
    return views


def _floor_area(f: LoadedFile) -> tuple[pd.Series, list[QualityRow]]:
    frame = f.intake.frame
    if "floor_area_m2" not in frame:
        return pd.Series(np.nan, index=frame.index), []
    header = f.intake.columns.get("floor_area_m2", "")
    unit = next((u for part in reversed(header.split("|")) if (u := split_unit(part)[1])), None)
    if unit is None or unit.lower() in _SQUARE_METRES:
        return frame["floor_area_m2"].astype(float), []
    return pd.Series(np.nan, index=frame.index), [QualityRow(
        str(f.path), f.intake.raw.sheet or "", None, header, unit, "floor_area_unit", "error",
        "column not loaded: 租赁建筑面积 is read in 平方米 only")]


def _outside(frame: pd.DataFrame, year: int) -> pd.Series:
    """True where the lease ended before the year began or began after it ended."""
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    out = pd.Series(False, index=frame.index)
    if "end_date" in frame:
        out |= (pd.to_datetime(frame["end_date"], errors="coerce") < first).fillna(False)
    if "start_date" in frame:
        out |= (pd.to_datetime(frame["start_date"], errors="coerce") > last).fillna(False)
    return out


def combine_parties(files: list[LoadedFile], views: list[LoadedFile],
                    year: int) -> tuple[pd.DataFrame, list[QualityRow]]:
    """Fold the tenant view's fate into each tenancy row; return the canonical tenancies."""
    parts, quality = [], []
    by_key = {v.key: v for v in views}
    for f in files:
        if f.source != "tenancy":
            continue
        v = by_key[f.key]
        tenant_bad = (f.status == "used") & (v.status != "used")
        reason = v.status.replace({"not linked": REASON_TENANT_NOT_LINKED})
        f.status[tenant_bad] = reason[tenant_bad]
        same = (f.status == "used") & (f.uscc == v.uscc)
        f.status[same] = REASON_SELF_LETTING
        f.status[(f.status == "used") & _outside(f.intake.frame, year)] = REASON_OUTSIDE_YEAR
        f.uscc[f.status != "used"] = None
        ok = f.status == "used"
        floor, problems = _floor_area(f)
        quality += problems
        frame = f.intake.frame
        land = frame["land_area"] if "land_area" in frame else pd.Series(np.nan, frame.index)
        parts.append(pd.DataFrame({
            "year": year, "landlord_uscc": f.uscc[ok].astype(str), "tenant_uscc":
            v.uscc[ok].astype(str), "land_area": land[ok].astype(float),
            "floor_area_m2": floor[ok].astype(float), "_file": f.path.name,
            "_row": frame.index[ok].astype(int)}))
    cols = [c.name for c in TENANCY_COLUMNS]
    if not parts:
        return pd.DataFrame(columns=cols), quality
    table = pd.concat(parts, ignore_index=True).sort_values(
        ["landlord_uscc", "tenant_uscc", "_file", "_row"], kind="stable")
    return table[cols].reset_index(drop=True), quality


def _sums(ent: pd.DataFrame) -> dict[str, float]:
    return {m: float(ent[m].sum()) for m in RECONCILED}


def _adjustments(rule: str, before: dict[str, float], after: dict[str, float],
                 firms: int, what: str) -> pd.DataFrame:
    rows = [{"file": f"用地规则 {rule}", "sheet": "", "source": "land_rule", "rows_read": 0,
             "rows_used": 0, "rows_quarantined": 0, "rows_excluded": 0,
             "reasons": f"{firms} {what}", "measure": m, "unit": unit, "before": before[m],
             "used": np.nan, "quarantined": np.nan, "after": after[m],
             "difference": before[m] - after[m]} for m, unit in RECONCILED.items()]
    return pd.DataFrame(rows)


def _info(uscc: str, column: str, value: str, rule: str, action: str) -> QualityRow:
    return QualityRow("enterprises", "", None, column, f"{uscc}: {value}", rule, "info", action)


def apply_land_rule(ent: pd.DataFrame, tenancies: pd.DataFrame, events: pd.DataFrame,
                    rule: str) -> LandRuleResult:
    """Apply `rule` (see the module docstring) to the enterprise, tenancy and event tables."""
    if rule not in LAND_RULES:
        raise ValueError(f"unknown land rule {rule!r}; choose one of {', '.join(LAND_RULES)}")
    empty = pd.DataFrame(columns=["tenant_uscc", "tenant_name", "landlord_uscc",
                                  "landlord_name", "land_area"])
    out = LandRuleResult(ent.copy(), tenancies.copy(), events.copy(), pd.DataFrame(), empty)
    if rule == "separate":
        return out
    before = _sums(ent)
    if rule == "leased":
        _leased(out)
        what = "tenants evaluated on the land they rent"
    else:
        _merge(out)
        what = "tenants merged into their landholders"
    firms = len(out.merged) if rule == "merge" else len(out.notes)
    out.adjustments = _adjustments(rule, before, _sums(out.enterprises), firms, what)
    return out


def _leased(out: LandRuleResult) -> None:
    ent, ten = out.enterprises, out.tenancies
    rented = ten.groupby("tenant_uscc")["land_area"].sum(min_count=1)
    have = ent["land_area"].astype(float)
    leased = ent["uscc"].map(rented).astype(float)
    fill = leased.notna() & (have.isna() | (have < leased))
    for uscc, old, new in zip(ent.loc[fill, "uscc"], have[fill], leased[fill], strict=True):
        text = "无" if np.isnan(old) else f"{old:g}"
        out.notes[uscc] = f"按租入用地面积 {new:g} 亩评价(原 {text})"
        out.quality.append(_info(uscc, "land_area", f"{text} → {new:g}", "land_from_tenancy",
                                 "tenant evaluated on the land it rents (land rule leased)"))
    ent.loc[fill, "land_area"] = leased[fill]


def _merge(out: LandRuleResult) -> None:
    ent, ten = out.enterprises.set_index("uscc", drop=False), out.tenancies
    known = ten["tenant_uscc"].isin(ent.index) & ten["landlord_uscc"].isin(ent.index)
    lets = set(ten["landlord_uscc"])
    chain = known & ten["tenant_uscc"].isin(lets)
    for uscc in sorted(set(ten.loc[chain, "tenant_uscc"])):
        out.quality.append(QualityRow("tenancies", "", None, "tenant_uscc", uscc,
                                      "tenancy_chain_not_merged", "warning",
                                      "tenant also lets land: evaluated on its own record"))
    pairs = (ten[known & ~chain].groupby(["tenant_uscc", "landlord_uscc"], as_index=False)
             [["land_area", "floor_area_m2"]].sum(min_count=1))
    pairs = pairs.assign(_land=pairs["land_area"].fillna(0.0),
                         _floor=pairs["floor_area_m2"].fillna(0.0))
    host = (pairs.sort_values(["tenant_uscc", "_land", "_floor", "landlord_uscc"],
                              ascending=[True, False, False, True], kind="stable")
            .drop_duplicates("tenant_uscc").reset_index(drop=True))
    if host.empty:
        return
    tenants = ent.loc[host["tenant_uscc"]]
    to = host["landlord_uscc"].to_numpy()
    for col in ADDITIVE:
        add = pd.Series(tenants[col].to_numpy(float), index=to).groupby(level=0).sum(min_count=1)
        ent.loc[add.index, col] = ent.loc[add.index, col].astype(float).add(add, fill_value=0.0)
    excess = (tenants["land_area"].fillna(0.0).to_numpy(float) - host["_land"].to_numpy())
    extra = pd.Series(np.clip(excess, 0.0, None), index=to).groupby(level=0).sum()
    extra = extra[extra > 0]
    ent.loc[extra.index, "land_area"] = ent.loc[extra.index, "land_area"].astype(float).add(
        extra, fill_value=0.0)
    names = ent["name"]
    out.merged = pd.DataFrame({
        "tenant_uscc": host["tenant_uscc"], "tenant_name": host["tenant_uscc"].map(names),
        "landlord_uscc": host["landlord_uscc"], "landlord_name": host["landlord_uscc"].map(names),
        "land_area": host["land_area"]})
    for r in out.merged.itertuples():
        out.notes[str(r.tenant_uscc)] = f"并入出租方 {r.landlord_name}({r.landlord_uscc}) 合并评价"
        out.quality.append(_info(str(r.tenant_uscc), "", f"→ {r.landlord_uscc}",
                                 "tenant_merged", "tenant merged into its landholder "
                                 "(land rule merge)"))
    for landlord, k in host["landlord_uscc"].value_counts().sort_index().items():
        out.notes[str(landlord)] = f"含并入合并评价的承租方 {k} 户"
    gone = set(host["tenant_uscc"])
    out.enterprises = ent[~ent.index.isin(gone)].reset_index(drop=True)
    pair_key = ten["tenant_uscc"] + "|" + ten["landlord_uscc"]
    merged_key = set(host["tenant_uscc"] + "|" + host["landlord_uscc"])
    out.tenancies = ten[~pair_key.isin(merged_key)].reset_index(drop=True)
    moved = dict(zip(host["tenant_uscc"], host["landlord_uscc"], strict=True))
    if not out.events.empty:
        out.events["uscc"] = out.events["uscc"].map(lambda u: moved.get(u, u))
