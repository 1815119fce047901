"""Signed-in pages of published results: publications in scope, one publication's results
(county, town, city, province, supervisor), and the enterprise page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.evaluation import queries
from tiangong.platform.evaluation.forms import ObjectionForm
from tiangong.platform.evaluation.models import (
    ExactWhatIf,
    Objection,
    Publication,
    PublishedResult,
)

PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Enterprise users go straight to their latest result; others see publications."""
    user = request.user
    if user.role == Role.ENTERPRISE_USER:
        latest = (restrict(PublishedResult, user)
                  .filter(publication__state=Publication.PUBLISHED)
                  .order_by("-year", "-publication_id").first())
        if latest is not None:
            return redirect(latest)
    pubs = queries.publications(user)
    return render(request, "evaluation/home.html", {"publications": pubs[:100]})


def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The publication's results in the user's scope (a town sees its firms), with filters."""
    pub = queries.publication_or_404(request.user, pk)
    rows = restrict(PublishedResult, request.user).filter(publication=pub).select_related(
        "region").only("uscc", "name", "class_code", "score", "rank", "partition_size",
                       "group_label", "region__name", "publication_id")
    cls, town = request.GET.get("class", ""), request.GET.get("town", "")
    if cls:
        rows = rows.filter(class_code=cls)
    if town:
        rows = rows.filter(region__code=town)
    page = Paginator(rows.order_by("group", "rank", "uscc"), PAGE).get_page(
        request.GET.get("page"))
    towns = pub.county.children.order_by("code") if pub.county.level == "county" else []
    return render(request, "evaluation/publication_detail.html", {
        "pub": pub, "page": page, "cls": cls, "town": town, "towns": towns,
        "classes": queries.gongshi_classes(pub), "in_period": queries.in_period(pub),
        "can_compute_all": (request.user.role == Role.COUNTY_ANALYST
                            and not request.user.is_read_only
                            and pub.state == Publication.PUBLISHED
                            and pub.county_id == getattr(request.user.county(), "pk", None))})


def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise page: class, score, items, rank, history, what-if, objections."""
    user = request.user
    # Only the joins the page reads (publication: 公示 dates and the group constants; region:
    # the town's name): each join costs planning time on every request.
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication", "region",
                                                                   "exact_what_if"),
                            user, pk=pk)
    pub = row.publication
    can_file = (user.role == Role.ENTERPRISE_USER and queries.in_period(pub)
                and row.class_code != "")
    history = list(queries.history(user, row))
    return render(request, "evaluation/result_detail.html", {
        "row": row, "pub": pub, "view": queries.result_view(row), "history": history,
        "objections": restrict(Objection, user).filter(result=row),
        "later": queries.later_in(history, row), "in_period": queries.in_period(pub),
        "can_file": can_file, "form": ObjectionForm() if can_file else None,
        **what_if_context(row, user)})


def what_if_context(row: PublishedResult, user: Any) -> dict[str, Any]:
    """The what-if panel: the exact answer once computed, else the publication's estimate
    (`explain_bulk`, labelled 估算) and, for a user who may ask, the button that computes the
    exact one in the background; while that runs the panel polls itself."""
    exact = getattr(row, "exact_what_if", None)  # reverse one-to-one: absent = AttributeError
    running = exact is not None and exact.computed is None and not exact.error and \
        bool(exact.task_id)
    return {"exact": exact if exact is not None and exact.computed else None,
            "exact_running": running, "exact_error": exact.error if exact else "",
            "can_ask_exact": bool(row.next_class) and not user.is_read_only}


def what_if_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel alone (htmx polling while the exact what-if is computed)."""
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication",
                                                                   "exact_what_if"),
                            request.user, pk=pk)
    return render(request, "evaluation/_what_if.html", {
        "row": row, "view": queries.result_view(row), **what_if_context(row, request.user)})


@require_POST
def what_if_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the exact what-if of this result in the background (once: a computed or
    running one is not asked again; a failed one may be asked again)."""
    from tiangong.platform.core.progress import enqueue_with_progress
    from tiangong.platform.evaluation.tasks import exact_what_if_task

    user = request.user
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication", "region"),
                            user, pk=pk)
    if user.is_read_only or not row.next_class:
        raise PermissionDenied("该结果无需或无权发起升档精确测算。")
    exact, _ = ExactWhatIf.objects.get_or_create(result=row)
    if exact.computed is None and (exact.error or not exact.task_id):
        job = enqueue_with_progress(exact_what_if_task, f"升档精确测算 {row.name}", user,
                                    row.region, exact.pk, user.pk)
        exact.task_id, exact.error = str(job.id), ""
        exact.save(update_fields=["task_id", "error", "updated"])
    if request.headers.get("HX-Request"):
        return what_if_panel(request, pk)
    return redirect(row)
