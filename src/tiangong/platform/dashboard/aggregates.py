"""The dashboard's figures, summed from `TownCell` rows inside the user's scope.

Every ratio is Σnumerator / Σdenominator of the cells (themselves sums over firms reporting
both), so a town's 亩均税收 is its firms' total tax over their total land, as in
`tiangong.regions.aggregate`. Division by a zero denominator gives None (shown as "—").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum

from tiangong.platform.core.roles import REGION_ROLES
from tiangong.platform.core.scope import restrict
from tiangong.platform.dashboard.models import FigureCache, TownCell
from tiangong.platform.dashboard.readmodel import CELL_RATIOS, current_publications, ensure_filled

SUM_FIELDS = ("n", "tax_num", "tax_den", "va_num", "va_den")
UPPER_LEVELS = {"province", "city"}
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    group: str = ""
    industry: str = ""
    town: str = ""
    class_code: str = ""


def ratio(num: float | None, den: float | None) -> float | None:
    return None if not den else round((num or 0.0) / den, 4)


def with_ratios(row: dict[str, Any]) -> dict[str, Any]:
    for prefix, r in CELL_RATIOS.items():
        row[r.name] = ratio(row.get(f"{prefix}_num"), row.get(f"{prefix}_den"))
    return row


PublicationSet = tuple[tuple[int, int], ...]


def publication_set() -> PublicationSet:
    """(publication, cell fill) ids of the current publications, in one query; fills the cells
    of a publication that has none first (a publication written before this app existed).
    A page computes it once and passes it to `years` and `figures` (pubs=)."""
    pubs = tuple(current_publications().order_by("pk").values_list("pk", "dashboard_fill__pk"))
    if any(fill is None for _, fill in pubs):
        ensure_filled(current_publications())
        pubs = tuple(current_publications().order_by("pk")
                     .values_list("pk", "dashboard_fill__pk"))
    return pubs


def _key(user: Any, *parts: Any, pubs: PublicationSet | None = None) -> str:
    """Cache key of figures: the user's scope (region, or everything) and the current
    publications; published rows never change, so a key stays valid until a publication or a
    correction changes the set of current publications (or its cells are refilled)."""
    pubs = publication_set() if pubs is None else pubs
    region = None if getattr(user, "role", "") not in REGION_ROLES else user.region_id
    text = json.dumps([region, unit_level(user), pubs, *parts], default=str)
    return "dashboard:" + hashlib.sha256(text.encode()).hexdigest()


def canonical(value: Any) -> Any:
    """`value` as JSON types with every object's keys in sorted order, recursively.

    The figures reach the page three ways: computed now, from this process's cache, or read
    back from `FigureCache`, whose PostgreSQL column is JSONB, which keeps no key order (it
    stores keys by length, then bytes). Rebuilding every dict in sorted key order on each path
    makes the embedded JSON, and so the page, the same bytes whichever way the figures came.
    """
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _cached(key: str, compute: Callable[[], Any]) -> Any:
    """This process's cache, then the shared `FigureCache` table, then `compute()` (stored);
    canonical() either way, so the result does not depend on where it came from."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    hit = FigureCache.objects.filter(key=key).values_list("data", flat=True).first()
    if hit is None:
        hit = json.loads(json.dumps(compute()))  # the same types whether computed or read
        with contextlib.suppress(IntegrityError), transaction.atomic():
            FigureCache.objects.create(key=key, data=hit)  # another process may have won
    hit = canonical(hit)
    cache.set(key, hit, CACHE_SECONDS)
    return hit


def years(user: Any, *, pubs: PublicationSet | None = None) -> list[int]:
    def compute() -> list[int]:
        have = (restrict(TownCell, user).filter(publication__in=current_publications())
                .order_by().values_list("year", flat=True).distinct())
        return sorted(set(have), reverse=True)
    return _cached(_key(user, "years", pubs=pubs), compute)


def figures(user: Any, f: Filters, *, pubs: PublicationSet | None = None) -> dict[str, Any]:
    """Everything the panels show, computed once per scope, filters and publication set."""
    def compute() -> dict[str, Any]:
        qs = cells(user, f)
        classes, total = class_distribution(qs)
        # The filter choices depend on the year only: cached apart, not recomputed (three
        # DISTINCT queries) for every filter combination.
        return {"classes": classes, "totals": total, "ranking": ranking(qs, unit_level(user)),
                "trend": trend(user, f), "choices": _cached(
                    _key(user, "choices", f.year, pubs=pubs), lambda: choices(user, f))}
    return _cached(_key(user, asdict(f), pubs=pubs), compute)


