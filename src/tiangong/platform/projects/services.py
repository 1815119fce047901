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
from django.utils import timezone

from tiangong.platform.core.bulk import insert_frame, reserve_ids
from tiangong.platform.core.changelog import log_created_frame
from tiangong.platform.core.workflow import TransitionRefused, apply_transition, events_for
from tiangong.platform.projects.models import (
    Project,
    ProjectCommitment,
    ProjectMonth,
    ProjectPlan,
    ProjectStage,
)
from tiangong.platform.projects.workflow import REGISTERED, gate_workflow, project_config
from tiangong.projects.config import ProjectsConfig
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


def page_money(projects: Sequence[Project], as_of: dt.date) -> dict[int, tuple[float, Any]]:
    """pk → (年内完成 ytd_invest, 序时完成率 schedule_ratio) of a page of projects, the
    library's definitions (`tiangong.projects.money.project_money`: the year's months up to
    `as_of`'s month; target = the year's plan × `elapsed_share`) summed by the database, so a
    list page of 100 projects costs two small queries and no tables (the portfolio test checks
    the page against `project_money` of the whole portfolio)."""
    from django.db.models import Sum

    from tiangong.projects.money import elapsed_share, month_key

    if not projects:
        return {}
    pks = [pr.pk for pr in projects]
    share, _ = elapsed_share(as_of, project_config().progress.basis)
    plan = dict(ProjectPlan.objects.filter(project_id__in=pks, year=as_of.year).order_by()
                .values("project_id").annotate(s=Sum("plan")).values_list("project_id", "s"))
    ytd = dict(ProjectMonth.objects.filter(project_id__in=pks, month__gte=f"{as_of.year:04d}-01",
                                           month__lte=month_key(as_of)).order_by()
               .values("project_id").annotate(s=Sum("invest")).values_list("project_id", "s"))
    out: dict[int, tuple[float, Any]] = {}
    for pk in pks:
        done, target = float(ytd.get(pk) or 0.0), float(plan.get(pk) or 0.0) * share
        out[pk] = (done, done / target if target > 0 else None)
    return out


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
    so that the hand-over (新升规, 达产 check) finds it in the evaluation data. The chain and
    its gates are those of the project's county (`chains.config_of`)."""
    from tiangong.platform.projects.chains import config_of

    config = config_of(project)
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
                                 updates=updates, workflow=gate_workflow(config))
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
    from tiangong.platform.projects.chains import config_of

    stage = project.state
    with transaction.atomic():
        event = apply_transition(project, f"back_{stage}", user, note,
                                 workflow=gate_workflow(config_of(project)))
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
    refresh_classes(project)
    return row


def refresh_classes(project: Project) -> None:
    """After a write of one project's figures: its stored classes follow (one place,
    `projects.classes.refresh`)."""
    from tiangong.platform.projects import classes

    classes.refresh(Project.objects.filter(pk=project.pk))


def store_portfolio(p: Portfolio, regions: Mapping[str, Any], enterprises: Mapping[str, Any],
                    default_region: Any, config: ProjectsConfig | None = None) -> int:
    """Write a library Portfolio (the demo's, an imported ledger) as platform rows; towns are
    matched by name in `regions`, firms by USCC in `enterprises`. The state is the last stage
    reached; the classes are computed for the whole portfolio at once and stored with the rows.
    Rows are written in bulk (`core.bulk`: COPY on PostgreSQL) with one change-log row each
    (a province is 5,000 projects and 180,000 monthly rows). Returns the number of projects."""
    from tiangong.platform.projects import classes
    from tiangong.projects.classes import rules_digest

    config = config or project_config()
    chain = [s.id for s in config.stages]
    p = p.normalised()
    pr = p.projects
    if pr.empty:
        return 0
    reached = ~pd.isna(p.stage_dates("actual", chain).to_numpy())
    states = [next((s for s, ok in zip(reversed(chain), reversed(row), strict=True) if ok),
                   REGISTERED) for row in reached]
    town = [regions.get(n, default_region) for n in pr["town_name"]]
    firm = [enterprises.get(u) if isinstance(u, str) else None for u in pr["uscc"]]
    as_of = classes.today()
    cls = classes.class_frame(p, config, as_of)
    ids = reserve_ids(Project, len(pr))
    pk_of = dict(zip(pr["project_id"], ids, strict=True))
    rows = pd.DataFrame({
        "id": ids, "code": pr["project_id"], "name": pr["name"],
        "region_id": [r.pk for r in town],
        "enterprise_id": pd.Series([f.pk if f is not None else None for f in firm],
                                   dtype=object),
        "investor": _text(pr["investor"]), "team": _text(pr["team"]),
        "industry_code": _text(pr["industry_code"]),
        "total_investment": pr["total_investment"], "fixed_investment": pr["fixed_investment"],
        "land_mu": pr["land_mu"].fillna(0.0), "origin": _text(pr["origin"]), "state": states,
        "class_ids": cls["class_ids"], "class_reasons": cls["reasons"],
        "classes_digest": rules_digest(config, as_of), "classes_as_of": as_of})
    rows["created"] = rows["updated"] = timezone.now()
    path_of = [r.path for r in town]
    _insert_logged(Project, rows, [f"{n}（{c}）" for n, c in zip(rows["name"], rows["code"],
                                                               strict=True)], path_of)
    path_by_pk = dict(zip(ids, path_of, strict=True))

    def child(model: Any, frame: pd.DataFrame, columns: dict[str, Any], key: str) -> None:
        if frame.empty:
            return
        pks = frame["project_id"].map(pk_of).astype("int64")
        out = pd.DataFrame({"id": reserve_ids(model, len(frame)),
                            "project_id": pks.to_numpy(), **columns})
        out["created"] = out["updated"] = timezone.now()
        _insert_logged(model, out, [f"{pk}/{k}" for pk, k in zip(pks, frame[key], strict=True)],
                       [path_by_pk[pk] for pk in pks])

    st = p.stages
    child(ProjectStage, st, {"stage": st["stage"].to_numpy(), "planned": st["planned"].to_numpy(),
                             "actual": st["actual"].to_numpy()}, "stage")
    child(ProjectPlan, p.plans, {"year": p.plans["year"].to_numpy(),
                                 "plan": p.plans["plan"].to_numpy()}, "year")
    child(ProjectMonth, p.monthly, {"month": p.monthly["month"].to_numpy(),
                                    "invest": p.monthly["invest"].to_numpy(),
                                    "funds": p.monthly["funds"].to_numpy()}, "month")
    child(ProjectCommitment, p.commitments,
          {"indicator": p.commitments["indicator"].to_numpy(),
           "value": p.commitments["value"].to_numpy()}, "indicator")
    if connection.vendor == "postgresql":  # planner statistics now, not at autovacuum's turn:
        with connection.cursor() as cur:   # unanalysed, a page's join took 20 ms, not 1 ms
            for model in (Project, ProjectStage, ProjectPlan, ProjectMonth):
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return len(rows)


def _insert_logged(model: Any, frame: pd.DataFrame, reprs: list[str], paths: list[str]) -> None:
    insert_frame(model, frame)
    log_created_frame(model, frame, reprs, paths)


def _text(col: pd.Series) -> pd.Series:
    """A text column as stored: missing cells as ''."""
    return col.astype(object).where(col.notna(), "").astype(str)
