"""A county's own stage chain: the library's checks (hand-written cases), the county analyst's
page, and the county's projects following it (gates, timeline) while another county keeps the
installation's chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tiangong.platform.core.models import ObjectChange
from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import TransitionRefused
from tiangong.platform.projects import services
from tiangong.platform.projects.models import Project, ProjectStage, StageChain
from tiangong.projects.chain import chain_problems, county_config
from tiangong.projects.config import ConfigError, load_config

BASE = load_config()


def _default() -> list[dict[str, Any]]:
    return [s.model_dump() for s in BASE.stages]


def _with_eia() -> list[dict[str, Any]]:
    """供地 renamed 拿地, 环评 added after 签约 with its evidence."""
    stages = _default()
    stages[1]["label"] = "拿地"
    stages.insert(1, {"id": "eia", "label": "环评", "evidence": ["环评批复"]})
    return stages


def test_library_accepts_renames_and_additions() -> None:
    assert chain_problems(BASE, _default()) == []
    config = county_config(BASE, _with_eia())
    assert [s.label for s in config.stages] == ["签约", "环评", "拿地", "开工", "竣工", "投产",
                                                "达产", "新升规"]
    assert config.racing == BASE.racing  # the 晾晒's rules are the installation's


def test_library_refuses_with_every_reason() -> None:
    stages = _default()
    del stages[2]                                        # 开工 removed
    stages[0], stages[1] = stages[1], stages[0]          # 供地 before 签约
    stages.append({"id": "audit", "label": "供地", "evidence": []})  # label twice, no evidence
    stages.append({"id": "Bad-Id", "label": "验收", "evidence": ["报告"], "automatic": True})
    problems = chain_problems(BASE, stages)
    assert problems == [
        "第 8 个阶段的代码“Bad-Id”应为小写字母开头的字母、数字或下划线（至多 20 个字符）",
        "阶段名称“供地”重复",
        "不能删除阶段“开工”（start）：晾晒规则、指标和交接要用到它，可以改名",
        "原有阶段的先后顺序不能改变：应为 签约 → 供地 → 竣工 → 投产 → 达产 → 新升规",
        "阶段“供地”不能排在系统自动认定的阶段之后",
        "阶段“供地”的关口须至少列出一项证明材料",
        "新增阶段“验收”不能设为系统自动认定（没有认定它的数据）",
    ]
    with pytest.raises(ConfigError, match="阶段链无效"):
        county_config(BASE, stages)


def _post(rows: list[dict[str, Any]]) -> dict[str, str]:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for i, r in enumerate(rows):
        data.update({f"form-{i}-id": r.get("id", ""), f"form-{i}-label": r.get("label", ""),
                     f"form-{i}-evidence": "、".join(r.get("evidence", []))})
        for flag in ("contractual", "automatic"):
            if r.get(flag):
                data[f"form-{i}-{flag}"] = "on"
    return data


def _project(world: World, code: str, town: str) -> Project:
    p = Project.objects.create(code=code, name=f"项目{code}", region=world.regions[town],
                               total_investment=20000, fixed_investment=10000, land_mu=50,
                               state="sign")
    ProjectStage.objects.create(project=p, stage="sign", actual=dt.date(2026, 1, 5))
    return p


def test_the_county_edits_its_chain_and_its_projects_follow(world: World,
                                                            client: Client) -> None:
    own, other = _project(world, "K1", "331003001"), _project(world, "K2", "331004001")
    officer = world.users["county_analyst"]
    client.force_login(officer)
    page = client.get("/projects/chain/").content.decode()
    assert "本县目前使用全省（安装）默认阶段链" in page and 'value="供地"' in page
    bad = _default()
    bad[2]["label"] = "供地"
    page = client.post("/projects/chain/", _post(bad)).content.decode()
    assert "阶段链未保存" in page and "阶段名称“供地”重复" in page
    assert not StageChain.objects.exists()
    assert client.post("/projects/chain/", _post(_with_eia())).status_code == 302
    chain = StageChain.objects.get(region=world.regions["331003"])
    assert [s["label"] for s in chain.stages][:3] == ["签约", "环评", "拿地"]
    assert ObjectChange.objects.filter(
        user=officer, action="create",
        content_type=ContentType.objects.get_for_model(StageChain)).count() == 1
    detail = client.get(f"/projects/{own.pk}/").content.decode()
    assert "环评" in detail and "拿地" in detail and "通过环评关口" in detail
    with pytest.raises(TransitionRefused, match="缺少证明材料：环评批复"):
        services.pass_gate(own, "eia", officer, dt.date(2026, 2, 1), {})
    services.pass_gate(own, "eia", officer, dt.date(2026, 2, 1),
                       {"环评批复": SimpleUploadedFile("批复.pdf", b"%PDF-1.4", "application/pdf")})
    own.refresh_from_db()
    assert own.state == "eia"
    assert ProjectStage.objects.get(project=own, stage="eia").actual == dt.date(2026, 2, 1)
    listing = client.get("/projects/").content.decode()
    assert "<td>已环评</td>" in listing
    client.force_login(world.users["other_county_analyst"])  # 路桥区 keeps the default chain
    detail = client.get(f"/projects/{other.pk}/").content.decode()
    assert "供地" in detail and "环评批复" not in detail and "拿地" not in detail
    with pytest.raises(TransitionRefused):
        services.pass_gate(other, "eia", world.users["other_county_analyst"],
                           dt.date(2026, 2, 1), {})
    # a stage a project is in cannot be removed
    client.force_login(officer)
    page = client.post("/projects/chain/", _post(_default())).content.decode()
    assert "有 1 个项目处于“eia”阶段，不能删除该阶段" in page


def test_who_may_edit_the_chain(world: World, client: Client) -> None:
    for role, status in (("town_official", 403), ("supervisor", 403), ("province_analyst", 403),
                         ("enterprise_user", 403), ("county_analyst", 200)):
        client.force_login(world.users[role])
        assert client.get("/projects/chain/").status_code == status, role
        if status == 403:
            assert client.post("/projects/chain/", _post(_with_eia())).status_code == 403
    client.force_login(world.users["administrator"])
    assert client.get("/projects/chain/").status_code == 404
    assert client.get("/projects/chain/", {"county": "331004"}).status_code == 200
    assert not StageChain.objects.exists()
