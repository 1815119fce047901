"""What the pages and the API do with projects, in one place: read the library's Portfolio from
the rows a user may see, pass a gate with its evidence, report a month, store a portfolio.

Every computation (classes, 序时进度, 晾晒, KPIs) is the library's; this module only moves rows
between the database and the library's tables, and applies the gate rule of
`tiangong.projects.stages.gate_problems` before the core's `apply_transition`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction

from tiangong.platform.core.workflow import TransitionRefused, apply_transition, events_for
from tiangong.platform.projects.models import (
    Project,
    ProjectCommitment,
    ProjectMonth,
    ProjectPlan,
    ProjectStage,
)
from tiangong.platform.projects.workflow import project_config
from tiangong.projects.portfolio import Portfolio
from tiangong.projects.stages import gate_problems

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def portfolio(projects: Any) -> Portfolio:
    """The library's Portfolio of the given (already scoped) Project queryset.

    A province is 5,000 projects with 180,000 monthly rows: each table is read with one plain
    SQL query (the ORM's SQL, fetched without model instances or per-row dicts) and built
    column-wise; the library fixes the types (`Portfolio.normalised`)."""
    names = ["pk", "name", "region__code", "region__name", "team", "industry_code", "investor",
             "enterprise__uscc", "total_investment", "fixed_investment", "land_mu", "origin"]
    frame = pd.DataFrame(_fetch(projects.order_by().values_list(*names)), columns=names)
    frame = pd.DataFrame({
        "project_id": frame["pk"].astype(str), "name": frame["name"],
        "county_code": frame["region__code"].str[:6], "town_code": frame["region__code"],
        "town_name": frame["region__name"],
        "team": frame["team"].where(frame["team"].astype(bool), "(未填)"),
        "industry_code": frame["industry_code"], "investor": frame["investor"],
        "uscc": frame["enterprise__uscc"], "total_investment": frame["total_investment"],
        "fixed_investment": frame["fixed_investment"], "land_mu": frame["land_mu"],
        "origin": frame["origin"]})
    ids = projects.values("pk")  # a subquery, not a list of thousands of parameters

    def table(model: Any, fields: list[str], names: list[str]) -> pd.DataFrame:
        out = pd.DataFrame(_fetch(model.objects.filter(project_id__in=ids).order_by()
                                  .values_list("project_id", *fields)),
                           columns=["project_id", *names])
        out["project_id"] = out["project_id"].astype(str)
        return out

    return Portfolio(
        frame,
        table(ProjectStage, ["stage", "planned", "actual"], ["stage", "planned", "actual"]),
        table(ProjectPlan, ["year", "plan"], ["year", "plan"]),
        table(ProjectMonth, ["month", "invest", "funds"], ["month", "invest", "funds"]),
        table(ProjectCommitment, ["indicator", "value"], ["indicator", "value"]),
    ).normalised()


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of a values_list queryset by its own SQL, straight from the cursor (none for
    a queryset that cannot match, e.g. a user without a scope: `.none()`)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def evidence_of(project: Project) -> dict[str, list[Any]]:
    """Evidence kind → attachments, from the gate events (named '<kind>：<file>')."""
    out: dict[str, list[Any]] = {}
    for event in events_for(project):
        for a in event.attachments.all():
            kind = a.name.split("：", 1)[0]
            out.setdefault(kind, []).append(a)
    return out


PRODUCTION = "production"  # at 投产 the project's firm is linked by its USCC (hand-over)


def pass_gate(project: Project, stage: str, user: Any, actual: dt.date,
              files: Mapping[str, UploadedFile], note: str = "",
              today: dt.date | None = None, uscc: str = "") -> Any:
    """Pass the gate into `stage`: the library's rule (order, every required piece of
    evidence given now, date not in the future), then the core's transition with the files as
    attachments and the stage's actual date set in the same transaction. At 投产 a project
    without its firm must name it by USCC (a firm of the enterprise roster the officer sees),
    so that the hand-over (新升规, 达产 check) finds it in the evaluation data."""
    config = project_config()
    chain = [s.id for s in config.stages]
    if stage not in chain:
        raise TransitionRefused(f"没有“{stage}”这一阶段。")
    reached = set(chain[: chain.index(project.state) + 1]) if project.state in chain else set()
    problems = gate_problems(config, stage, reached, {k for k, f in files.items() if f},
                             actual, today or dt.date.today())
    problems = [p for p in problems if p.code != "previous_stage"]  # the state machine says it
    if problems:
        raise TransitionRefused("；".join(p.message for p in problems) + "。")
    updates = {"enterprise": _production_firm(user, uscc)} if (
        stage == PRODUCTION and project.enterprise_id is None) else None
    uploads: Sequence[UploadedFile] = []
    for kind, upload in files.items():
        upload.name = f"{kind}：{upload.name}"
        uploads = [*uploads, upload]
    with transaction.atomic():
        event = apply_transition(project, f"pass_{stage}", user, note, uploads,
                                 updates=updates)
        row, _ = ProjectStage.objects.get_or_create(project=project, stage=stage)
        row.actual = actual
        row.save()
    return event


def _production_firm(user: Any, uscc: str) -> Any:
    from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
    from tiangong.platform.core.models import Enterprise
    from tiangong.platform.core.scope import restrict

    code = normalize_uscc(uscc or "")
    if not code:
        raise TransitionRefused("项目投产须关联项目企业：请填写企业的统一社会信用代码。")
    if not is_valid_uscc(code):
        raise TransitionRefused(f"统一社会信用代码 {code} 校验位不正确，请核对。")
    firm = restrict(Enterprise, user).filter(uscc=code).first()
    if firm is None:
        raise TransitionRefused(f"企业名录中没有统一社会信用代码为 {code} 的企业"
                                "（或不在您的管辖范围）：请先将企业纳入企业名录。")
    return firm


def go_back(project: Project, user: Any, note: str) -> Any:
    """Return the project to the previous stage with a reason; the stage's actual date is
    cleared (the event keeps what it was)."""
    stage = project.state
    with transaction.atomic():
        event = apply_transition(project, f"back_{stage}", user, note)
        ProjectStage.objects.filter(project=project, stage=stage).update(actual=None)
    return event


def report_month(project: Project, user: Any, month: str, invest: float,
                 funds: float) -> ProjectMonth:
    """Record (or correct) one month's figures; refuses a malformed or future month and
    negative amounts with a sentence the user can act on."""
    if not _MONTH.match(month):
        raise ValueError(f"月份应写作 YYYY-MM，不是“{month}”。")
    if month > dt.date.today().strftime("%Y-%m"):
        raise ValueError(f"{month} 尚未到来，不能填报。")
    if invest < 0 or funds < 0:
        raise ValueError("完成投资和到位资金不能为负数。")
    if getattr(user, "is_read_only", False):
        raise ValueError("督查人员只读，不能填报。")
    row, _ = ProjectMonth.objects.get_or_create(project=project, month=month)
    row.invest, row.funds, row.reported_by = invest, funds, user
    row.save()
    return row


def store_portfolio(p: Portfolio, regions: Mapping[str, Any], enterprises: Mapping[str, Any],
                    default_region: Any) -> int:
    """Write a library Portfolio (the demo's, an imported ledger) as platform rows; towns are
    matched by name in `regions`, firms by USCC in `enterprises`. The state is the last stage
    reached. Returns the number of projects written."""
    chain = [s.id for s in project_config().stages]
    reached_by = ~pd.isna(p.stage_dates("actual", chain).to_numpy())
    by_id: dict[str, Project] = {}
    records: list[dict[Any, Any]] = p.projects.to_dict("records")
    for r, reached in zip(records, reached_by, strict=True):
        done = [s for s, ok in zip(chain, reached, strict=True) if ok]
        uscc, land = r["uscc"], r["land_mu"]
        by_id[str(r["project_id"])] = Project.objects.create(
            code=r["project_id"], name=r["name"],
            region=regions.get(r["town_name"], default_region),
            enterprise=enterprises.get(uscc) if isinstance(uscc, str) else None,
            investor=r["investor"] or "", team=r["team"] or "",
            industry_code=r["industry_code"] or "", total_investment=_num(r["total_investment"]),
            fixed_investment=_num(r["fixed_investment"]), land_mu=land if land == land else 0,
            origin=r["origin"] or "", state=done[-1] if done else "registered")

    def day(v: Any) -> dt.date | None:
        return None if pd.isna(v) else pd.Timestamp(v).date()

    ProjectStage.objects.bulk_create([
        ProjectStage(project=by_id[str(s.project_id)], stage=s.stage, planned=day(s.planned),
                     actual=day(s.actual)) for s in p.stages.itertuples()])
    ProjectPlan.objects.bulk_create([
        ProjectPlan(project=by_id[str(x.project_id)], year=x.year, plan=x.plan)
        for x in p.plans.itertuples()])
    ProjectMonth.objects.bulk_create([
        ProjectMonth(project=by_id[str(x.project_id)], month=x.month, invest=x.invest,
                     funds=x.funds) for x in p.monthly.itertuples()])
    ProjectCommitment.objects.bulk_create([
        ProjectCommitment(project=by_id[str(x.project_id)], indicator=x.indicator,
                          value=x.value) for x in p.commitments.itertuples()])
    return len(by_id)


def _num(value: Any) -> float | None:
    """NaN (a cell the importer could not read) is stored as NULL."""
    return None if value is None or value != value else float(value)
