"""Approval items (环评 and the like) spawned by a request: limits and tracks as data.

Zhejiang's "区域环评 + 环境标准" reform cut the approval of a 报告书 from the statutory 60 to a
promised 15 working days and of a 报告表 from 30 to 7; 登记表 are filed on the spot, and under
告知承诺 an approval is given on the spot and checked afterwards (东台, 庆元). So an approval
has two deadlines, the statutory and the promised one, and a count of the enterprise's physical
visits (the "跑" KPI, target 0, "一次不用跑"). Two tracks: 受理 → 审查 → 公示 → 批复, and
告知承诺 → 当场办结 → 事后核查.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tiangong.services.calendar import WorkdayCalendar, add_working_days


@dataclass(frozen=True)
class ApprovalKind:
    code: str
    name: str
    track: str  # standard | commitment
    statutory_days: int
    promised_days: int


APPROVAL_KINDS: dict[str, ApprovalKind] = {k.code: k for k in (
    ApprovalKind("eia_report_book", "环评报告书审批", "standard", 60, 15),
    ApprovalKind("eia_report_table", "环评报告表审批", "standard", 30, 7),
    ApprovalKind("eia_registration", "环评登记表备案", "commitment", 0, 0),
    ApprovalKind("eia_commitment", "环评告知承诺制审批", "commitment", 1, 0),
)}


def approval_deadlines(cal: WorkdayCalendar, received_on: dt.date,
                       kind: ApprovalKind) -> tuple[dt.date, dt.date]:
    """(statutory deadline, promised deadline) in working days after receipt."""
    return (add_working_days(cal, received_on, kind.statutory_days),
            add_working_days(cal, received_on, kind.promised_days))
