"""The enterprise page gathers what every app knows of the firm (issue 11's enterprise page,
issue 12 point 9's request history, issue 13's projects), each section under the same scope."""

from __future__ import annotations

from django.test import Client

from tiangong.platform.core.testing import World
from tiangong.platform.services.actions import file_request


def test_the_enterprise_page_lists_its_requests_and_only_its_own(world: World,
                                                                client: Client) -> None:
    firm_a, firm_b = world.enterprises["A"], world.enterprises["B"]
    user = world.users["enterprise_user"]  # bound to A
    file_request(user, firm_a, "permit", "厂房施工许可办理进度")
    file_request(world.users["county_analyst"], firm_b, "tax", "B 企业的退税问题")
    client.force_login(user)
    page = client.get(f"/enterprises/{firm_a.uscc}/").content.decode()
    assert "企业诉求记录" in page and "厂房施工许可办理进度" in page
    assert "B 企业的退税问题" not in page
    assert client.get(f"/enterprises/{firm_b.uscc}/").status_code == 404
    client.force_login(world.users["county_analyst"])
    page_b = client.get(f"/enterprises/{firm_b.uscc}/").content.decode()
    assert "B 企业的退税问题" in page_b and "厂房施工许可办理进度" not in page_b
