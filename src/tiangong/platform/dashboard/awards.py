"""The 天工鼎 (or another configured regional award) for city / province users, read-only.

Configured per province or city by an `AwardSetting` (Django admin): the award's rules as
`tiangong.regions.awards.AwardConfig.from_dict` data (default: `tiangong_ding()` ranking 亩均税收)
and the region attributes its peer groups filter on (山区26县 membership, by year). The ranked
measure is computed from the dashboard's cells as a sum ratio per county and per city, and the
library's `award` ranks the peer groups and counts streaks (金鼎). Nothing is shown when no
setting covers the user's region: the official composite score is not public, so no default
pretends to be the official award.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from django.db.models import Sum

from tiangong.errors import DataError
from tiangong.platform.dashboard.aggregates import SUM_FIELDS, PublicationSet, cached, with_ratios
from tiangong.platform.dashboard.models import AwardSetting, TownCell
from tiangong.platform.dashboard.readmodel import current_publications
from tiangong.regions.awards import AwardConfig, award, tiangong_ding
from tiangong.regions.divisions import Regions


def setting_for(user: Any) -> AwardSetting | None:
    """The setting of the user's region or its nearest ancestor (province / city users only)."""
    region = getattr(user, "region", None)
    if region is None or region.level not in ("province", "city"):
        return None
    codes = [c for c in region.path.strip("/").split("/") if c]
    found = {s.region.code: s for s in AwardSetting.objects.filter(region__code__in=codes)
             .select_related("region")}
    return next((found[c] for c in reversed(codes) if c in found), None)


def config_of(setting: AwardSetting) -> AwardConfig:
    if setting.config:
        return AwardConfig.from_dict(setting.config)
    return tiangong_ding(measure="tax_per_mu")


def _scores(setting: AwardSetting) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per county and per city, per published year: the sum ratios under the setting's region."""
    cells = TownCell.objects.filter(publication__in=current_publications(),
                                    town__path__startswith=setting.region.path)
    frames, names = [], {}
    for key in ("county", "county__parent"):
        rows = (cells.values("year", f"{key}__code", f"{key}__name")
                .annotate(**{k: Sum(k) for k in SUM_FIELDS}).order_by())
        for r in rows:
            r = with_ratios(dict(r))
            names[r[f"{key}__code"]] = r[f"{key}__name"]
            frames.append({"region_code": r[f"{key}__code"], "year": r["year"],
                           "tax_per_mu": r["tax_per_mu"], "va_per_mu": r["va_per_mu"]})
    return pd.DataFrame(frames, columns=["region_code", "year", "tax_per_mu", "va_per_mu"]), names


def awards(user: Any, year: int | None, *, pubs: PublicationSet | None = None
           ) -> dict[str, Any] | None:
    """{name, rows: [...], error} for the dashboard, or None when no award is configured.
    Cached like the other figures (per scope and publication set, and the setting's id and
    last change): ranking the peer groups reads every county's cells and runs pandas."""
    setting = setting_for(user)
    if setting is None or year is None:
        return None
    result: dict[str, Any] = cached(user, pubs, ("awards", year, setting.pk, setting.updated),
                                    lambda: _awards(setting, year))
    return result


def _awards(setting: AwardSetting, year: int) -> dict[str, Any]:
    try:
        config = config_of(setting)
        scores, names = _scores(setting)
        regions = Regions.from_codes(scores["region_code"].tolist(), names)
        attrs = pd.DataFrame(setting.attributes or [],
                             columns=["code", "attribute", "value", "valid_from", "valid_to"])
        regions = Regions(regions.units, attrs.astype({
            "code": "string", "attribute": "string", "value": "string",
            "valid_from": "Int64", "valid_to": "Int64"}))
        table = award(scores.astype({"year": "int64"}), regions, config)
    except DataError as err:
        return {"name": setting.title, "rows": [],
                "error": "评奖配置有误：" + "；".join(p.message for p in err.problems)}
    table = table[table["year"] == year]
    rows = [{k: (None if pd.isna(v) else getattr(v, "item", lambda v=v: v)())
             for k, v in r.items()} for r in table.to_dict("records")]  # numpy → Python
    return {"name": config.name, "rows": rows, "error": "", "measure": config.measure,
            "streak_name": config.streak_award,
            "groups": [asdict(g)["label"] or g.id for g in config.groups]}
