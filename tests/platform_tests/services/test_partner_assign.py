"""分派协办 while handling (issue 12 point 5): the lead's partner_assign creates the partner
task with its deadline (it used to record the event only, with no task), and one task can serve
several requests: a second request joins the open task, the lead of neither can close before
the partner answers once, and a task no longer open cannot be joined."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import apply_transition, events_for
from tiangong.platform.services import actions
from tiangong.platform.services.models import PartnerTask

from .test_requests import _file

D = dt.date.fromisoformat


def test_partner_assign_creates_and_shares_a_task(world: World, cal: None, today: Any,
                                                  power_user: Any, client: Client) -> None:
    office, tax = world.users["county_analyst"], world.users["department_user"]
    first = _file(world, "tax", "园区变电站容量不足，开票系统停机")
    second = _file(world, "tax", "同一停电导致无法开具发票")
    for req in (first, second):
        actions.route(req, office, world.departments["331003/tax"])  # 3-02 → due 3-11
        apply_transition(req, "accept", tax)
    client.force_login(tax)
    page = client.get(f"/services/{first.pk}/").content.decode()
    assert "分派协办" in page and 'name="join_task"' in page
    client.post(f"/services/{first.pk}/partner_assign/",
                {"partners": [world.departments["331003/power"].pk], "note": "请供电核实"})
    task = PartnerTask.objects.get()
    # partner rule: min(3-02 + 3 WD = 3-05, 3-11 − 1 WD = 3-10) = 3-05
    assert (task.department, task.due_on, list(task.requests.all())) == (
        world.departments["331003/power"], D("2026-03-05"), [first])
    assert f"协办任务 {task.pk}" in client.get(f"/services/{first.pk}/").content.decode()
    # the second request joins the same task
    client.post(f"/services/{second.pk}/partner_assign/", {"join_task": task.pk})
    assert PartnerTask.objects.count() == 1
    assert set(task.requests.all()) == {first, second}
    assert [e.action for e in events_for(second)][-1] == "partner_assign"
    # neither lead can close before the partner's answer; one answer serves both
    for req in (first, second):
        apply_transition(req, "answer", tax, "已答复企业")
        r = client.post(f"/services/{req.pk}/close/", {"closure_code": "solved"}, follow=True)
        assert "尚有协办单位未答复" in r.content.decode()
    actions.answer_partner(task, power_user, "已扩容")
    for req in (first, second):
        client.post(f"/services/{req.pk}/close/", {"closure_code": "solved"})
        req.refresh_from_db()
        assert req.state == "closed"
    # nothing chosen, or a task that is not an open one of this county: refused, no event
    third = _file(world, "tax", "另一件")
    actions.route(third, office, world.departments["331003/tax"])
    apply_transition(third, "accept", tax)
    n = events_for(third).count()
    r = client.post(f"/services/{third.pk}/partner_assign/", {}, follow=True)
    assert "请选择协办单位，或填写要加入的协办任务编号" in r.content.decode()
    r = client.post(f"/services/{third.pk}/partner_assign/", {"join_task": task.pk},
                    follow=True)  # answered already
    assert f"本县没有编号为 {task.pk} 的待答复协办任务" in r.content.decode()
    assert events_for(third).count() == n
