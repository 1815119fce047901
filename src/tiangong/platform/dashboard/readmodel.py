"""Filling the dashboard's read model (`TownCell`) from a publication's published rows.

The evaluation app's publication calls `fill(publication)` once its rows are written; pages call
`ensure_filled` so a publication written before this app existed (or by an older version) gets
its cells on first view. The sums follow `tiangong.regions.measures.RATIOS`: for each ratio,
Σnumerator and Σdenominator over the firms that report both, never a mean of firm ratios.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr

from tiangong.platform.dashboard.models import DashboardFill, TownCell
from tiangong.platform.evaluation.models import Publication, PublishedResult
from tiangong.regions.measures import RATIO_BY_NAME

# cell field prefix → the library's ratio it sums
CELL_RATIOS = {"tax": RATIO_BY_NAME["tax_per_mu"], "va": RATIO_BY_NAME["va_per_mu"]}


def _sums() -> dict[str, Any]:
    out: dict[str, Any] = {"n": Count("id")}
    for prefix, ratio in CELL_RATIOS.items():
        both = Q(**{f"{ratio.numerator}__isnull": False, f"{ratio.denominator}__isnull": False})
        for part, column in (("num", ratio.numerator), ("den", ratio.denominator)):
            out[f"{prefix}_{part}"] = Sum(Case(When(both, then=F(column)),
                                               default=Value(0.0), output_field=FloatField()))
    return out


def fill(publication: Publication) -> int:
    """(Re)write the cells of `publication`; returns how many were written."""
    rows = list(PublishedResult.objects.filter(publication=publication)
            .annotate(industry=Substr("industry_code", 1, 2))
            .values("region_id", "region__level", "region__parent_id", "group", "group_label",
                    "class_code", "industry")
            .annotate(**_sums()).order_by())
    cells = [TownCell(
        publication=publication, year=publication.year, town_id=r["region_id"],
        county_id=r["region_id"] if r["region__level"] == "county" else r["region__parent_id"],
        group=r["group"], group_label=r["group_label"], class_code=r["class_code"],
        industry=r["industry"] or "", n=r["n"],
        **{k: r[k] or 0.0 for k in ("tax_num", "tax_den", "va_num", "va_den")})
        for r in rows]
    with transaction.atomic():
        DashboardFill.objects.filter(publication=publication).delete()
        TownCell.objects.filter(publication=publication).delete()
        # The marker first: a concurrent filler waits on its unique key, then fails (below).
        mark = DashboardFill.objects.create(publication=publication, n_cells=len(cells))
        TownCell.objects.bulk_create(cells, batch_size=2000)
    return mark.n_cells


def ensure_filled(publications: Iterable[Publication]) -> None:
    """Fill the publications that have no cells yet (first view after an upgrade)."""
    pubs = list(publications)
    done = set(DashboardFill.objects.filter(publication__in=pubs)
               .values_list("publication_id", flat=True))
    for pub in pubs:
        if pub.pk not in done:
            # IntegrityError: another request filled it at the same moment.
            with contextlib.suppress(IntegrityError):
                fill(pub)


def current_publications(year: int | None = None) -> QuerySet[Publication]:
    """Published publications not superseded by a published correction (optionally one year)."""
    qs = Publication.objects.filter(state=Publication.PUBLISHED).exclude(
        corrections__state=Publication.PUBLISHED)
    return qs.filter(year=year) if year is not None else qs
