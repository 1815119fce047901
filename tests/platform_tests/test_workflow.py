"""The workflow mechanism on the example app's table: roles, guards, compare-and-set, events,
change log, notifications on commit."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404

from tiangong.platform.core.models import Notification, ObjectChange, WorkflowEvent
from tiangong.platform.core.roles import ALL_ROLES
from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import (
    TransitionConflict,
    TransitionRefused,
    apply_transition,
    events_for,
)
from tiangong.platform.example.models import CASE_WORKFLOW, ExampleCase


@pytest.fixture
def case(world: World) -> ExampleCase:
    filer = world.users["enterprise_user"]
    filer.email = "a@example.cn"
    filer.save()
    return ExampleCase.objects.create(enterprise=world.enterprises["A"], title="用地面积有误",
                                      filed_by=filer)


def test_table_walk_every_role(world: World, case: ExampleCase) -> None:
    """Each (state, action) of the table: only its roles may take it; everyone else is refused."""
    for t in CASE_WORKFLOW.transitions:
        for role in ALL_ROLES:
            user = world.users[role]
            case.state = t.source
            case.department = world.departments["331003/tax"]
            refusal = CASE_WORKFLOW.refusal(case, t.action, user)
            if role in t.roles:
                assert refusal is None, (t, role)
            else:
                assert refusal is not None and "无权" in refusal, (t, role)


def test_transition_writes_event_change_and_notifies_after_commit(
        world: World, case: ExampleCase, django_capture_on_commit_callbacks) -> None:
    apply_transition(case, "forward", world.users["town_official"], "请县里核实")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = apply_transition(
            case, "reject", world.users["county_analyst"], "面积以不动产登记为准",
            [SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", "application/pdf")])
        assert Notification.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    case.refresh_from_db()
    assert case.state == "rejected"
    assert [e.action for e in events_for(case)] == ["forward", "reject"]
    assert event.from_state == "forwarded" and event.role == "county_analyst"
    assert event.attachments.get().name == "证明.pdf"
    note = Notification.objects.get()
    assert note.user == world.users["enterprise_user"] and "驳回" in note.title
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.cn"]
    change = ObjectChange.objects.filter(content_type__model="examplecase", object_id=str(case.pk),
                                          action="update").first()  # newest first
    assert change is not None
    assert change.before["state"] == "forwarded" and change.after["state"] == "rejected"


def test_refusals_have_chinese_messages(world: World, case: ExampleCase) -> None:
    with pytest.raises(TransitionRefused, match="无权执行“转交县级”"):
        apply_transition(case, "forward", world.users["enterprise_user"])
    with pytest.raises(TransitionRefused, match="当前状态为“已提交”，不能执行“驳回”"):
        apply_transition(case, "reject", world.users["county_analyst"], "x")
    apply_transition(case, "forward", world.users["town_official"])
    with pytest.raises(TransitionRefused, match="须填写理由"):
        apply_transition(case, "reject", world.users["county_analyst"], "  ")
    with pytest.raises(TransitionRefused, match="请先指定承办部门"):
        apply_transition(case, "route", world.users["county_analyst"])
    with pytest.raises(TransitionRefused, match="无权"):  # supervisors change nothing
        apply_transition(case, "accept", world.users["supervisor"])
    assert WorkflowEvent.objects.count() == 1


def test_out_of_scope_is_404(world: World, case: ExampleCase) -> None:
    with pytest.raises(Http404):
        apply_transition(case, "forward", world.users["other_county_analyst"])
    with pytest.raises(Http404):  # not routed to this department (yet)
        apply_transition(case, "forward", world.users["department_user"])


def test_double_click_gives_exactly_one_transition(world: World, case: ExampleCase) -> None:
    """Two copies loaded before either acted (a double click, two tabs): one wins."""
    apply_transition(case, "forward", world.users["town_official"])
    first = ExampleCase.objects.get(pk=case.pk)
    second = ExampleCase.objects.get(pk=case.pk)
    apply_transition(first, "accept", world.users["county_analyst"])
    with pytest.raises(TransitionConflict, match="已被他人处理，当前状态为“已采纳”"):
        apply_transition(second, "reject", world.users["county_analyst"], "迟到的驳回")
    assert WorkflowEvent.objects.filter(object_id=str(case.pk)).count() == 2
    assert ExampleCase.objects.get(pk=case.pk).state == "accepted"


@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_on_postgres(world: World) -> None:
    """Two threads act at the same moment on a real server: exactly one transition."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need a server database (TIANGONG_DB=postgres)")
    case = ExampleCase.objects.create(enterprise=world.enterprises["A"], title="并发",
                                      state="forwarded")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(action: str) -> None:
        copy = ExampleCase.objects.get(pk=case.pk)
        barrier.wait()
        try:
            apply_transition(copy, action, world.users["county_analyst"], "并发测试")
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(a,)) for a in ("accept", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert WorkflowEvent.objects.filter(object_id=str(case.pk)).count() == 1


def test_page_buttons_and_post(world: World, case: ExampleCase, client) -> None:
    client.force_login(world.users["town_official"])
    page = client.get(f"/example/{case.pk}/").content.decode()
    assert "转交县级" in page and "驳回" not in page
    client.post(f"/example/{case.pk}/forward/", {"note": "转县"})
    client.post(f"/example/{case.pk}/forward/", {"note": "再点一次"})  # double click
    assert WorkflowEvent.objects.filter(object_id=str(case.pk)).count() == 1
    page = client.get(f"/example/{case.pk}/").content.decode()
    assert "不能执行“转交县级”" in page


def test_attachment_download_is_scoped(world: World, case: ExampleCase, client) -> None:
    event = apply_transition(case, "forward", world.users["town_official"], "附件",
                             [SimpleUploadedFile("用地证明.pdf", b"%PDF-1.4 evidence")])
    att = event.attachments.get()
    client.force_login(world.users["county_analyst"])
    response = client.get(f"/attachments/{att.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == \
        b"%PDF-1.4 evidence"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(world.users["other_county_analyst"])
    assert client.get(f"/attachments/{att.pk}/").status_code == 404
