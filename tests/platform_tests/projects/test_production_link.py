"""Hand-over at 投产 (issue 13 point 6): a project without its firm cannot pass the 投产 gate
until the officer names the firm by USCC — a wrong check digit, a firm not in the roster or
outside the officer's scope are refused with a reason and nothing moves; a good USCC links the
firm in the same transition (and the change log has it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import TransitionRefused, events_for
from tiangong.platform.projects import services
from tiangong.platform.projects.models import Project


def _at_completion(world: World) -> Project:
    return Project.objects.create(code="T1", name="投产项目", region=world.regions["331003001"],
                                  enterprise=None, team="专班", industry_code="3421",
                                  total_investment=60000, fixed_investment=48000, land_mu=100,
                                  state="complete")


def _invoice() -> dict[str, SimpleUploadedFile]:
    return {"首笔销售发票": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice")}


def test_production_gate_links_the_firm(world: World) -> None:
    project = _at_completion(world)
    officer = world.users["town_official"]  # 东城街道
    day = dt.date.today() - dt.timedelta(days=2)
    a, b, c = (world.enterprises[k].uscc for k in "ABC")
    with pytest.raises(TransitionRefused, match="请填写企业的统一社会信用代码"):
        services.pass_gate(project, "production", officer, day, _invoice())
    wrong = a[:-1] + ("0" if a[-1] != "0" else "1")
    with pytest.raises(TransitionRefused, match="校验位不正确"):
        services.pass_gate(project, "production", officer, day, _invoice(), uscc=wrong)
    # C lies in 路桥区, B in 院桥镇: not in the town official's scope
    for other in (b, c):
        with pytest.raises(TransitionRefused, match="企业名录中没有"):
            services.pass_gate(project, "production", officer, day, _invoice(), uscc=other)
    project.refresh_from_db()
    assert project.state == "complete" and project.enterprise is None
    assert not events_for(project).exists()
    services.pass_gate(project, "production", officer, day, _invoice(), uscc=a.lower())
    project.refresh_from_db()
    assert (project.state, project.enterprise) == ("production", world.enterprises["A"])
    assert [e.action for e in events_for(project)] == ["pass_production"]
