"""Publishing a stored run: checks, then one transaction that copies every result row.

`prepare` checks what an analyst can get wrong (unknown run, digest changed since the page was
shown, run already published here, firms outside the region, dates) and creates the Publication in
state `publishing`; the background task (tasks.publish_run_task) then calls `write_results`, which
writes all rows in one transaction with `bulk_create` in batches and moves the state by
compare-and-set: a failure leaves no row behind and the publication `failed` with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict
from itertools import islice
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from tiangong.evaluation.explain_bulk import (
    CompactRow,
    class_floors,
    compact_rows,
    group_constants,
)
from tiangong.evaluation.outputs.value_format import value_format
from tiangong.evaluation.wording import Wording
from tiangong.identity.uscc import is_valid_uscc
from tiangong.platform.core.changelog import record_change, snapshot
from tiangong.platform.core.models import Enterprise, Region
from tiangong.platform.evaluation.bulk import insert_rows, json_text
from tiangong.platform.evaluation.models import Publication, PublishedResult
from tiangong.runs import RunStore

BATCH = 2000
_INPUTS = ("land_area", "eval_tax", "value_added", "revenue", "energy_tce", "electricity",
           "employees")
Report = Callable[[int, int, str], None]


class PublishRefused(Exception):
    """The run cannot be published as asked; the message is for the analyst (Chinese)."""


def prepare(store_path: str, run_id: str, region: Region, start: dt.date, end: dt.date, *,
            hide_ranks: bool, user: Any, digest: str | None = None,
            previous: Publication | None = None) -> Publication:
    if end < start:
        raise PublishRefused("公示结束日期不能早于开始日期。")
    if (end - start).days > 366:
        raise PublishRefused("公示期不能超过一年，请检查日期。")
    try:
        with RunStore(store_path, read_only=True) as store:
            record = store.get(run_id)
    except Exception as err:  # RunNotFound, missing or foreign file
        raise PublishRefused(f"找不到评价运行 {run_id}：{err}") from err
    if digest is not None and digest != record.results_sha256:
        raise PublishRefused(f"评价运行 {run_id} 的结果摘要与页面显示的不一致，请刷新后重试。")
    # A failed attempt wrote no rows (one transaction): it gives way to the retry.
    for failed in Publication.objects.filter(county=region, run_id=record.id,
                                             state=Publication.FAILED):
        failed.delete()
    if Publication.objects.filter(county=region, run_id=record.id).exists():
        raise PublishRefused(f"评价运行 {record.id} 已在{region.name}发布过，不能重复发布。")
    if previous is not None and previous.county_id != region.pk:
        raise PublishRefused("更正发布必须与原发布属于同一区域。")
    pub = Publication(run_id=record.id, digest=record.results_sha256, store_path=str(store_path),
                      scheme_id=record.scheme_id, scheme_title=record.scheme_name,
                      year=record.year, county=region, start=start, end=end,
                      hide_ranks=hide_ranks, previous=previous, published_by=user,
                      n_results=record.n_results)
    pub.full_clean(exclude=["published_by", "previous"])
    pub.save()
    return pub


def write_results(pub: Publication, report: Report) -> dict[str, Any]:
    """Copy the run's rows into PublishedResult; returns counts for the task result."""
    try:
        with transaction.atomic():
            out = _write(pub, report)
    except Exception as err:
        message = str(err) if isinstance(err, PublishRefused) else f"发布失败：{err}"
        Publication.objects.filter(pk=pub.pk, state=Publication.PUBLISHING).update(
            state=Publication.FAILED, error=message[:2000])
        raise
    from tiangong.platform.evaluation.signals import results_published

    results_published.send(sender=Publication, publication=pub, report=report)
    return out


def _write(pub: Publication, report: Report) -> dict[str, Any]:
    with RunStore(pub.store_path, read_only=True) as store:
        record = store.get(pub.run_id)
        if record.results_sha256 != pub.digest:
            raise PublishRefused(f"评价运行 {pub.run_id} 的结果摘要已变化，不能发布。")
        results = store.results(record.id)
        benchmarks = store.benchmarks(record.id)
        loaded = store.scheme(record.id)
        inputs = store.inputs(record.id)["enterprises"]
        changes = _changes(store, pub) if pub.previous_id else []
    total = results.num_rows
    report(0, total, "读取评价结果")
    towns = _regions(pub.county, results)
    enterprises = _enterprises(results, towns)
    report(0, total, "写入企业结果")
    order = [c.code for c in loaded.scheme.classification.classes]
    groups = with_value_formats(group_constants(loaded, benchmarks), results)
    floors = class_floors(results, order)
    compact = compact_rows(loaded, results, groups, floors)
    rows = _rows(pub, results, compact, enterprises, towns, _figures(inputs, record.year))
    written = 0
    for _ in range(0, total, BATCH):
        written += insert_rows(PublishedResult, COLUMNS, islice(rows, BATCH))
        report(written, total, f"已写入 {written} / {total} 家企业")
    before = snapshot(pub)
    done = Publication.objects.filter(pk=pub.pk, state=Publication.PUBLISHING).update(
        state=Publication.PUBLISHED, published_at=timezone.now(), n_results=written,
        class_counts=record.class_counts, class_order=order, changes=changes, groups=groups,
        class_floors=floors, wording=Wording.of(loaded.scheme, record.year).to_dict())
    if done != 1:
        raise PublishRefused("该发布已被他人处理，本次写入未生效。")
    pub.refresh_from_db()
    record_change(pub, "update", before, snapshot(pub))
    return {"published": written, "publication": pub.pk}


