"""The quarter's 晾晒 of major projects as a PDF (issue 13 point 4): 红旗 and 黄牌 with their
reasons, 回头看, the KPIs with their formulas and counts, town and 专班 rankings.

The figures are the page's and the workbook's (`views._showing`, the library's `showing`);
the PDF goes through the evaluation app's WeasyPrint renderer, which refuses to write without
the CJK font rather than drop the characters. Readers are the officers who see the page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tiangong.platform.core.roles import Role
from tiangong.platform.evaluation.pdf import FontMissing, render_pdf

READERS = {Role.PROVINCE_ANALYST, Role.CITY_ANALYST, Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL,
           Role.SUPERVISOR, Role.ADMINISTRATOR}


def showing_pdf(request: HttpRequest) -> HttpResponse:
    from tiangong.platform.projects.views import _showing

    user = request.user
    if user.role not in READERS and not user.is_superuser:
        raise PermissionDenied("项目晾晒供县、乡镇项目管理人员和督查人员查看。")
    context = _showing(request)
    try:
        data = render_pdf("projects/pdf_showing.html", context)
    except FontMissing as err:
        return render(request, "core/error.html",
                      {"title": "无法生成 PDF", "message": str(err), "status": 503}, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"projects-{context['year']}Q{context['quarter']}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
