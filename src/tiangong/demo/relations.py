"""Tenancies and events of the demo firms.

Schemes treat landlords, tenants and events specially (tenants merged or evaluated on floor
area, landlords penalised per tenant, a major accident forcing class D), so the demo must
contain each case at about the rate counties see: ~5 % of firms let land to 1–3 others of the
same county (mostly 规下), and ~2–3 % of firm-years carry an event, a few of them major.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tiangong.demo import vocabulary as vocab
from tiangong.demo.names import ranks_within
from tiangong.evaluation.sources import empty_table

MU_M2 = 666.67  # square metres per 亩


@dataclass(frozen=True)
class Tenancies:
    """Firm indices of each letting, with its area and the first year it held."""

    landlord: np.ndarray
    tenant: np.ndarray
    land_area: np.ndarray  # 亩
    floor_area_m2: np.ndarray
    since: np.ndarray  # first data year of the tenancy


def make_tenancies(rng: np.random.Generator, county: np.ndarray, above: np.ndarray,
                   land: np.ndarray, year: int) -> Tenancies:
    """Landlords (规上 three times as likely) and their tenants from the same county."""
    n = county.size
    landlord = rng.random(n) < np.where(above, 0.09, 0.03)
    k = np.searchsorted([0.55, 0.85], rng.random(n), side="right") + 1  # 1–3 tenants
    slots_of = np.repeat(np.flatnonzero(landlord), k[landlord])  # grouped by county already
    # Candidates: non-landlords of each county, 规下 first in a random order (some 规上 too).
    cand = np.flatnonzero(~landlord)
    key = county[cand] + 0.5 * rng.random(cand.size) + np.where(above[cand], 0.45, 0.0)
    cand = cand[np.argsort(key, kind="stable")]
    n_counties = int(county.max()) + 1 if n else 0
    cand_count = np.bincount(county[cand], minlength=n_counties)
    cand_start = np.cumsum(cand_count) - cand_count
    slot_county = county[slots_of]
    rank = ranks_within(slot_county, n_counties)
    ok = rank < cand_count[slot_county]
    slots_of, slot_county, rank = slots_of[ok], slot_county[ok], rank[ok]
    tenant = cand[cand_start[slot_county] + rank]
    share = rng.uniform(0.05, 0.25, slots_of.size)
    area = np.round(land[slots_of] * share, 2)
    floor = np.round(area * MU_M2 * rng.uniform(0.8, 2.0, slots_of.size))
    since = np.where(rng.random(slots_of.size) < 0.15, year, year - 10)
    return Tenancies(slots_of, tenant, area, floor, since)


def tenancy_table(t: Tenancies, uscc: pa.Array, alive: dict[int, np.ndarray]) -> pa.Table:
    """One row per letting per year in which both firms have data rows."""
    parts = [empty_table("tenancies")]
    for y, present in sorted(alive.items()):
        keep = (t.since <= y) & present[t.landlord] & present[t.tenant]
        parts.append(pa.table({
            "year": pa.array(np.full(int(keep.sum()), y, dtype=np.int32)),
            "landlord_uscc": uscc.take(t.landlord[keep]),
            "tenant_uscc": uscc.take(t.tenant[keep]),
            "land_area": pa.array(t.land_area[keep]),
            "floor_area_m2": pa.array(t.floor_area_m2[keep]),
        }, schema=parts[0].schema))
    return pa.concat_tables(parts).combine_chunks()


def event_table(rng: np.random.Generator, uscc: pa.Array,
                alive: dict[int, np.ndarray]) -> pa.Table:
    """Events on ~2.5 % of firm-years; a firm may have several in a year."""
    types = list(vocab.EVENT_WEIGHTS)
    weights = np.cumsum(list(vocab.EVENT_WEIGHTS.values()))
    texts = [t for name in types for t in vocab.EVENT_DESCRIPTIONS[name]]
    counts = np.array([len(vocab.EVENT_DESCRIPTIONS[name]) for name in types])
    major_share = np.array([{"safety_accident": 0.12, "env_violation": 0.08}.get(t, 0.05)
                            for t in types])
    texts += [vocab.MAJOR_DESCRIPTIONS[name] for name in types]
    parts = [empty_table("events")]
    for y, present in sorted(alive.items()):
        firms = np.flatnonzero(present)
        m = rng.binomial(firms.size, 0.025)
        who = np.sort(firms[rng.integers(0, firms.size, m)])
        kind = np.minimum(np.searchsorted(weights / weights[-1], rng.random(m), side="right"),
                          len(types) - 1)
        major = rng.random(m) < major_share[kind]
        text = np.where(major, counts.sum() + kind,
                        (np.cumsum(counts) - counts)[kind] + (rng.random(m) * counts[kind]).astype(
                            np.int64))
        day = rng.integers(0, 365, m) + int(np.datetime64(f"{y}-01-01", "D").astype(np.int64))
        parts.append(pa.table({
            "uscc": uscc.take(who), "year": pa.array(np.full(m, y, dtype=np.int32)),
            "event_type": pa.array(types).take(kind),
            "event_date": pa.array(day.astype(np.int32), pa.date32()),
            "severity": pa.array(["general", "major"]).take(major.astype(np.int64)),
            "description": pa.array(texts).take(text),
        }, schema=parts[0].schema))
    return pa.concat_tables(parts).combine_chunks()
