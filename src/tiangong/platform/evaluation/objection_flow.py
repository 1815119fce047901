"""The objection (异议) workflow: one transition table on the core mechanism.

    filed ──forward (town)──▶ forwarded ──accept (county, reason)──▶ accepted ──resolve──▶ corrected
      │                            └──────reject (county, reason)──▶ rejected
      └──withdraw (enterprise)──▶ withdrawn

Filing itself is a creation (views.objection_file, refused outside the 公示 period). Deadlines are
computed in working days (core calendar) by the view and stored with the transition: forwarding
starts the county's answer clock, accepting sets the correction deadline. `resolve` needs the
corrected publication linked (guard), so an accepted objection ends in a re-published run.
"""

from __future__ import annotations

from typing import Any

from tiangong.platform.core.roles import Role
from tiangong.platform.core.workflow import Transition, Workflow

ANSWER_WORKING_DAYS = 7  # county's answer after the town forwards (default; county may set)
CORRECTION_WORKING_DAYS = 10  # default correction deadline after acceptance


def _filer(obj: Any, event: Any) -> list[Any]:
    return [obj.filed_by]


def _county_analysts(obj: Any, event: Any) -> list[Any]:
    from tiangong.platform.core.models import User

    county = obj.result.publication.county
    return list(User.objects.filter(role=Role.COUNTY_ANALYST, region=county, is_active=True))


def _filer_and_town(obj: Any, event: Any) -> list[Any]:
    from tiangong.platform.core.models import User

    town = list(User.objects.filter(role=Role.TOWN_OFFICIAL, region=obj.result.region_id,
                                    is_active=True))
    return [obj.filed_by, *town]


def _correction_linked(obj: Any, user: Any) -> str | None:
    return None if obj.correction_id else "请先发布更正后的评价结果并关联到本异议。"


OBJECTION_WORKFLOW = Workflow(
    "objection",
    states={"filed": "已提交（待乡镇转交）", "forwarded": "县级审核中",
            "accepted": "已采纳，待更正", "rejected": "已驳回",
            "corrected": "已更正并重新公示", "withdrawn": "已撤回"},
    transitions=[
        Transition("filed", "forward", "forwarded", roles={Role.TOWN_OFFICIAL},
                   label="转交县级", notify=_county_analysts),
        Transition("filed", "withdraw", "withdrawn", roles={Role.ENTERPRISE_USER},
                   label="撤回异议", notify=_filer),
        Transition("forwarded", "accept", "accepted", roles={Role.COUNTY_ANALYST},
                   label="采纳", needs_note=True, notify=_filer_and_town),
        Transition("forwarded", "reject", "rejected", roles={Role.COUNTY_ANALYST},
                   label="驳回", needs_note=True, notify=_filer_and_town),
        Transition("accepted", "resolve", "corrected", roles={Role.COUNTY_ANALYST},
                   label="更正完成", guard=_correction_linked, notify=_filer_and_town),
    ],
    sla_snapshot=lambda obj: {"due": obj.due.isoformat() if obj.due else None},
)