def cached(user: Any, pubs: PublicationSet | None, parts: tuple[Any, ...],
           compute: Callable[[], Any]) -> Any:
    """Another figure of the page (awards, map mismatch …) under the same cache and key rules;
    `parts` must name everything else it depends on (e.g. a setting's id and update time)."""
    return _cached(_key(user, *parts, pubs=pubs), compute)


def cells(user: Any, f: Filters, *, with_year: bool = True) -> QuerySet[TownCell]:
    pubs = current_publications(f.year if with_year else None)
    qs = restrict(TownCell, user).filter(publication__in=pubs)
    if f.group:
        qs = qs.filter(group=f.group)
    if f.industry:
        qs = qs.filter(industry=f.industry)
    if f.town:  # a town, or a county for city / province users
        qs = qs.filter(Q(town__code=f.town) | Q(county__code=f.town))
    if f.class_code:
        qs = qs.filter(class_code=f.class_code)
    return qs


def _sum(qs: QuerySet[TownCell], *keys: str) -> list[dict[str, Any]]:
    rows = qs.values(*keys).annotate(**{k: Sum(k) for k in SUM_FIELDS}).order_by(*keys)
    return [with_ratios(dict(r)) for r in rows]


def class_distribution(qs: QuerySet[TownCell]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Firms per class (blank class = not rated: 未参评), in the classes' alphabetical order,
    and the selection's totals summed from the same rows (one query for both)."""
    rows = _sum(qs, "class_code")
    total = with_ratios({k: sum(r[k] or 0 for r in rows) for k in SUM_FIELDS})
    return [{"class_code": r["class_code"] or "未参评", "n": r["n"]} for r in rows], total


def ranking(qs: QuerySet[TownCell], unit_level: str) -> list[dict[str, Any]]:
    """Units (towns, or counties for city/province users) ranked by 亩均税收, with 亩均增加值
    and its own rank; ties share a rank (1, 1, 3); units without land come last, unranked."""
    key = "county" if unit_level == "county" else "town"
    rows = _sum(qs, f"{key}__code", f"{key}__name")
    for r in rows:
        r["code"], r["name"] = r.pop(f"{key}__code"), r.pop(f"{key}__name")
    for measure in ("va_per_mu", "tax_per_mu"):
        ranked = sorted((r for r in rows if r[measure] is not None), key=lambda r: -r[measure])
        for i, r in enumerate(ranked):
            prev = ranked[i - 1] if i else None
            r[f"{measure}_rank"] = (prev[f"{measure}_rank"] if prev and prev[measure] == r[measure]
                                    else i + 1)
    return sorted(rows, key=lambda r: (r.get("tax_per_mu_rank") or 10**9, r["code"]))


def trend(user: Any, f: Filters) -> list[dict[str, Any]]:
    """Year-on-year: totals per published year (same filters, every year)."""
    rows = _sum(cells(user, f, with_year=False), "year")
    prev: dict[str, Any] | None = None
    for r in rows:
        for measure in ("tax_per_mu", "va_per_mu"):
            before = prev.get(measure) if prev else None
            r[f"{measure}_yoy"] = (round(r[measure] / before - 1, 4)
                                   if before and r[measure] is not None else None)
        prev = r
    return rows


def unit_level(user: Any) -> str:
    """What the ranking compares: counties for city / province users (and administrators)."""
    region = getattr(user, "region", None)
    return "county" if region is None or region.level in UPPER_LEVELS else "town"


def choices(user: Any, f: Filters) -> dict[str, list[tuple[str, str]]]:
    qs = cells(user, Filters(year=f.year)).order_by()
    unit = "county" if unit_level(user) == "county" else "town"
    groups = sorted(set(qs.values_list("group", "group_label").distinct()))
    industries = sorted(set(qs.values_list("industry", flat=True).distinct()) - {""})
    towns = sorted(set(qs.values_list(f"{unit}__code", f"{unit}__name").distinct()))
    return {"groups": [(g, lbl or g) for g, lbl in groups if g],
            "industries": [(i, i) for i in industries], "towns": towns}
