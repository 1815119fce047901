"""Synthetic canonical data for demos, tests and benchmarks, from one county to the nation.

Nobody may ship a county's real roster, yet every part of the platform (intake, evaluation,
workbooks, the what-if search, engine benchmarks) needs realistic inputs at realistic sizes.
`generate` builds the three canonical tables for a named scale or a firm count, identical for
the same arguments (all randomness flows from `numpy.random.default_rng(seed)`), with one row
per firm per year for `years` years ending at `year`, because some benchmarks use the prior
year. Everything is vectorised: the nation scale (2.5 M firms × 2 years) takes seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tiangong.demo import vocabulary as vocab
from tiangong.demo.names import make_names
from tiangong.demo.regions import Layout, build_layout, place_firms
from tiangong.demo.relations import event_table, make_tenancies, tenancy_table
from tiangong.demo.values import finish, firm_values, year_values
from tiangong.evaluation.sources import empty_table
from tiangong.identity.uscc import make_uscc_array

SCALES: dict[str, int] = {"county": 3000, "city": 20000, "province": 120000, "nation": 2500000}
ABOVE_SHARE = 0.35  # 规上 share of evaluated firms
YOUNG_SHARE = 0.03  # founded less than two years before the end of the evaluation year
EXIT_SHARE = 0.015  # firms with rows in earlier years only (closed or moved away)


def _resolve(scale: str | int) -> tuple[str, int]:
    """Named scale, or a firm count laid out like the nearest named scale."""
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)} "
                             "or give a number of enterprises")
        return scale, SCALES[scale]
    n = int(scale)
    if n < 1:
        raise ValueError("the number of enterprises must be at least 1")
    kind = ("county" if n <= 6000 else "city" if n <= 50000 else
            "province" if n <= 400000 else "nation")
    return kind, n


def _days(date: str) -> int:
    return int(np.datetime64(date, "D").astype(np.int64))


def _dates(rng: np.random.Generator, n: int, young: np.ndarray,
           year: int) -> tuple[np.ndarray, np.ndarray]:
    """Founding and production dates as days since 1970 (production NaN when unknown)."""
    end = _days(f"{year}-12-31")
    age = np.where(young, rng.uniform(0, 730, n),
                   np.minimum(730 + rng.gamma(2.0, 4.0, n) * 365.25, 40 * 365.25))
    founded = end - np.floor(age)
    production = founded + rng.integers(30, 540, n)
    unknown = (rng.random(n) < np.where(young, 0.4, 0.15)) | (production > end)
    return founded.astype(np.int64), np.where(unknown, np.nan, production)


def generate(scale: str | int, seed: int, year: int = 2022,
             years: int = 2) -> dict[str, pa.Table]:
    """Canonical enterprises, events and tenancies (schemas of `sources.empty_table`).

    scale: a key of SCALES, or a number of enterprises (laid out as one county up to 6,000,
    one city up to 50,000, one province up to 400,000, else the nation). Exactly that many
    firms have rows in `year`; earlier years lack the firms founded since and include ~1.5 %
    that have closed, as a real roster would.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    kind, n = _resolve(scale)
    rng = np.random.default_rng(seed)
    layout = build_layout(kind, n, rng)
    total = n + (round(n * EXIT_SHARE) if years > 1 else 0)
    county, town = place_firms(layout, total, rng)
    exited = np.zeros(total, dtype=bool)
    exited[rng.choice(total, total - n, replace=False)] = True
    above = rng.random(total) < ABOVE_SHARE
    weights = np.array([w for _, _, w in vocab.INDUSTRIES])
    industry = rng.choice(weights.size, size=total, p=weights / weights.sum())
    young = (rng.random(total) < YOUNG_SHARE) & ~exited
    founded, production = _dates(rng, total, young, year)

    land = np.where(above, rng.lognormal(np.log(30), 0.85, total),
                    rng.lognormal(np.log(6), 0.75, total))
    lets = make_tenancies(rng, county, above, land, year)
    land[lets.tenant] = lets.land_area  # a tenant's land is what it rents
    land = np.maximum(np.round(land, 2), 0.3)

    # registered by the county's authority, or by the city's (code ending in 00)
    authority = np.concatenate([layout.county_code, [c + "00" for c in layout.city_code]])
    by_city = rng.random(total) >= 0.8
    uscc = make_uscc_array(rng, total, authority[county + by_city * layout.n_counties],
                           new_style=founded >= _days("2015-10-01"))
    names = make_names(rng, layout, county, industry, above)
    base = firm_values(rng, above, land, industry)
    growth = rng.normal(0.04, 0.1, total)
    # A few firms changed class: 新上规 (规下 before) and 退规 (规上 before).
    flip = rng.random(total) < np.where(above, 0.02, 0.01)
    moved = rng.random(total) < 0.03  # land grew since earlier years
    earlier_land = np.round(land * np.where(moved, rng.uniform(0.6, 0.95, total), 1.0), 2)

    founded_year = 1970 + founded.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    alive: dict[int, np.ndarray] = {}
    parts = []
    for y in range(year - years + 1, year + 1):
        present = (founded_year <= y) & ((y < year) | ~exited)
        alive[y] = present
        rows = np.flatnonzero(present)
        is_above = above if y == year else above ^ flip
        values = year_values(rng, base, growth, year - y)
        values["land_area"] = land if y == year else earlier_land
        values = finish(rng, {k: v[rows] for k, v in values.items()}, is_above[rows])
        parts.append(_year_table(y, rows, uscc, names, _layout_columns(layout, county, town, rows),
                                 is_above[rows], industry[rows], founded[rows],
                                 production[rows], values))
    return {
        "enterprises": pa.concat_tables(parts),
        "events": event_table(rng, uscc, alive),
        "tenancies": tenancy_table(lets, uscc, alive),
    }


