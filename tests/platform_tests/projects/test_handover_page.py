"""The hand-over on the project page: the firm's USCC, 新升规 detected from the 规上 rosters of
two intakes, the firm's size in the latest one, and the 达产 check of each commitment against
the review year's evaluation data, with the values compared. Every expected number is computed
by hand below from the rows written here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.test import Client

from tiangong.platform.core.models import ObjectChange
from tiangong.platform.core.testing import World
from tiangong.platform.projects.handover import store_handover
from tiangong.platform.projects.models import (
    HandoverResult,
    Project,
    ProjectCommitment,
    ProjectMonth,
    ProjectStage,
)
from tiangong.platform.projects.workflow import project_config
from tiangong.projects.handover import Roster


def _setup(world: World) -> tuple[Project, Project, list[Roster], pd.DataFrame]:
    a, b = world.enterprises["A"], world.enterprises["B"]
    p = Project.objects.create(code="H1", name="交接项目", region=world.regions["331003001"],
                               enterprise=a, total_investment=80000, fixed_investment=60000,
                               land_mu=100, state="capacity")
    ProjectStage.objects.create(project=p, stage="capacity", actual=dt.date(2022, 11, 1))
    for month, invest in (("2022-03", 20000), ("2022-06", 30000), ("2023-01", 10000)):
        ProjectMonth.objects.create(project=p, month=month, invest=invest, funds=0)
    for indicator, value in (("tax_per_mu", 30), ("value_added_per_mu", 200),
                             ("energy_per_value_added", 0.4), ("investment_intensity", 600)):
        ProjectCommitment.objects.create(project=p, indicator=indicator, value=value)
    q = Project.objects.create(code="H2", name="已规上项目", region=world.regions["331003100"],
                               enterprise=b, total_investment=20000, fixed_investment=10000,
                               land_mu=40, state="production")
    rosters = [
        Roster("I0001", 2021, "2022-04", pd.DataFrame({"uscc": [a.uscc, b.uscc],
                                                       "size_class": ["below", "above"]})),
        Roster("I0002", 2022, "2023-04", pd.DataFrame({"uscc": [a.uscc, b.uscc],
                                                       "size_class": ["above", "above"]})),
    ]
    review = pd.DataFrame({"uscc": [a.uscc, b.uscc], "year": [2022, 2022],
                           "eval_tax": [3300.0, 500.0], "land_area": [100.0, 40.0],
                           "value_added": [18000.0, 4000.0], "energy_tce": [10800.0, 100.0]})
    return p, q, rosters, review


def test_the_project_page_shows_upgrade_and_capacity_checks(world: World,
                                                            client: Client) -> None:
    p, q, rosters, review = _setup(world)
    run = store_handover(Project.objects.all(), project_config(), rosters, review, 2022,
                         "I0002", today=dt.date(2023, 5, 2))
    assert run.stored == 2
    h = HandoverResult.objects.get(project=p)
    # A: 规下 in I0001 (2021), 规上 in I0002 (2022, stored 2023-04) → 新升规 in 2023-04
    assert (h.upgrade_status, h.upgrade_roster, h.upgrade_year, h.upgrade_month) == (
        "新升规", "I0002", 2022, "2023-04")
    assert h.upgrade_before == "I0001（2021）中为规下"
    assert (h.latest_roster, h.latest_year, h.latest_size) == ("I0002", 2022, "规上")
    assert ProjectStage.objects.get(project=p, stage="upgrade").actual == dt.date(2023, 4, 1)
    # B: 规上 already in the first roster
    assert HandoverResult.objects.get(project=q).upgrade_status == "已是规上"
    checks = {c["indicator"]: c for c in h.checks}
    # 亩均税收 3,300 ÷ 100 = 33 ≥ 30 × 0.95 = 28.5 → 达标
    assert (checks["tax_per_mu"]["actual"], checks["tax_per_mu"]["limit"],
            checks["tax_per_mu"]["holds"]) == (33.0, 28.5, True)
    # 亩均增加值 18,000 ÷ 100 = 180 < 200 × 0.95 = 190 → 未达标
    assert (checks["value_added_per_mu"]["actual"], checks["value_added_per_mu"]["limit"],
            checks["value_added_per_mu"]["holds"]) == (180.0, 190.0, False)
    # 单位增加值能耗 10,800 ÷ 18,000 = 0.6 > 0.4 × 1.05 = 0.42 (a ceiling) → 未达标
    energy = checks["energy_per_value_added"]
    assert round(energy["actual"], 9) == 0.6 and round(energy["limit"], 9) == 0.42
    assert energy["holds"] is False
    # 投资强度: invested to the end of 2022 = 20,000 + 30,000 (2023-01 not counted) = 50,000
    # over 100 亩 = 500 < 600 × 0.95 = 570 → 未达标
    assert (checks["investment_intensity"]["actual"], checks["investment_intensity"]["limit"],
            checks["investment_intensity"]["holds"]) == (500.0, 570.0, False)
    client.force_login(world.users["town_official"])
    page = client.get(f"/projects/{p.pk}/").content.decode()
    assert f"项目企业：{p.enterprise.name}（统一社会信用代码 {p.enterprise.uscc}）" in page
    assert ("<strong>新升规</strong>：在 I0002（2022 年规上名录，2023-04 入库）中首次为规上；"
            "此前 I0001（2021）中为规下。") in page
    assert "最新一期名录 I0002（2022 年）中：规上。" in page
    assert "达产承诺复核（2022 年评价数据，I0002）" in page
    assert ("<tr><td>亩均税收（万元/亩）</td><td>30.00</td><td>33.00</td><td>28.50</td>"
            "<td>达标</td><td>亩均税收：实际 33.00 万元/亩，承诺 30.00，须 ≥ 28.50（容差 5%）→ 达标"
            "</td></tr>") in page
    assert ("<tr><td>投资强度（万元/亩）</td><td>600.00</td><td>500.00</td><td>570.00</td>"
            "<td>未达标</td>") in page
    assert "项目尚未通过达产关口" not in page  # H1 passed 达产 on 2022-11-01
    # run again with the same data: nothing changes, nothing new in the change log
    logged = ObjectChange.objects.filter(content_type__model="handoverresult").count()
    store_handover(Project.objects.all(), project_config(), rosters, review, 2022, "I0002")
    assert ObjectChange.objects.filter(content_type__model="handoverresult").count() == logged


def test_a_project_without_results_says_how_they_come(world: World, client: Client) -> None:
    p = Project.objects.create(code="H3", name="新项目", region=world.regions["331003001"],
                               total_investment=20000, fixed_investment=10000, land_mu=40,
                               investor_uscc="91350100M000100Y43")
    client.force_login(world.users["county_analyst"])
    page = client.get(f"/projects/{p.pk}/").content.decode()
    assert "尚未关联项目企业" in page and "投资主体统一社会信用代码 91350100M000100Y43" in page
    assert "尚无交接复核结果" in page
