"""The 驾驶舱's data-quality panel: the summary of the intake behind each current publication.

Written once per publication (when it is published, by the `results_published` receiver in
apps.py; a publication from before this panel gets its row on first view), read through
restrict(): a county analyst sees its county's intake, city and province users each county's
under them, a town official none (the intake is the county's, not the town's).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.db import IntegrityError

from tiangong.errors import TiangongError
from tiangong.platform.core.scope import restrict
from tiangong.platform.dashboard.models import IntakeQuality
from tiangong.platform.dashboard.readmodel import current_publications
from tiangong.platform.evaluation.models import Publication
from tiangong.runs.intake_quality import quality_summary


def fill_quality(publication: Publication) -> IntakeQuality:
    """Read the run's intake summary from the store and keep it with the publication."""
    summary, error = None, ""
    if not publication.store_path or not Path(publication.store_path).is_file():
        where = publication.store_path or "未记录"
        error = (f"评价运行 {publication.run_id} 的结果库文件不存在（{where}），"
                 "无法汇总归集数据质量。")[:500]
    else:
        summary, error = _read(publication)
    if summary is None and not error:
        error = (f"评价运行 {publication.run_id} 未记录其归集批次（由数据文件夹直接评价），"
                 "没有数据质量汇总。")
    IntakeQuality.objects.filter(publication=publication).delete()
    return IntakeQuality.objects.create(publication=publication,
                                        intake_id=(summary or {}).get("intake", ""),
                                        summary=summary, error=error)


def _read(publication: Publication) -> tuple[dict[str, Any] | None, str]:
    summary, error = None, ""
    try:
        summary = quality_summary(publication.store_path, publication.run_id)
    except (TiangongError, OSError) as err:
        error = f"无法读取评价运行 {publication.run_id} 的归集数据：{err}"[:500]
    except Exception as err:  # duckdb's own errors (a foreign or damaged file)
        error = f"无法读取结果库 {publication.store_path}：{err}"[:500]
    return summary, error


def quality_for(user: Any, year: int | None) -> list[IntakeQuality]:
    """The summaries the user may read, for the current publications of `year`."""
    pubs = list(restrict(Publication, user).filter(
        pk__in=current_publications(year).values("pk")))
    have = set(IntakeQuality.objects.filter(publication__in=pubs)
               .values_list("publication_id", flat=True))
    for pub in pubs:
        if pub.pk not in have:
            with contextlib.suppress(IntegrityError):  # another request filled it just now
                fill_quality(pub)
    return list(restrict(IntakeQuality, user).filter(publication__in=pubs)
                .select_related("publication__county").order_by("publication__county__code"))


def chart_data(rows: list[IntakeQuality]) -> dict[str, Any]:
    """Per county and source: rows used / quarantined / excluded (the stacked bars)."""
    bars = []
    for q in rows:
        for s in (q.summary or {}).get("sources", []):
            bars.append({"name": f"{q.publication.county.name}·{s['label']}"
                         if len(rows) > 1 else s["label"],
                         "used": s["rows_used"], "quarantined": s["rows_quarantined"],
                         "excluded": s["rows_excluded"]})
    return {"bars": bars}