def _layout_columns(layout: Layout, county: np.ndarray, town: np.ndarray,
                   rows: np.ndarray) -> dict[str, pa.Array]:
    """county_code, town_code and town_name of the given firms."""
    return {
        "county_code": pa.array(layout.county_code).take(county[rows]),
        "town_code": pa.array(layout.town_code).take(town[rows]),
        "town_name": pa.array(layout.town_name, pa.string()).take(town[rows]),
    }


_INDUSTRY_CODES = pa.array([code for code, _, _ in vocab.INDUSTRIES])


def _year_table(y: int, rows: np.ndarray, uscc: pa.Array, names: pa.Array,
                regions: dict[str, pa.Array], above: np.ndarray, industry: np.ndarray,
                founded: np.ndarray, production: np.ndarray,
                values: dict[str, np.ndarray]) -> pa.Table:
    schema = empty_table("enterprises").schema
    produced = ~np.isnan(production)
    columns: dict[str, pa.Array] = {
        "uscc": uscc.take(rows), "name": names.take(rows),
        "year": pa.array(np.full(rows.size, y, dtype=np.int32)),
        **regions,
        "size_class": pa.array(["below", "above"]).take(above.astype(np.int64)),
        "industry_code": _INDUSTRY_CODES.take(industry),
        "founded_date": pa.array(founded.astype(np.int32), pa.date32()),
        "production_date": pa.array(np.where(produced, production, 0).astype(np.int32),
                                    pa.date32(), mask=~produced),
    }
    for name, x in values.items():
        columns[name] = pa.array(x, pa.float64(), from_pandas=True)
    return pa.table({f.name: columns[f.name] for f in schema}, schema=schema)


def write_canonical(tables: dict[str, pa.Table], out_dir: Path) -> dict[str, Path]:
    """Write each table as `<name>.parquet` in `out_dir` (created); returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in ("enterprises", "events", "tenancies"):
        if name not in tables:
            continue
        path = out_dir / f"{name}.parquet"
        pq.write_table(tables[name], path, compression="zstd")
        paths[name] = path
    return paths
