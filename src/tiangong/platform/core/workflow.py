"""The one workflow mechanism: a transition table per workflow and `apply_transition`.

A workflow is data: `state → action → (target, roles, guard)`. Objections, service requests,
project gates, land applications and work orders each declare one table and call the same
function, which in one transaction
1. checks that the object is in the user's scope (else 404), that the role may take the action and
   that the guard passes (else `TransitionRefused`, with a Chinese message);
2. moves the state with compare-and-set, `filter(pk=…, state=old).update(state=new) == 1`, so a
   double click or two users acting at once give exactly one transition; the loser gets
   `TransitionConflict` ("已被他人处理…");
3. writes a WorkflowEvent (actor, role, note, attachments, time, SLA snapshot) and an ObjectChange;
4. schedules the notifications for after the commit (nothing is sent for a rolled-back move).

Usage (an app's workflows.py):

    OBJECTION = Workflow("objection", states={"filed": "已提交", "forwarded": "已转交", ...},
        transitions=[
            Transition("filed", "forward", "forwarded", roles={Role.TOWN_OFFICIAL},
                       label="转交县级"),
            Transition("forwarded", "reject", "rejected", roles={Role.COUNTY_ANALYST},
                       label="驳回", needs_note=True),
        ])
    apply_transition(objection, "forward", request.user, note="…", attachments=files)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404

from tiangong.platform.core.changelog import record_change, snapshot
from tiangong.platform.core.context import request_id
from tiangong.platform.core.scope import visible

Guard = Callable[[Any, Any], str | None]  # (obj, user) → None when allowed, else the reason
Recipients = Callable[[Any, Any], Iterable[Any]]  # (obj, event) → users to notify


class TransitionRefused(Exception):
    """The action is not allowed here (role, state or guard); the message is for the user."""


class TransitionConflict(TransitionRefused):
    """Someone else moved the object first (compare-and-set lost)."""


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    roles: frozenset[str] | set[str]
    label: str = ""
    guard: Guard | None = None
    needs_note: bool = False
    notify: Recipients | None = None


@dataclass(frozen=True)
class Workflow:
    name: str
    states: Mapping[str, str]
    transitions: Sequence[Transition]
    state_field: str = "state"
    # (obj) → JSON-able dict stored on every event: deadline, working days used, paused …
    sla_snapshot: Callable[[Any], dict[str, Any] | None] | None = None
    table: dict[tuple[str, str], Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[tuple[str, str], Transition] = {}
        for t in self.transitions:
            for state in (t.source, t.target):
                if state not in self.states:
                    raise ValueError(f"workflow {self.name}: unknown state {state!r}")
            if (t.source, t.action) in table:
                raise ValueError(f"workflow {self.name}: duplicate {t.source}/{t.action}")
            table[(t.source, t.action)] = t
        object.__setattr__(self, "table", table)

    def state_label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def transition(self, state: str, action: str) -> Transition | None:
        return self.table.get((state, action))

    def refusal(self, obj: Any, action: str, user: Any) -> str | None:
        """Why `user` may not take `action` on `obj` now (None: allowed). No scope check."""
        state = getattr(obj, self.state_field)
        t = self.transition(state, action)
        if t is None:
            known = [x for x in self.transitions if x.action == action]
            what = known[0].label if known else action
            return f"当前状态为“{self.state_label(state)}”，不能执行“{what}”。"
        if user.is_read_only or (user.role not in t.roles and not user.is_superuser):
            return f"您的角色（{user.get_role_display()}）无权执行“{t.label or t.action}”。"
        return t.guard(obj, user) if t.guard is not None else None

    def allowed(self, obj: Any, user: Any) -> list[Transition]:
        """The actions `user` may take on `obj` now (for buttons)."""
        state = getattr(obj, self.state_field)
        return [t for t in self.transitions
                if t.source == state and self.refusal(obj, t.action, user) is None]


def apply_transition(obj: models.Model, action: str, user: Any, note: str = "",
                     attachments: Sequence[UploadedFile] = (), *, workflow: Workflow | None = None,
                     updates: Mapping[str, Any] | None = None) -> Any:
    """Take `action` on `obj` as `user`; returns the WorkflowEvent. See the module docstring.

    `updates` are further field values set in the same compare-and-set UPDATE (e.g. a deadline).
    """
    from tiangong.platform.core.models.events import EventAttachment, WorkflowEvent

    wf = workflow or getattr(type(obj), "workflow", None)
    if wf is None:
        raise TypeError(f"{type(obj).__name__} declares no workflow")
    if not visible(user, obj):
        raise Http404("未找到该对象，或您无权查看。")
    old = getattr(obj, wf.state_field)
    reason = wf.refusal(obj, action, user)
    if reason is not None:
        raise TransitionRefused(reason)
    t = wf.transition(old, action)
    assert t is not None
    if t.needs_note and not note.strip():
        raise TransitionRefused(f"“{t.label or t.action}”须填写理由。")
    before = snapshot(obj)
    changes = {wf.state_field: t.target, **(updates or {})}
    with transaction.atomic():
        model = type(obj)
        moved = model._default_manager.filter(
            pk=obj.pk, **{wf.state_field: old}).update(**changes)
        if moved != 1:
            current = model._default_manager.filter(
                pk=obj.pk).values_list(wf.state_field, flat=True).first()
            raise TransitionConflict(
                f"该事项已被他人处理，当前状态为“{wf.state_label(current or '')}”。"
                "请刷新页面后查看，本次操作未生效。")
        for name, value in changes.items():
            setattr(obj, name, value)
        event = WorkflowEvent.objects.create(
            content_type=ContentType.objects.get_for_model(model), object_id=str(obj.pk),
            workflow=wf.name, action=action, action_label=t.label or action, from_state=old,
            to_state=t.target, actor=user, actor_name=user.get_full_name() or user.username,
            role=user.role, note=note, request_id=request_id(),
            sla=wf.sla_snapshot(obj) if wf.sla_snapshot else None)
        for upload in attachments:
            _attach(event, upload, EventAttachment)
        record_change(obj, "update", before, snapshot(obj))
        if t.notify is not None:
            recipients = [u for u in t.notify(obj, event) if u is not None]
            transaction.on_commit(lambda: _notify(recipients, obj, event, wf))
    return event


def _attach(event: Any, upload: UploadedFile, attachment_model: Any) -> None:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment_model.objects.create(event=event, file=upload, name=upload.name or "附件",
                                    size=upload.size or 0, sha256=digest.hexdigest())


def _notify(recipients: list[Any], obj: Any, event: Any, wf: Workflow) -> None:
    from tiangong.platform.core.notify import notify

    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    title = f"{obj}：{event.action_label}（{wf.state_label(event.to_state)}）"
    body = f"{event.actor_name} {event.time:%Y-%m-%d %H:%M} {event.action_label}。{event.note}"
    notify(recipients, title, body, url=url)


def events_for(obj: models.Model) -> Any:
    """The event rows of `obj`, oldest first (the timeline)."""
    from tiangong.platform.core.models.events import WorkflowEvent

    return WorkflowEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor").prefetch_related("attachments")


def record_event(obj: models.Model, action: str, label: str, user: Any, note: str = "",
                 attachments: Sequence[UploadedFile] = (), *,
                 workflow: Workflow | None = None) -> Any:
    """An event that moves no state (filing, a note, a reminder) on `obj`'s timeline, with
    attachments hashed as in apply_transition. Call inside the transaction that creates `obj`."""
    from tiangong.platform.core.models.events import EventAttachment, WorkflowEvent

    wf = workflow or getattr(type(obj), "workflow", None)
    state = getattr(obj, wf.state_field, "") if wf is not None else ""
    event = WorkflowEvent.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk),
        workflow=wf.name if wf is not None else "", action=action, action_label=label,
        from_state="", to_state=state, actor=user,
        actor_name=user.get_full_name() or user.username, role=user.role, note=note,
        request_id=request_id(), sla=wf.sla_snapshot(obj) if wf and wf.sla_snapshot else None)
    for upload in attachments:
        _attach(event, upload, EventAttachment)
    return event
