"""Outliers before min–max scaling: the group's range taken between two ranked positions.

A min–max item scores a firm by where its value lies between the group's minimum and maximum,
so one extreme firm squeezes every other firm into a corner of the scale. Schemes that trim
outliers state two percentiles (`clip: {low_percent: 5, high_percent: 95}`); the bounds are the
values at ranked positions ⌈n · p / 100⌉ (at least 1) of the n firms of the group with a value
(special classes left out, like the minimum and maximum), so both engines pick the same value
and no interpolation is involved. Values beyond the bounds count as the bounds.
"""

from __future__ import annotations

from tiangong.evaluation.pipeline.sql import case_by_group
from tiangong.evaluation.scheme.model import Item, Scheme


def clipped(scheme: Scheme) -> dict[str, dict[str, Item]]:
    """indicator → {group id → item} of the min–max items with a `clip`."""
    out: dict[str, dict[str, Item]] = {}
    for g in scheme.groups:
        for item in g.items:
            if item.method == "minmax" and item.clip is not None:
                out.setdefault(item.indicator, {})[g.id] = item
    return out


def _position(percent: float) -> str:
    basis_points = round(percent * 100)
    return f"GREATEST(1, CAST(CEIL((n * {basis_points}) / 10000e0) AS BIGINT))"


def clip_bounds_sql(scheme: Scheme, source: str = "classified") -> str:
    """One row per group and clipped indicator: `lo`, `hi` (the values at the two positions)."""
    parts = []
    for ind, items in clipped(scheme).items():
        lo = case_by_group({g: _position(i.clip.low_percent) for g, i in items.items()
                            if i.clip is not None})
        hi = case_by_group({g: _position(i.clip.high_percent) for g, i in items.items()
                            if i.clip is not None})
        ranked = (f"SELECT group_id, value_{ind} AS v, ROW_NUMBER() OVER (PARTITION BY group_id"
                  f" ORDER BY value_{ind}) AS pos, COUNT(*) OVER (PARTITION BY group_id) AS n"
                  f" FROM {source} WHERE group_id IS NOT NULL AND special_class IS NULL"
                  f" AND value_{ind} IS NOT NULL")
        parts.append(f"SELECT group_id, '{ind}' AS indicator, MAX(CASE WHEN pos = {lo} THEN v"
                     f" END) AS lo, MAX(CASE WHEN pos = {hi} THEN v END) AS hi FROM ({ranked}) r"
                     " GROUP BY group_id")
    return " UNION ALL ".join(parts)


def range_columns(scheme: Scheme, ind: str) -> tuple[str, str]:
    """SQL of the group minimum and maximum of `ind` in the benchmarks step: the clip bounds
    where the group's item clips, else the group's minimum and maximum."""
    items = clipped(scheme).get(ind)
    if not items:
        return f"gs.min_{ind}", f"gs.max_{ind}"
    lo = case_by_group({g: f"cb_{ind}.lo" for g in items}, f"gs.min_{ind}")
    hi = case_by_group({g: f"cb_{ind}.hi" for g in items}, f"gs.max_{ind}")
    return lo.replace("CASE group_id", "CASE gs.group_id"), \
        hi.replace("CASE group_id", "CASE gs.group_id")


def clip_joins(scheme: Scheme) -> str:
    return "".join(f" LEFT JOIN clip_bounds cb_{ind} ON cb_{ind}.group_id = gs.group_id"
                   f" AND cb_{ind}.indicator = '{ind}'" for ind in clipped(scheme))
