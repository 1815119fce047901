"""A department's queue: the open requests it leads and those it assists, merged by deadline
(views._department_queue reads each half by its own index), closed and foreign ones left out."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client

from tiangong.platform.core.scope import restrict
from tiangong.platform.core.testing import World
from tiangong.platform.services import actions
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.views import _department_queue

D = dt.date.fromisoformat


def test_queue_merges_led_and_assisted_by_deadline(world: World, client: Client) -> None:
    firm, tax = world.users["enterprise_user"], world.users["department_user"]
    depts = world.departments

    def make(lead: str, state: str, due: str) -> ServiceRequest:
        req = actions.file_request(firm, world.enterprises["A"], "tax", f"{lead} {due}")
        ServiceRequest.objects.filter(pk=req.pk).update(lead=depts[lead], state=state,
                                                        due_on=D(due))
        return req

    r1 = make("331003/tax", "handling", "2026-03-11")
    r2 = make("331003/tax", "assigned", "2026-03-05")
    make("331003/tax", "closed", "2026-03-02")  # closed: not in the queue
    r4 = make("331003/power", "paused_enterprise", "2026-03-04")  # tax assists
    make("331003/power", "handling", "2026-03-03")  # neither led nor assisted by tax
    task = PartnerTask.objects.create(department=depts["331003/tax"], question="协办",
                                      due_on=D("2026-03-03"))
    task.requests.add(r4)
    client.force_login(tax)
    page = client.get("/services/").content.decode()
    table = page[page.index('id="requests"'):]
    shown = [int(x) for x in re.findall(r'<td><a href="/services/(\d+)/">', table)]
    assert shown == [r4.pk, r2.pk, r1.pk]
    qs: Any = restrict(ServiceRequest, tax)
    assert [r.pk for r in _department_queue(qs, tax, n=2)] == [r4.pk, r2.pk]
