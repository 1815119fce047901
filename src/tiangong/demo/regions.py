"""Counties and towns for each demo scale, and the spreading of firms over them.

A county run needs one realistic county (黄岩, with its real towns); a city, province or nation
run needs many, each with a GB/T 2260-style code, a short name to put in firm names and its
towns. Only the few thousand regions are built in Python loops; firms are placed on them with
numpy, so the nation scale costs the same per firm as the county scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tiangong.demo import vocabulary as vocab


@dataclass(frozen=True)
class Layout:
    """Counties (index i) and towns (index j); `town_county[j]` is the county of town j."""

    county_code: np.ndarray  # 6-digit text
    county_short: list[str]  # 黄岩
    city_code: np.ndarray  # 4-digit text
    city_short: list[str]  # 台州
    province_short: list[str]  # 浙江
    county_weight: np.ndarray
    town_code: np.ndarray  # 9-digit text
    town_name: list[str]
    town_county: np.ndarray
    town_weight: np.ndarray

    @property
    def n_counties(self) -> int:
        return int(self.county_code.size)


def _short(county: str) -> str:
    if county.endswith("自治县"):
        return county[:2]
    return county[:-1] if len(county) > 2 else county


def _zhejiang(city_codes: set[str] | None) -> list[tuple[str, str, str, str, str]]:
    cities = dict(vocab.ZHEJIANG_CITIES)
    return [(code, _short(name), code[:4], cities[code[:4]], "浙江")
            for code, name in vocab.ZHEJIANG_COUNTIES
            if city_codes is None or code[:4] in city_codes]


def _place(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        a, b = rng.random(2)
        name = (vocab.PLACE_FIRST[int(a * len(vocab.PLACE_FIRST))]
                + vocab.PLACE_SECOND[int(b * len(vocab.PLACE_SECOND))])
        if name not in taken:
            taken.add(name)
            return name


def _synthetic(rng: np.random.Generator, n_counties: int) -> list[tuple[str, str, str, str, str]]:
    """Made-up cities and counties in every province but 浙江, sized by industrial weight."""
    provinces = [p for p in vocab.PROVINCES if p[0] != "33"]
    weights = np.array([vocab.PROVINCE_WEIGHT[p[0]] for p in provinces])
    per_province = np.maximum(1, np.round(n_counties * weights / weights.sum())).astype(int)
    city_names = {name for _, name in vocab.ZHEJIANG_CITIES}
    out = []
    for (pcode, _, pshort), count in zip(provinces, per_province, strict=True):
        municipality = pcode in vocab.MUNICIPALITIES
        n_cities = -(-int(count) // (60 if municipality else 10))
        sizes = np.full(n_cities, int(count) // n_cities)
        sizes[: int(count) % n_cities] += 1
        taken: set[str] = set()
        for c, size in enumerate(sizes, start=1):
            city = pshort if municipality else _place(rng, city_names)
            taken = taken if municipality else {city}
            # codes 02–19 districts (区), 21–80 counties (县), 81–99 county-level cities (市)
            n_district = min(18, round(0.4 * int(size)))
            n_city = 0 if municipality else min(19, round(0.15 * int(size)))
            numbers = ([2 + k for k in range(n_district)]
                       + [21 + k for k in range(int(size) - n_district - n_city)]
                       + [81 + k for k in range(n_city)])
            out += [(f"{pcode}{c:02d}{number:02d}", _place(rng, taken), f"{pcode}{c:02d}",
                     city, pshort) for number in numbers]
    return out


_SUFFIXES = [s for s, _ in vocab.TOWN_SUFFIXES]
_SUFFIX_CUM = np.cumsum([p for _, p in vocab.TOWN_SUFFIXES])[:-1]


def _towns(rng: np.random.Generator, county_code: str) -> list[tuple[str, str]]:
    if county_code == "331003":
        return [(f"331003{i:03d}", n) for i, n in enumerate(vocab.HUANGYAN_TOWNS, start=1)]
    taken: set[str] = set()
    draws = rng.random(23)
    count = 9 + int(draws[0] * 13)
    suffix = np.searchsorted(_SUFFIX_CUM, draws[1 : count + 1], side="right")
    # streets (街道) are numbered first, as in GB/T 10114 code lists
    return [(f"{county_code}{i:03d}", _place(rng, taken) + _SUFFIXES[s])
            for i, s in enumerate(sorted(suffix.tolist(), key=lambda s: (s != 1, s)), start=1)]


def build_layout(kind: str, n: int, rng: np.random.Generator) -> Layout:
    """kind: county (黄岩), city (台州), province (浙江) or nation (浙江 + made-up regions)."""
    if kind == "county":
        rows = [r for r in _zhejiang({"3310"}) if r[0] == "331003"]
    elif kind == "city":
        rows = _zhejiang({"3310"})
    elif kind == "province":
        rows = _zhejiang(None)
    elif kind == "nation":
        rows = _zhejiang(None) + _synthetic(rng, max(1, round(n / 1000) - 90))
    else:
        raise ValueError(f"unknown layout {kind!r}: county, city, province or nation")
    towns: list[tuple[str, str]] = []
    town_county: list[int] = []
    for i, row in enumerate(rows):
        mine = _towns(rng, row[0])
        towns += mine
        town_county += [i] * len(mine)
    weight = np.ones(len(rows)) if len(rows) == 1 else rng.lognormal(0.0, 0.5, len(rows))
    return Layout(
        county_code=np.array([r[0] for r in rows]), county_short=[r[1] for r in rows],
        city_code=np.array([r[2] for r in rows]), city_short=[r[3] for r in rows],
        province_short=[r[4] for r in rows], county_weight=weight / weight.sum(),
        town_code=np.array([t[0] for t in towns]), town_name=[t[1] for t in towns],
        town_county=np.array(town_county), town_weight=rng.lognormal(0.0, 0.7, len(towns)),
    )


def place_firms(layout: Layout, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """County and town index of each of n firms; firms come out grouped by county."""
    counts = rng.multinomial(n, layout.county_weight)
    county = np.repeat(np.arange(layout.n_counties), counts)
    # Each town's cumulative share of its county's weight, shifted by the county index, so
    # one searchsorted of (county + uniform) picks a town inside each firm's own county.
    per_county = np.bincount(layout.town_county, minlength=layout.n_counties)
    totals = np.bincount(layout.town_county, weights=layout.town_weight,
                         minlength=layout.n_counties)
    before = np.repeat(np.cumsum(totals) - totals, per_county)
    share = (np.cumsum(layout.town_weight) - before) / totals[layout.town_county]
    share[np.cumsum(per_county) - 1] = 1.0
    town = np.searchsorted(layout.town_county + share, county + rng.random(n), side="right")
    first = np.cumsum(per_county) - per_county
    return county, np.clip(town, first[county], first[county] + per_county[county] - 1)
