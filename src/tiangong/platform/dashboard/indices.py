"""Composite regional indices (综合指数) for city and province users, computed on demand.

An administrator stores an index configuration (`IndexSetting`, Django admin) for a province or
city: the library's index configuration (docs/index-format.md) as JSON, whose indicators are
the regional aggregates the platform publishes (INDICATORS below). On request the indicators are
summed per county from the dashboard's cells of the current publications inside the user's
scope (ratios of sums, as everywhere on the 驾驶舱), and `tiangong.index.composite` normalises,
weights, aggregates and ranks them: the library's own pipeline, as `tiangong index build`. The
counties are few (≤ 100), so this takes milliseconds and nothing is stored but the setting.

Filters: the 驾驶舱's group (评价组) and industry (行业大类) filters apply: every indicator is a
sum or a count over the cells, so each county's figures are taken over the firms of that group
or industry alone and the counties compared on them. The town and class filters do not apply
(NOT_FILTERED): the index compares counties, and a town filter leaves one county to compare;
the class-structure indicators (A类、D类企业占比) are shares of the classes, which a class
filter would make 100 % or 0 % for every county.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db.models import Sum

from tiangong.errors import TiangongError
from tiangong.index import composite
from tiangong.index.config import index_config_from_data
from tiangong.platform.core.scope import restrict
from tiangong.platform.dashboard.aggregates import SUM_FIELDS
from tiangong.platform.dashboard.models import IndexSetting, TownCell
from tiangong.platform.dashboard.readmodel import current_publications, ensure_filled

CLASSES = ("A", "B", "C", "D")
# indicator → (label, unit); every one a county figure from the published rows
INDICATORS: dict[str, tuple[str, str]] = {
    "tax_per_mu": ("亩均税收", "万元/亩"), "va_per_mu": ("亩均增加值", "万元/亩"),
    "enterprises": ("参评企业数", "家"),
    **{f"share_{c}": (f"{c}类企业占比", "") for c in CLASSES},
}
DEFAULT_CONFIG: dict[str, Any] = {
    "id": "mujun_index", "name": "工业亩均效益综合指数",
    "indicators": {"tax_per_mu": {"label": "亩均税收", "direction": 1, "unit": "万元/亩"},
                   "va_per_mu": {"label": "亩均增加值", "direction": 1, "unit": "万元/亩"},
                   "share_A": {"label": "A类企业占比", "direction": 1},
                   "share_D": {"label": "D类企业占比", "direction": -1}},
    "hierarchy": {"index": {"yield": 2, "structure": 1},
                  "yield": {"tax_per_mu": 1, "va_per_mu": 1},
                  "structure": {"share_A": 1, "share_D": 1}},
    # a city has a handful of counties: the skew/kurtosis rule needs at least four values
    "spec": {"treat_outliers": False},
}
DIMENSION_LABELS = {"index": "综合指数", "yield": "亩均产出", "structure": "等级结构"}
NOT_FILTERED = ("综合指数按评价组、行业大类筛选，不按乡镇（街道）和等级筛选："
                "综合指数比较各县（市、区），按乡镇筛选只剩一个县；"
                "A类、D类企业占比是等级结构指标，按等级筛选后各县都是100%或0%，没有比较意义。")


class IndexRefused(Exception):
    """The stored configuration cannot be computed; the message is Chinese, for the page."""


def setting_for(user: Any) -> IndexSetting | None:
    """The setting of the user's region or its nearest ancestor (province / city users)."""
    region = getattr(user, "region", None)
    if region is None or region.level not in ("province", "city"):
        return None
    codes = [c for c in region.path.strip("/").split("/") if c]
    found = {s.region.code: s for s in IndexSetting.objects.filter(region__code__in=codes)
             .select_related("region")}
    return next((found[c] for c in reversed(codes) if c in found), None)


def _ratio(num: float | None, den: float | None) -> float | None:
    """Σnumerator / Σdenominator, unrounded (the page rounds; the index must not)."""
    return None if not den else (num or 0.0) / den


