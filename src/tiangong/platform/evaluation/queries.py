"""Read helpers shared by pages, PDFs and the API (all scoped: callers pass the user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import restrict
from tiangong.platform.evaluation.models import Publication, PublishedResult


def publications(user: Any) -> QuerySet[Publication]:
    """Publications of the user's region (county and above), and those holding a result the user
    may see (a town's or an enterprise's publication lies above its own region)."""
    ids = set(restrict(Publication, user).values_list("pk", flat=True))
    if getattr(user, "role", None) in (Role.TOWN_OFFICIAL, Role.ENTERPRISE_USER):
        # Below the publishing region: through the (few) rows the user may see. Two plain
        # queries: an OR of both subqueries made SQLite scan every published row (3.5 s).
        ids |= set(restrict(PublishedResult, user).values_list("publication_id", flat=True)
                   .distinct())
    return Publication.objects.filter(pk__in=ids).select_related("county")


def publication_or_404(user: Any, pk: int) -> Publication:
    pub = publications(user).filter(pk=pk).first()
    if pub is None:
        raise Http404("未找到该对象，或您无权查看。")
    return pub


def in_period(pub: Publication, day: dt.date | None = None) -> bool:
    day = day or dt.date.today()
    return pub.state == Publication.PUBLISHED and pub.start <= day <= pub.end


def public_publications() -> QuerySet[Publication]:
    """What the public 公示 page lists: published runs whose 公示 has begun."""
    return (Publication.objects.filter(state=Publication.PUBLISHED, start__lte=dt.date.today())
            .select_related("county").order_by("-start", "-id"))


def gongshi_classes(pub: Publication) -> list[tuple[str, str, int]]:
    """(class, label, count) in the scheme's class order (A, B, C, D, then special classes)."""
    counts = {r["class_code"]: (r["class_label"], r["n"]) for r in
              PublishedResult.objects.filter(publication=pub).exclude(class_code="")
              .values("class_code", "class_label").annotate(n=Count("id"))}
    order = list(pub.class_order or [])
    keys = [c for c in order if c in counts] + sorted(c for c in counts if c not in order)
    return [(c, counts[c][0], counts[c][1]) for c in keys]


def gongshi_rows(pub: Publication, class_code: str) -> QuerySet[PublishedResult]:
    """One class of the 公示 list. With 排名不分先后 sorted by USCC (a neutral key that says
    nothing about scores) and no rank shown; otherwise by group and rank."""
    qs = (PublishedResult.objects.filter(publication=pub, class_code=class_code)
          .select_related("region")
          .only("uscc", "name", "group", "group_label", "class_code", "class_label", "rank",
                "partition_size", "region__name", "publication_id"))
    return qs.order_by("uscc") if pub.hide_ranks else qs.order_by("group", "rank", "uscc")


def history(user: Any, result: PublishedResult) -> QuerySet[PublishedResult]:
    """The enterprise's published results over the years (latest publication per run); only
    the columns the history table shows (the publication's JSON constants are not read)."""
    return (restrict(PublishedResult, user)
            .filter(enterprise_id=result.enterprise_id, publication__state=Publication.PUBLISHED)
            .select_related("publication")
            .only("year", "class_code", "score", "rank", "partition_size", "publication_id",
                  "publication__scheme_title", "publication__previous_id",
                  "publication__state")
            .order_by("-year", "-publication_id"))


def later_in(history_rows: list[PublishedResult], result: PublishedResult
             ) -> PublishedResult | None:
    """The same firm's row in a later correction of this publication, if any, read from the
    page's history rows (already fetched: no query of its own)."""
    later = [h for h in history_rows if h.publication.previous_id == result.publication_id]
    return max(later, key=lambda h: h.publication_id, default=None)


def result_view(row: PublishedResult) -> dict[str, Any]:
    """What the enterprise page, its PDF and the API show of one published row: items with
    their group's labels and benchmarks, what-if sentences, explanation lines (the library's
    Explanation.lines(), rebuilt from the published numbers: the same text as `tiangong
    explain`)."""
    from tiangong.evaluation.explain_bulk import explanation, gap_message
    from tiangong.evaluation.wording import Wording

    pub = row.publication
    wording = Wording.from_dict(pub.wording)
    reason = wording.reason(row.class_reason)
    group = (pub.groups or {}).get(row.group)
    floors = (pub.class_floors or {}).get(row.partition, {})
    items = [{**it, "value": v, "points": p, "imputed": imp,
              "imputed_words": wording.imputed(imp)}
             for it, (v, p, imp) in zip(group["items"] if group else [], row.items, strict=False)]
    points = [{**p, "value": v, "points": pts}
              for p, (v, pts) in zip(group["points"] if group else [], row.points, strict=False)]
    values = {it["indicator"]: it["value"] for it in items}
    what_if = [{**w, "message": gap_message(w, group, values.get(w.get("indicator", "")),
                                           row.next_class, reason)}
               for w in row.what_if] if group else []
    fields = {"uscc": row.uscc, "name": row.name, "group": row.group or None,
              "group_label": row.group_label, "special_class": row.special_class or None,
              "class_reason": row.class_reason, "score": row.score,
              "items_score": row.items_score, "bonus": row.bonus, "penalty": row.penalty,
              "rank": row.rank, "partition": row.partition, "partition_size": row.partition_size,
              "percentile": row.percentile, "class": row.class_code or None,
              "class_label": row.class_label, "policy_class": row.policy_class or None}
    ex = explanation(pub.run_id, pub.scheme_id, row.year, fields, group, row.items, row.points,
                     floors, wording)
    return {"items": items, "points": points, "what_if": what_if, "class_floors": floors,
            "explanation": ex.lines(), "class_reason": reason}
