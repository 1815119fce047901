"""Objections (异议) through the JSON API: list and follow them, file one during 公示 (the
enterprise itself, e.g. from the 企业码 app with its token), act on one (town forwards, county
accepts or rejects, the enterprise withdraws).

The same scope (restrict / get_scoped_or_404: out of scope answers 404) and the same code path as
the pages (objection_service: filing rules, the workflow's apply_transition, working-day
deadlines). Errors: 403 a role that may not file; 404 out of scope; 409 refused by the workflow
(wrong state or role, outside the 公示 period, someone else acted first); 400 no calendar for the
deadline's year; 413 an attachment above the upload cap; 422 a malformed request.

No `from __future__ import annotations`: django-ninja reads the endpoint annotations at runtime.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, UploadedFile
from ninja.errors import HttpError

from tiangong.platform.core.api_routes import answers
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import events_for
from tiangong.platform.evaluation.models import Objection, PublishedResult
from tiangong.platform.evaluation.objection_service import act_on_objection, file_objection

router = Router(tags=["亩均评价"])


class ObjectionOut(Schema):
    id: int
    result_id: int
    uscc: str
    state: str
    state_label: str
    reason: str
    decision: str
    due: dt.date | None
    correction_id: int | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str = Field(..., description="下载地址（同样按权限范围校验，范围外 404）")


class EventOut(Schema):
    time: dt.datetime
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor_name: str
    note: str
    attachments: list[AttachmentOut]


class ObjectionDetailOut(ObjectionOut):
    events: list[EventOut]
    actions: list[str] = Field(..., description="调用者当前可执行的动作（forward、accept…）")


class FilingIn(Schema):
    reason: str = Field(..., min_length=1, max_length=4000, description="异议内容")


class ActionIn(Schema):
    note: str = Field("", max_length=4000, description="理由或说明（采纳、驳回时必填）")
    working_days: int | None = Field(None, ge=1, le=60,
                                     description="办理期限（工作日）；省略时用默认期限")


def _objection(o: Objection) -> dict[str, Any]:
    return {"id": o.pk, "result_id": o.result_id, "uscc": o.enterprise.uscc, "state": o.state,
            "state_label": o.state_label, "reason": o.reason, "decision": o.decision,
            "due": o.due, "correction_id": o.correction_id}


def _detail(o: Objection, user: Any) -> dict[str, Any]:
    events = [{"time": e.time, "action": e.action, "action_label": e.action_label,
               "from_state": e.from_state, "to_state": e.to_state, "actor_name": e.actor_name,
               "note": e.note,
               "attachments": [{"id": a.pk, "name": a.name, "size": a.size, "sha256": a.sha256,
                                "url": f"/attachments/{a.pk}/"} for a in e.attachments.all()]}
              for e in events_for(o)]
    return {**_objection(o), "events": events,
            "actions": [t.action for t in o.workflow.allowed(o, user)]}


def _scoped(user: Any, pk: int) -> Objection:
    return get_scoped_or_404(Objection.objects.select_related(
        "enterprise", "result__publication__county"), user, pk=pk)


@router.get("/objections", response=answers(list[ObjectionOut]), summary="异议列表（权限范围内）")
def list_objections(request: HttpRequest, state: str = "") -> list[dict[str, Any]]:
    qs = restrict(Objection, request.auth).select_related("enterprise")
    if state:
        qs = qs.filter(state=state)
    return [_objection(o) for o in qs[:500]]


@router.get("/objections/{pk}", response=answers(ObjectionDetailOut),
            summary="异议详情：状态、办理记录、附件、可执行动作")
def get_objection(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(_scoped(request.auth, pk), request.auth)


@router.post("/results/{pk}/objections", response=answers(ObjectionDetailOut),
             summary="提出异议（企业本身，公示期内；multipart 表单，可附证明材料）")
def file(request: HttpRequest, pk: int, body: Form[FilingIn],
         attachments: File[list[UploadedFile]] = None) -> dict[str, Any]:  # type: ignore[assignment]
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication"),
                            request.auth, pk=pk)
    files = list(attachments or [])
    for upload in files:
        if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            raise HttpError(413, f"文件“{upload.name}”为 {upload.size / 1048576:.1f} MB，超过上限 "
                                 f"{settings.MAX_UPLOAD_BYTES / 1048576:.0f} MB。")
    if not body.reason.strip():
        raise HttpError(422, "请填写异议内容。")
    obj = file_objection(request.auth, row, body.reason.strip(), files)
    return _detail(_scoped(request.auth, obj.pk), request.auth)


@router.post("/objections/{pk}/{action}", response=answers(ObjectionDetailOut),
             summary="办理异议：forward（乡镇转交）、accept / reject（县级，须说明理由）、"
                     "resolve（更正完成）、withdraw（企业撤回）")
def act(request: HttpRequest, pk: int, action: str, body: ActionIn) -> dict[str, Any]:
    obj = _scoped(request.auth, pk)
    act_on_objection(obj, action, request.auth, body.note, body.working_days)
    return _detail(_scoped(request.auth, pk), request.auth)