def county_indicators(user: Any, setting: IndexSetting, year: int, group: str = "",
                      industry: str = "") -> pd.DataFrame:
    """One row per county under the setting's region and inside the user's scope, over the
    firms of `group` and of the industry division `industry` when given."""
    pubs = current_publications(year)
    ensure_filled(pubs)
    cells = restrict(TownCell, user).filter(publication__in=pubs,
                                            town__path__startswith=setting.region.path)
    if group:
        cells = cells.filter(group=group)
    if industry:
        cells = cells.filter(industry=industry)
    sums = {r["county__code"]: r for r in cells.values("county__code", "county__name")
            .annotate(**{k: Sum(k) for k in SUM_FIELDS}).order_by()}
    by_class = cells.values("county__code", "class_code").annotate(n=Sum("n")).order_by()
    counts: dict[str, dict[str, int]] = {}
    for r in by_class:
        counts.setdefault(r["county__code"], {})[r["class_code"]] = r["n"]
    rows = []
    for code, r in sorted(sums.items()):
        classes = counts.get(code, {})
        evaluated = sum(n for c, n in classes.items() if c)
        rows.append({"region_code": code, "region_name": r["county__name"],
                     "tax_per_mu": _ratio(r["tax_num"], r["tax_den"]),
                     "va_per_mu": _ratio(r["va_num"], r["va_den"]), "enterprises": evaluated,
                     **{f"share_{c}": (classes.get(c, 0) / evaluated if evaluated else None)
                        for c in CLASSES}})
    return pd.DataFrame(rows, columns=["region_code", "region_name", *INDICATORS]
                        ).set_index("region_code")


def _problems(err: TiangongError) -> str:
    problems = getattr(err, "problems", None) or []
    return "；".join(f"{p.field + '：' if getattr(p, 'field', '') else ''}{p.message}"
                    for p in problems) or str(err)


def _loaded(setting: IndexSetting) -> Any:
    try:
        loaded = index_config_from_data(setting.config or DEFAULT_CONFIG,
                                        f"综合指数设置“{setting.title}”")
    except TiangongError as err:
        raise IndexRefused("综合指数配置有误：" + _problems(err)) from None
    unknown = sorted(set(loaded.config.indicators) - set(INDICATORS))
    if unknown:
        raise IndexRefused(f"综合指数配置中的指标 {', '.join(unknown)} 不是平台发布的区域指标；"
                           f"可用指标：{', '.join(INDICATORS)}。")
    return loaded


def check_config(config: dict[str, Any]) -> str:
    """'' when `config` (an IndexSetting's) can be computed, else the Chinese reason."""
    try:
        _loaded(IndexSetting(title="", config=config))
    except IndexRefused as err:
        return str(err)
    return ""


def _group_label(user: Any, year: int, group: str) -> str:
    label = (restrict(TownCell, user).filter(year=year, group=group)
             .values_list("group_label", flat=True).first())
    return label or group


def indices(user: Any, year: int | None, group: str = "",
            industry: str = "") -> dict[str, Any] | None:
    """{name, year, group, group_label, industry, not_filtered, rows, columns, error} for the
    page and the API, or None when no setting covers the user."""
    setting = setting_for(user)
    if setting is None or year is None:
        return None
    out: dict[str, Any] = {
        "name": setting.title, "year": year, "group": group,
        "group_label": _group_label(user, year, group) if group else "", "industry": industry,
        "not_filtered": NOT_FILTERED, "rows": [], "columns": [], "error": ""}
    try:
        loaded = _loaded(setting)
        data = county_indicators(user, setting, year, group, industry)
        leaves = loaded.hierarchy.leaves()
        if len(data) < 2:
            raise IndexRefused("辖区内已发布评价结果的县（市、区）不足两个，无法计算综合指数。")
        result = composite(data[leaves].astype(float), loaded.hierarchy, loaded.directions,
                           loaded.spec)
    except IndexRefused as err:
        out["error"] = str(err)
        return out
    except TiangongError as err:
        out["error"] = "综合指数无法计算：" + _problems(err)
        return out
    except ValueError as err:  # the library refuses a method choice for these values
        out["error"] = f"综合指数无法计算：{err}"
        return out
    root = loaded.hierarchy.root
    dims = [c for c in result.aggregates.columns if c != root]
    labels = {k: v.label or INDICATORS[k][0] for k, v in loaded.config.indicators.items()}
    out["name"] = setting.title or loaded.config.name
    out["columns"] = [{"key": d, "label": DIMENSION_LABELS.get(d, d)} for d in dims] + [
        {"key": leaf, "label": labels[leaf]} for leaf in leaves]
    table = result.aggregates.join(data[leaves]).assign(rank=result.rank,
                                                        name=data["region_name"])
    table = table.sort_values(["rank", "name"], kind="mergesort")
    for code, r in table.iterrows():
        out["rows"].append({
            "code": code, "name": r["name"],
            "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
            "index": None if pd.isna(r[root]) else round(float(r[root]), 2),
            "values": [None if pd.isna(r[c["key"]]) else round(float(r[c["key"]]), 4)
                       for c in out["columns"]]})
    return out