_TEXT = ("uscc", "name", "industry_code", "group", "group_label", "class", "class_label",
         "policy_class", "special_class", "class_reason", "partition")
_FLOAT = ("score", "items_score", "bonus", "penalty", "percentile")
COLUMNS = ("created", "publication_id", "enterprise_id", "region_id", "uscc", "name", "year",
           "industry_code", "group", "group_label", "class_code", "class_label", "policy_class",
           "special_class", "class_reason", "partition", "score", "items_score", "bonus",
           "penalty", "rank", "partition_size", "percentile", "items", "points", "what_if",
           "next_class", *_INPUTS)


def _rows(pub: Publication, results: pa.Table, compact: Iterator[CompactRow],
          enterprises: dict[str, int], towns: dict[str, Region],
          figures: dict[str, dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    c = results.select([*_TEXT, *_FLOAT, "year", "rank", "partition_size", "county_code",
                        "town_code"]).to_pydict()
    now = timezone.now()
    empty: dict[str, Any] = {}
    for i, cr in enumerate(compact):
        uscc = c["uscc"][i]
        town = towns.get(c["town_code"][i] or "") or towns[c["county_code"][i] or ""]
        f = figures.get(uscc, empty)
        rank = c["rank"][i]
        yield (now, pub.pk, enterprises[uscc], town.pk, uscc, c["name"][i] or uscc, c["year"][i],
               *((c[k][i] or "") for k in _TEXT[2:]),
               *(_num(c[k][i]) for k in _FLOAT[:4]), rank,
               c["partition_size"][i] if rank is not None else None, _num(c["percentile"][i]),
               json_text(cr.items), json_text(cr.points), json_text(cr.what_if),
               cr.next_class or "", *(_num(f.get(k)) for k in _INPUTS))


def with_value_formats(groups: dict[str, dict[str, Any]],
                       results: pa.Table) -> dict[str, dict[str, Any]]:
    """Each item's value format (`format`: decimals, percent), decided over the run's whole
    value column by the rule the workbooks use (evaluation/outputs/value_format.py), so the
    enterprise page and its PDF print a value as the 公示 and the 一企一单 show it."""
    formats: dict[str, dict[str, Any]] = {}
    for group in groups.values():
        for item in group["items"]:
            ind = item["indicator"]
            if ind not in formats:
                column = f"value_{ind}"
                values = (results.column(column).to_pandas()
                          if column in results.column_names else [])
                formats[ind] = value_format(item["unit"], values).as_dict()
            item["format"] = formats[ind]
    return groups


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return _num(value) if isinstance(value, float) else value


def _regions(region: Region, results: pa.Table) -> dict[str, Region]:
    """Counties and towns of the rows by code; towns missing from the tree are created."""
    cols = results.select(["county_code", "town_code", "town_name"]).to_pydict()
    counties = set(cols["county_code"]) - {None}
    inside = {r.code: r for r in Region.objects.filter(path__startswith=region.path)}
    outside = sorted(c for c in counties if c not in inside)
    if outside:
        raise PublishRefused(f"评价结果中有企业所在县 {', '.join(outside[:5])} 不属于"
                             f"{region.name}或尚未导入区划，请先导入区划或选择正确的发布区域。")
    new_towns = {}
    for county, town, name in zip(cols["county_code"], cols["town_code"], cols["town_name"],
                                  strict=True):
        if town and town not in inside and town not in new_towns:
            new_towns[town] = (county, name or f"乡镇{town}")
    for town, (county, name) in sorted(new_towns.items()):
        inside[town] = Region.objects.create(code=town, name=name, level="town",
                                             parent=inside[county])
    return inside


def _enterprises(results: pa.Table, towns: dict[str, Region]) -> dict[str, int]:
    """Enterprise ids by USCC; enterprises new to the platform are created (bulk, one summary
    change-log row per publication instead of one per firm)."""
    cols = results.select(["uscc", "name", "county_code", "town_code", "industry_code"])
    rows = {r["uscc"]: r for r in cols.to_pylist()}
    bad = [u for u in rows if not is_valid_uscc(u)]
    if bad:
        raise PublishRefused(f"评价结果中有 {len(bad)} 个统一社会信用代码校验不通过"
                             f"（如 {bad[0]}），"
                             "不能发布。")
    known: dict[str, int] = {}
    for chunk in _chunks(sorted(rows), 5000):
        known.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "id"))
    now = timezone.now()
    missing = [(now, now, u, r["name"] or u,
                (towns.get(r["town_code"] or "") or towns[r["county_code"]]).pk,
                r["industry_code"] or "") for u, r in rows.items() if u not in known]
    if missing:
        insert_rows(Enterprise, ("created", "updated", "uscc", "name", "region_id",
                                 "industry_code"), missing)
        for chunk in _chunks([m[2] for m in missing], 5000):
            known.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "id"))
    return known


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _figures(inputs: pa.Table, year: int) -> dict[str, dict[str, Any]]:
    this = inputs.filter(pc.equal(inputs["year"], year)).select(["uscc", *_INPUTS])
    return {r["uscc"]: r for r in this.to_pylist()}


def _changes(store: RunStore, pub: Publication) -> list[dict[str, Any]]:
    from tiangong.runs import diff_runs

    assert pub.previous is not None
    diff = diff_runs(store, pub.previous.run_id, pub.run_id)
    return _clean([asdict(c) for c in diff.changes])
