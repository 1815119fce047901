"""JSON API of the evaluation app (mounted at /api/evaluation/): publications, published
results and objections (api_objections.py), each read through restrict() (same scope as the
pages; out of scope answers 404). Sign-in by session or `Authorization: Bearer` token (the
core API's auth)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from tiangong.evaluation.wording import Wording
from tiangong.platform.core.api_routes import answers
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.evaluation import queries
from tiangong.platform.evaluation.api_objections import router as objections_router
from tiangong.platform.evaluation.models import Publication, PublishedResult

router = Router(tags=["亩均评价"])  # the core API's auth: Bearer token or session


class PublicationOut(Schema):
    id: int
    run_id: str
    digest: str
    scheme_id: str
    scheme_title: str
    year: int
    region_code: str
    start: dt.date
    end: dt.date
    state: str
    hide_ranks: bool
    n_results: int
    previous_id: int | None


class ResultOut(Schema):
    id: int
    publication_id: int
    uscc: str
    name: str
    year: int
    town_code: str
    group: str
    class_code: str
    class_label: str
    class_reason: str
    score: float | None
    rank: int | None
    partition_size: int | None
    next_class: str


class ResultDetailOut(ResultOut):
    items: list[dict[str, Any]]
    points: list[dict[str, Any]]
    what_if: list[dict[str, Any]]  # the publication's estimate (explain_bulk)
    # the exact what-if once computed on request (ExactWhatIf), else null
    what_if_exact: list[dict[str, Any]] | None
    explanation: list[str]


def _pub(p: Publication) -> dict[str, Any]:
    return {**{k: getattr(p, k) for k in PublicationOut.model_fields if hasattr(p, k)},
            "region_code": p.county.code}


def _result(r: PublishedResult, wording: Wording) -> dict[str, Any]:
    """One row; its class reason with conditions in words (the publication's `Wording`)."""
    return {**{k: getattr(r, k) for k in ResultOut.model_fields if hasattr(r, k)},
            "town_code": r.region.code, "class_reason": wording.reason(r.class_reason)}


@router.get("/publications", response=answers(list[PublicationOut]))
def list_publications(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pub(p) for p in queries.publications(request.auth)[:500]]


@router.get("/publications/{pk}/results", response=answers(list[ResultOut]))
def list_results(request: HttpRequest, pk: int, class_code: str = "", offset: int = 0,
                 limit: int = 100) -> list[dict[str, Any]]:
    pub = queries.publication_or_404(request.auth, pk)
    qs = restrict(PublishedResult, request.auth).filter(publication=pub).select_related(
        "region").order_by("uscc")
    if class_code:
        qs = qs.filter(class_code=class_code)
    offset, limit = max(offset, 0), min(max(limit, 1), 1000)
    wording = Wording.from_dict(pub.wording)
    return [_result(r, wording) for r in qs[offset:offset + limit]]


@router.get("/results/{pk}", response=answers(ResultDetailOut))
def get_result(request: HttpRequest, pk: int) -> dict[str, Any]:
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication", "region",
                                                                   "exact_what_if"),
                            request.auth, pk=pk)
    view = queries.result_view(row)
    exact = getattr(row, "exact_what_if", None)
    return {**_result(row, Wording.from_dict(row.publication.wording)), "items": view["items"],
            "points": view["points"], "what_if": view["what_if"],
            "what_if_exact": exact.answers if exact is not None and exact.computed else None,
            "explanation": view["explanation"]}


# Objections: their own module (multipart filing, actions), mounted on this router.
router.add_router("", objections_router)
