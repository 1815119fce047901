"""The bulk store (COPY / executemany, no save() per row) writes what the per-row path writes:
every request and partner task gets its change-log "create" entry with the same after-image the
signals give a saved object, and every generated event becomes one WorkflowEvent row with its
own time, states, department and deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.changelog import snapshot
from tiangong.platform.core.context import acting_as
from tiangong.platform.core.models import (
    Department,
    Enterprise,
    ObjectChange,
    Region,
    WorkflowEvent,
)
from tiangong.platform.core.testing import World
from tiangong.platform.services.actions import config, rules
from tiangong.platform.services.calendar import table_calendar
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.store import store

_VOLATILE = {"id", "created", "updated", "external_id"}


def _norm(image: dict[str, Any]) -> dict[str, Any]:
    """Times compared as instants (a saved object's image is local time, a reloaded one UTC)."""
    out = {}
    for k, v in image.items():
        if isinstance(v, str) and len(v) > 19 and v[10] == "T":
            v = dt.datetime.fromisoformat(v).astimezone(dt.UTC)
        out[k] = v
    return out


def _s(value: Any) -> str:
    """A generated text cell as stored: '' where the table has none (None or NaN)."""
    return value if isinstance(value, str) else ""


def _stored(world: World, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from tiangong.demo.requests import generate_requests

    seed_year(2025)
    seed_year(2026)
    county = Region.objects.get(code="331003")
    firms = list(Enterprise.objects.filter(region__path__startswith=county.path)
                 .select_related("region"))
    roster = pd.DataFrame({"uscc": [f.uscc for f in firms], "name": [f.name for f in firms],
                           "town_name": [f.region.name for f in firms],
                           "industry_code": [f.industry_code for f in firms]})
    cal = table_calendar(county, [2025, 2026])
    req, ev = generate_requests(roster, config(), rules(), cal, n, seed=3, year=2025)
    req_df, ev_df = req.to_pandas(), ev.to_pandas()
    with acting_as(None, "bulk-test"), transaction.atomic():
        assert store(county, {f.uscc: f for f in firms}, req_df, ev_df, "t-", cal) == (
            n, len(ev_df))
    return req_df, ev_df


def test_bulk_store_logs_every_row_like_a_save(world: World) -> None:
    _stored(world, 80)
    ct = ContentType.objects.get_for_model(ServiceRequest)
    logged = {c.object_id: c for c in ObjectChange.objects.filter(content_type=ct)}
    requests = list(ServiceRequest.objects.select_related("enterprise__region"))
    assert len(requests) == 80 and set(logged) == {str(r.pk) for r in requests}
    for r in requests:
        entry = logged[str(r.pk)]
        assert entry.action == "create" and entry.before is None
        assert entry.request_id == "bulk-test" and entry.user_name == "系统"
        assert entry.object_repr == str(r)
        assert entry.region_path == r.enterprise.region.path
        assert _norm(entry.after) == _norm(snapshot(r))
    # the per-row path (save() through the signals) gives the same after-image
    for r in requests[:5]:
        fields = {f.attname: getattr(r, f.attname) for f in ServiceRequest._meta.concrete_fields
                  if f.attname not in _VOLATILE}
        twin = ServiceRequest(**fields, external_id=f"twin-{r.pk}")
        twin.save()
        by_signal = ObjectChange.objects.get(content_type=ct, object_id=str(twin.pk))
        strip = lambda d: {k: v for k, v in _norm(d).items() if k not in _VOLATILE}  # noqa: E731
        assert strip(by_signal.after) == strip(logged[str(r.pk)].after)
    tasks = list(PartnerTask.objects.select_related("department"))
    assert tasks, "the generated year has partner tasks"
    pct = ContentType.objects.get_for_model(PartnerTask)
    task_log = {c.object_id: c for c in ObjectChange.objects.filter(content_type=pct)}
    assert set(task_log) == {str(t.pk) for t in tasks}
    for t in tasks:
        assert task_log[str(t.pk)].object_repr == str(t)
        assert _norm(task_log[str(t.pk)].after) == _norm(snapshot(t))


def test_bulk_store_writes_each_event_as_generated(world: World) -> None:
    _, ev_df = _stored(world, 40)
    pk_of = dict(ServiceRequest.objects.values_list("external_id", "pk"))
    rows = list(WorkflowEvent.objects.filter(workflow="service_request").values_list(
        "object_id", "action", "time", "from_state", "to_state", "actor_name", "sla"))
    assert len(rows) == len(ev_df)
    got = sorted((o, a, t, f, s, n, (sla or {}).get("due_on")) for o, a, t, f, s, n, sla in rows)
    zone = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, the platform's time zone
    want = sorted(
        (str(pk_of["t-" + e.request_id]), e.action,
         e.at.to_pydatetime().replace(tzinfo=zone).astimezone(dt.UTC),
         _s(e.from_state), _s(e.to_state), _s(e.department),
         e.due_on.isoformat() if isinstance(e.due_on, dt.date) else None)
        for e in ev_df.itertuples())
    assert got == want
    # a task's link to its request is written too
    assert PartnerTask.requests.through.objects.count() == PartnerTask.objects.count()


def test_kpi_report_from_the_database_equals_the_library_on_the_same_tables(
        world: World) -> None:
    """The platform's narrow read (export.tables) gives the KPIs the library gives on the
    tables that were stored: same rows, same numerators, denominators and values."""
    import pyarrow as pa

    from tiangong.platform.services.export import report
    from tiangong.services.kpi import kpi_report
    from tiangong.services.tables import EVENTS, REQUESTS

    req_df, ev_df = _stored(world, 120)
    county = Region.objects.get(code="331003")
    as_of = dt.date(2025, 12, 31)
    lib = kpi_report(pa.Table.from_pandas(req_df[REQUESTS.names], schema=REQUESTS,
                                          preserve_index=False),
                     pa.Table.from_pandas(ev_df[EVENTS.names], schema=EVENTS,
                                          preserve_index=False),
                     table_calendar(county, [2025, 2026]), as_of)
    got = report(county, ServiceRequest.objects.all(), as_of)
    assert len(got) == len(lib) and len(lib) > 50
    cols = ["kpi", "group", "period", "numerator", "denominator", "value"]
    key = ["kpi", "period", "group"]
    # the tables say "税务局", the county's department is "黄岩区税务局" (matched by suffix)
    names = list(Department.objects.filter(county=county).values_list("name", flat=True))
    lib["group"] = lib["group"].map(lambda g: next(
        (n for n in names if n == g), next((n for n in names if n.endswith(g)), g)))
    lib = lib.sort_values(key)
    got = got.sort_values(key)
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True),
                                  lib[cols].reset_index(drop=True))


def test_reads_of_a_queryset_that_cannot_match_are_empty(world: World) -> None:
    """A user without a scope gets `.none()`; the plain-SQL reads give empty tables for it."""
    from tiangong.platform.projects import services as projects
    from tiangong.platform.projects.models import Project
    from tiangong.platform.services.export import tables

    _stored(world, 10)
    req, ev = tables(ServiceRequest.objects.none())
    assert req.num_rows == 0 and ev.num_rows == 0
    assert len(projects.portfolio(Project.objects.none()).projects) == 0
