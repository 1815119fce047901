"""The two tables every part of the direct service exchanges: requests and their events.

The importer writes them, the demo generator writes them, the platform exports them and the
KPI report reads them, so their columns are fixed here once. A request row holds what is known
when it is filed and routed plus the stored deadline; everything that happens after (routing,
objection, answers, pauses, extensions, closure, rating, reopening) is an event row, and the
KPIs are computed from the events, as a supervisor would recount them from the log. An event
that sets the deadline (routing, a resume after a pause, an approved extension) carries the new
due date, so the stored deadline of a request can be checked against its log.
"""

from __future__ import annotations

import pyarrow as pa

from tiangong.errors import DataError, Problem

STATES: dict[str, str] = {
    "received": "待交办", "assigned": "待签收", "objected": "异议待裁定",
    "handling": "办理中", "paused_enterprise": "等待企业补充", "paused_inspection": "等待现场核查",
    "closed": "已办结待评价", "rated": "已评价", "merged": "已合并",
}
ACTIONS: dict[str, str] = {
    "file": "提交诉求", "route": "交办", "accept": "签收", "object": "提出异议",
    "settle_keep": "裁定维持交办", "settle_reroute": "裁定改派", "reroute": "改派",
    "partner_assign": "分派协办", "partner_answer": "协办答复", "answer": "答复企业",
    "note": "内部备注", "pause": "暂停计时", "pause_switch": "转入另一暂停状态",
    "resume": "恢复计时",
    "extension_ask": "申请延期", "extension_approve": "批准延期", "extension_reject": "驳回延期",
    "close": "办结", "rate": "评价", "reopen": "重新办理", "merge": "合并重复诉求",
    "remind": "到期提醒", "escalate": "超期督办",
}
CHANNELS: dict[str, str] = {
    "form": "企业端填报", "api": "企业码", "hotline": "12345热线", "haochaping": "好差评",
    "visit": "走访", "evaluation_objection": "亩均评价异议", "project": "重大项目问题",
}

REQUESTS = pa.schema([
    ("request_id", pa.string()), ("received_at", pa.timestamp("s")), ("channel", pa.string()),
    ("external_id", pa.string()), ("uscc", pa.string()), ("enterprise_name", pa.string()),
    ("link_method", pa.string()), ("needs_confirmation", pa.bool_()),
    ("town", pa.string()), ("industry_chain", pa.string()), ("enterprise_class", pa.string()),
    ("category", pa.string()), ("text", pa.string()), ("lead_department", pa.string()),
    ("assigned_on", pa.date32()), ("due_on", pa.date32()), ("state", pa.string()),
])
EVENTS = pa.schema([
    ("request_id", pa.string()), ("seq", pa.int32()), ("at", pa.timestamp("s")),
    ("action", pa.string()), ("from_state", pa.string()), ("to_state", pa.string()),
    ("department", pa.string()), ("role", pa.string()), ("closure_code", pa.string()),
    ("rating", pa.string()), ("due_on", pa.date32()), ("note", pa.string()),
])


def check_tables(requests: pa.Table, events: pa.Table) -> None:
    """Raise DataError naming every missing column or unknown action, before any KPI runs."""
    problems = []
    for name, table, schema in (("requests", requests, REQUESTS), ("events", events, EVENTS)):
        missing = [f.name for f in schema if f.name not in table.column_names]
        if missing:
            problems.append(Problem(f"缺少列：{', '.join(missing)}", name))
    if "action" in events.column_names:
        seen = set(events.column("action").unique().to_pylist()) - {None}
        unknown = sorted(seen - set(ACTIONS))
        if unknown:
            problems.append(Problem(f"未知的事件类型：{', '.join(unknown)}", "events",
                                    field="action"))
    if problems:
        raise DataError(problems, title="诉求数据表有误：")


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()
