"""Each county's own categories and routing rules: the 直通办's edit page checks both texts
(every problem with its line and field, in Chinese), keeps the copy as a change-logged row, and
routing and deadlines of that county (only) follow it. Deadlines counted by hand on the 2026
calendar: routed Monday 2026-03-02, 7 working days → 03-11 (default), 10 → 03-16."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tiangong.platform.core.models import ObjectChange
from tiangong.platform.core.testing import World
from tiangong.platform.services import actions
from tiangong.platform.services.models import CountyServiceConfig
from tiangong.services.config import default_categories_text
from tiangong.services.routing import default_rules_text

D = dt.date.fromisoformat
TAX_7 = "  - code: tax\n    name: 税费办理\n    close_days: 7\n"


def _texts(tax_days: int = 10, tax_lead: str = "供电公司") -> dict[str, str]:
    cats = default_categories_text()
    assert TAX_7 in cats
    rules = default_rules_text().replace("R02,tax,,,,税务局,,", f"R02,tax,,,,{tax_lead},,")
    return {"categories_yaml": cats.replace(TAX_7, TAX_7.replace("7", str(tax_days))),
            "routing_csv": rules}


def test_county_edits_its_rules_and_routing_follows(world: World, cal: None, today: Any,
                                                     client: Client) -> None:
    office, firm = world.users["county_analyst"], world.users["enterprise_user"]
    client.force_login(office)
    page = client.get("/services/settings/").content.decode()
    assert "正在使用安装默认值" in page and "R02,tax,,,,税务局" in page

    # bad input: every problem named with its line and field, nothing saved
    bad = _texts()
    bad["categories_yaml"] = bad["categories_yaml"].replace("close_days: 10", "close_days: -3")
    bad["routing_csv"] += "R99,nosuch,,,,经信局,,\n"
    page = client.post("/services/settings/", bad).content.decode()
    assert "未保存" in page and "close_days 须为非负整数（工作日），而不是 -3" in page
    assert "黄岩区诉求类别:" in page
    line = len(bad["routing_csv"].splitlines())
    assert f"黄岩区路由规则:{line} [category]: 未知的诉求类别 nosuch" in page
    assert not CountyServiceConfig.objects.exists()

    # a valid copy is saved as a change-logged row
    r = client.post("/services/settings/", _texts())
    assert r.status_code == 302
    row = CountyServiceConfig.objects.get()
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(CountyServiceConfig),
        object_id=str(row.pk))
    assert change.action == "create" and "R02,tax,,,,供电公司" in change.after["routing_csv"]

    # 黄岩 routes tax to 供电 with 10 working days; 路桥 keeps the default
    req = actions.file_request(firm, world.enterprises["A"], "tax", "留抵退税")
    prop, lead, _ = actions.proposal(req)
    assert prop is not None and prop.lead == "供电公司" and lead == world.departments[
        "331003/power"]
    actions.route(req, office, lead)
    req.refresh_from_db()
    assert req.due_on == D("2026-03-16")
    other = actions.file_request(world.users["other_county_analyst"], world.enterprises["C"],
                                 "tax", "发票")
    prop, lead, _ = actions.proposal(other)
    assert prop is not None and prop.lead == "税务局" and lead == world.departments[
        "331004/tax"]
    assert actions.limits(other).close_days == 7

    # a category the county's requests use cannot be dropped
    drop = _texts()
    drop["categories_yaml"] = drop["categories_yaml"].replace(
        TAX_7.replace("7", "10"), "")
    drop["routing_csv"] = "\n".join(x for x in drop["routing_csv"].splitlines()
                                    if ",tax," not in x) + "\n"
    page = client.post("/services/settings/", drop).content.decode()
    assert "类别 tax 仍有本县诉求使用" in page
    # an edit is logged as an update with before and after
    client.post("/services/settings/", _texts(tax_days=9))
    change = ObjectChange.objects.filter(object_id=str(row.pk), action="update").get(
        content_type=ContentType.objects.get_for_model(CountyServiceConfig))
    assert "close_days: 10" in change.before["categories_yaml"]
    assert "close_days: 9" in change.after["categories_yaml"]
    assert actions.limits(req).close_days == 9
    # back to the default
    client.post("/services/settings/", {"reset": "1"})
    assert not CountyServiceConfig.objects.exists()
    assert actions.limits(req).close_days == 7


def test_only_a_county_office_edits(world: World, client: Client) -> None:
    for role in ("department_user", "enterprise_user", "city_analyst", "supervisor"):
        client.force_login(world.users[role])
        assert client.get("/services/settings/").status_code == 403, role
        assert client.post("/services/settings/", _texts()).status_code == 403, role
    assert not CountyServiceConfig.objects.exists()


def test_the_api_files_in_the_county_own_categories(world: World, cal: None,
                                                     client: Client) -> None:
    from tiangong.platform.core.models import ApiToken

    texts = _texts()
    added = "  - code: water\n    name: 供水报装\n    close_days: 5\n"
    texts["categories_yaml"] = texts["categories_yaml"].replace(
        TAX_7.replace("7", "10"), TAX_7.replace("7", "10") + added)
    client.force_login(world.users["county_analyst"])
    assert client.post("/services/settings/", texts).status_code == 302
    _, key = ApiToken.issue(world.users["enterprise_user"], "企业码")  # a firm of 黄岩
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listed = {c["code"]: c for c in client.get("/api/services/categories", **auth).json()}
    assert listed["water"] == {"code": "water", "name": "供水报装", "close_days": 5,
                               "complex": False}
    assert listed["tax"]["close_days"] == 10  # the county's copy, not the default's 7
    filed = client.post("/api/services/requests", '{"category": "water", "text": "报装"}',
                        content_type="application/json", **auth)
    assert filed.status_code == 200 and filed.json()["category"] == "water"
    # 路桥 (another county) keeps the default list: no water there
    _, okey = ApiToken.issue(world.users["other_county_analyst"], "直通办")
    oauth = {"HTTP_AUTHORIZATION": f"Bearer {okey}"}
    theirs = {c["code"] for c in client.get("/api/services/categories", **oauth).json()}
    assert "water" not in theirs and "tax" in theirs
    refused = client.post("/api/services/requests",
                          '{"category": "water", "text": "报装", "enterprise_uscc": "'
                          f'{world.enterprises["C"].uscc}"}}', content_type="application/json",
                          **oauth)
    assert refused.status_code == 422 and "未知的诉求类别“water”" in refused.json()["detail"]


def test_a_renamed_category_is_shown_by_the_county_name(world: World, cal: None,
                                                        client: Client) -> None:
    """The county's copy names its requests' category everywhere they are listed; another
    county's requests keep the installation's name."""
    texts = _texts()
    texts["categories_yaml"] = texts["categories_yaml"].replace("name: 税费办理",
                                                                "name: 税务事项（黄岩）")
    office = world.users["county_analyst"]
    client.force_login(office)
    assert client.post("/services/settings/", texts).status_code == 302
    mine = actions.file_request(world.users["enterprise_user"], world.enterprises["A"], "tax",
                                "留抵退税")
    theirs = actions.file_request(world.users["other_county_analyst"], world.enterprises["C"],
                                  "tax", "发票")
    detail = client.get(f"/services/{mine.pk}/").content.decode()
    assert "税务事项（黄岩）" in detail
    pool = client.get("/services/").content.decode()
    assert "税务事项（黄岩）" in pool and "税费办理" not in pool
    client.force_login(world.users["other_county_analyst"])
    other = client.get(f"/services/{theirs.pk}/").content.decode()
    assert "税费办理" in other and "税务事项" not in other
