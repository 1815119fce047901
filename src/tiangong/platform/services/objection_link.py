"""An objection to an evaluation result that becomes a routed service request (issue 12
point 9), by the same mechanism as a major project's problem (projects.ProjectProblem): the
request is filed in the direct service's pool through `actions.file_request` (channel
亩均评价异议), and a link row ties it to the objection, so that the objection's page lists its
requests and the request's clock, routing and answer are the direct service's.

When: an objection whose substance lies with a department (the tax office's figure, the land
area in the 不动产 register) and not with the evaluation itself. The county (直通办) or the
town that verifies the objection files it; the objection keeps its own workflow.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from tiangong.platform.core.models import PlatformModel
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import Scope, get_scoped_or_404, restrict
from tiangong.platform.core.workflow import TransitionRefused, record_event
from tiangong.services.config import ConfigError

FILERS = (Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL)


class ObjectionRequest(PlatformModel):
    objection = models.ForeignKey("evaluation.Objection", verbose_name="异议",
                                  on_delete=models.PROTECT, related_name="service_links")
    request = models.OneToOneField("services.ServiceRequest", verbose_name="诉求",
                                   on_delete=models.PROTECT, related_name="objection_link")

    scope: ClassVar[Scope] = Scope(region="objection__result__region",
                                   enterprise="objection__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "异议转诉求"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"异议 {self.objection_id} · 诉求 {self.request_id}"


def may_file(user: Any, objection: Any) -> bool:
    return (user.role in FILERS and not user.is_read_only and objection.state != "withdrawn")


@require_POST
def from_objection(request: HttpRequest, pk: int) -> HttpResponse:
    from tiangong.platform.evaluation.models import Objection
    from tiangong.platform.services.actions import file_request

    obj = get_scoped_or_404(Objection.objects.select_related("enterprise", "result"),
                            request.user, pk=pk)
    if not may_file(request.user, obj):
        raise PermissionDenied("只有县级直通办或乡镇（街道）可以将异议转为企业诉求；"
                               "已撤回的异议不能转。")
    text = request.POST.get("text", "").strip() or obj.reason
    try:
        with transaction.atomic():
            req = file_request(request.user, obj.enterprise, request.POST.get("category", ""),
                               f"【亩均评价异议 {obj.pk}，{obj.result.year}年度】{text}",
                               channel="evaluation_objection")
            ObjectionRequest.objects.create(objection=obj, request=req)
            record_event(obj, "to_request", "转为企业诉求", request.user,
                         f"已转为企业诉求 {req.pk}，由直通办交办部门办理")
    except (TransitionRefused, ConfigError) as err:
        messages.error(request, str(err))
        return redirect(obj)
    messages.success(request, f"已转为企业诉求 {req.pk}，进入直通办诉求池等待交办。")
    return redirect(obj)


def objection_section(request: HttpRequest, objection: Any) -> dict[str, Any] | None:
    """The objection page's block: the requests it became, and the form for who may file."""
    from tiangong.platform.services.actions import config

    links = list(restrict(ObjectionRequest, request.user).filter(objection=objection)
                 .select_related("request__lead"))
    can = may_file(request.user, objection)
    if not links and not can:
        return None
    return {"links": links, "can_file": can, "categories": config().categories.values()}
