"""The example app's API router: mounted at /api/example/ because apps.py sets url_prefix.

No `from __future__ import annotations`: django-ninja reads endpoint annotations at runtime.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from tiangong.platform.core.api_routes import Page, answers
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.example.models import ExampleCase

router = Router(tags=["example"])


class CaseOut(Schema):
    id: int
    title: str
    state: str
    enterprise_uscc: str

    @staticmethod
    def resolve_enterprise_uscc(obj: ExampleCase) -> str:
        return str(obj.enterprise.uscc)


@router.get("/cases", response=answers(list[CaseOut]), summary="示例事项列表")
@paginate(Page)
def cases(request: HttpRequest) -> Any:
    return restrict(ExampleCase, request.auth).select_related("enterprise").order_by("pk")


@router.get("/cases/{case_id}", response=answers(CaseOut), summary="示例事项详情")
def case(request: HttpRequest, case_id: int) -> ExampleCase:
    return get_scoped_or_404(ExampleCase.objects.select_related("enterprise"), request.auth,
                             pk=case_id)
