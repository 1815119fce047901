"""PDF downloads: 一企一单 (scoped like the enterprise page) and the public 公示 list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tiangong.platform.core.scope import get_scoped_or_404
from tiangong.platform.evaluation import queries
from tiangong.platform.evaluation.models import PublishedResult
from tiangong.platform.evaluation.pdf import FontMissing, render_pdf
from tiangong.platform.evaluation.views.public import public_publication

MAX_GONGSHI_PDF_ROWS = 20000  # beyond that the PDF is thousands of pages: the web list serves


def _pdf(request: HttpRequest, template: str, context: dict[str, object],
         filename: str) -> HttpResponse:
    try:
        data = render_pdf(template, context)
    except FontMissing as err:
        return render(request, "core/error.html",
                      {"title": "无法生成 PDF", "message": str(err), "status": 503}, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response


def result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication", "region",
                                                                   "exact_what_if"),
                            request.user, pk=pk)
    exact = getattr(row, "exact_what_if", None)
    return _pdf(request, "evaluation/pdf_result.html", {
                    "row": row, "pub": row.publication, "view": queries.result_view(row),
                    "exact": exact if exact is not None and exact.computed else None},
                f"yiqiyidan-{row.uscc}-{row.year}.pdf")


@login_not_required
def gongshi_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pub = public_publication(pk)
    sections = []
    total = 0
    for code, label, n in queries.gongshi_classes(pub):
        total += n
        if total > MAX_GONGSHI_PDF_ROWS:
            return render(request, "core/error.html", {
                "status": 413, "title": "名单过长",
                "message": f"本次公示共 {pub.n_results} 家企业，超过 PDF 名单上限 "
                f"{MAX_GONGSHI_PDF_ROWS} 家，"
                "请在网页上按等级查看。"}, status=413)
        sections.append({"code": code, "label": label,
                         "rows": list(queries.gongshi_rows(pub, code))})
    return _pdf(request, "evaluation/pdf_gongshi.html", {"pub": pub, "sections": sections},
                f"gongshi-{pub.county.code}-{pub.year}.pdf")
