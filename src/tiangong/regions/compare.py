"""Comparisons added to a regional table: share of the parent, rank among peers, year on year.

Kept apart from the sums so each comparison has one definition used by every level: a town's
share of its county and a county's share of its city are the same arithmetic, and a rank among
the 山区26县 is the same call as a rank among the towns of one county, only with another peer key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.regions.divisions import LEVELS, Regions
from tiangong.regions.measures import CLASSES, RATIOS, TOTALS, default_direction
from tiangong.regions.ranking import rank_within

SHARED = ("n_enterprises", *(t for t, _, _ in TOTALS.values()))
CHANGED = (*SHARED, *(r.name for r in RATIOS))
SHARES = (*(f"share_{c}" for c in CLASSES), "share_special")
WHOLE = "(all)"


def add_parent_shares(out: pd.DataFrame) -> None:
    """`<total>_share_parent`: the region's part of its parent's total in the same data.

    The parent total is the sum over the parent's regions present in the results, so the shares
    of one parent's children add up to 1 whatever the parent holds outside the data. Regions
    without a parent (provinces, attribute groups) share the year's grand total.
    """
    parent = out["parent_code"].astype("string").fillna(WHOLE)
    for col in SHARED:
        whole = out.groupby([out["year"], parent])[col].transform("sum")
        out[f"{col}_share_parent"] = (out[col] / whole).where(whole > 0)


def peer_key(out: pd.DataFrame, level: str, regs: Regions, peers: str) -> pd.Series:
    """The peer group of each row: its parent, everyone, or its attribute value in the year."""
    if peers == "parent":
        return out["parent_code"].astype("string").fillna(WHOLE)
    if peers == "all":
        return pd.Series(WHOLE, index=out.index, dtype="string")
    if level not in LEVELS:
        raise DataError([Problem("attribute peer groups need a town/county/city level",
                                 "aggregate", field="peers")])
    values = regs.attribute(peers, sorted(out["year"].unique().tolist()))
    keyed = pd.DataFrame({"code": out["region_code"].astype("string"),
                          "year": out["year"].astype("Int64")})
    values = values.astype({"code": "string", "year": "Int64"})
    found = keyed.merge(values, on=["code", "year"], how="left")["value"]
    return pd.Series(found.to_numpy(), index=out.index, dtype="string")


def add_ranks(out: pd.DataFrame, level: str, regs: Regions,
              rank_by: Sequence[str] | Mapping[str, bool], peers: str) -> None:
    """`<m>_rank` (ties broken by code), `<m>_rank_tied` (1, 2, 2, 4) and `<m>_n_peers`.

    rank_by: measure names (direction from `default_direction`) or measure → higher_is_better.
    Rows of unknown region code or unknown peer group are not ranked.
    """
    out["peer_group"] = peer_key(out, level, regs, peers)
    directions = (dict(rank_by) if isinstance(rank_by, Mapping)
                  else {m: default_direction(m) for m in rank_by})
    unknown = [m for m in directions if m not in out.columns]
    if unknown:
        raise DataError([Problem(f"cannot rank by {m!r}: no such column", "aggregate",
                                 field="rank_by") for m in unknown])
    for m, higher in directions.items():
        values = out[m].where(out["region_code"].notna())
        ranks = rank_within(out.assign(_v=values), "_v", ["year", "peer_group"],
                            higher_is_better=higher)
        out[f"{m}_rank"] = ranks["rank"]
        out[f"{m}_rank_tied"] = ranks["rank_tied"]
        out[f"{m}_n_peers"] = ranks["n_peers"]


def add_year_on_year(out: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """`<m>_yoy` (relative change), `<share>_diff` (change in share) and `<m>_rank_change`.

    The base year is year − 1 from `before` or from `out` itself. A relative change from a zero or
    negative base means nothing (tax can be negative after rebates), so it is left empty there.
    Rank change is previous minus current: moving from 5th to 2nd is +3.
    """
    rank_cols = [c for c in out.columns if c.endswith("_rank")]
    cols = [c for c in (*CHANGED, *SHARES, *rank_cols) if c in out.columns]
    history = pd.concat([before.reindex(columns=["region_code", "year", *cols]),
                         out[["region_code", "year", *cols]]], ignore_index=True)
    history = history.drop_duplicates(["region_code", "year"], keep="last")
    prev = history.assign(year=history["year"] + 1)
    merged = out[["region_code", "year"]].merge(prev, on=["region_code", "year"], how="left")
    merged.index = out.index
    added: dict[str, pd.Series] = {}
    for c in CHANGED:
        base = pd.to_numeric(merged[c], errors="coerce")
        added[f"{c}_yoy"] = (out[c] / base - 1.0).where(base > 0)
    for c in SHARES:
        added[f"{c}_diff"] = out[c] - pd.to_numeric(merged[c], errors="coerce")
    for c in rank_cols:
        added[f"{c}_change"] = (merged[c].astype("Float64") - out[c].astype("Float64")
                                ).astype("Int64")
    return pd.concat([out, pd.DataFrame(added, index=out.index)], axis=1)
