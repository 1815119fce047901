"""The public 公示 pages (no sign-in): the list of current 公示 and one publication's list by
class, honouring 排名不分先后 (no rank shown, neutral order)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tiangong.platform.evaluation import queries
from tiangong.platform.evaluation.models import Publication

PAGE = 100


@login_not_required
def gongshi_index(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/gongshi_index.html",
                  {"publications": queries.public_publications()[:50]})


def public_publication(pk: int) -> Publication:
    pub = queries.public_publications().filter(pk=pk).first()
    if pub is None:
        raise Http404("未找到该公示。")
    return pub


@login_not_required
def gongshi_list(request: HttpRequest, pk: int) -> HttpResponse:
    pub = public_publication(pk)
    classes = queries.gongshi_classes(pub)
    codes = [c for c, _, _ in classes]
    chosen = request.GET.get("class") or (codes[0] if codes else "")
    if codes and chosen not in codes:
        raise Http404("没有该等级。")
    page = Paginator(queries.gongshi_rows(pub, chosen), PAGE).get_page(request.GET.get("page"))
    return render(request, "evaluation/gongshi_list.html", {
        "pub": pub, "classes": classes, "chosen": chosen, "page": page,
        "in_period": queries.in_period(pub)})
