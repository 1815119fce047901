"""Each county's own categories (working-day limits) and routing rules, over the default.

Counties change their limits and their routing by notice, and two counties of a city route the
same category to different bureaus; so a county keeps its own copy of the two files (the
categories YAML and the routing CSV, the library's formats) in `CountyServiceConfig`, edited by
its 直通办 on the settings page, change-logged like every platform row. A county without a copy
uses the installation default. Parsing is cached per process and checked against the row's
`updated` stamp (once per HTTP request and thread), so every worker sees an edit at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models

from tiangong.platform.core.context import request_id
from tiangong.platform.core.models import PlatformModel, Region
from tiangong.platform.core.scope import Scope
from tiangong.services.config import ServiceConfig, load_categories, parse_categories
from tiangong.services.routing import Rule, load_rules, parse_rules


class CountyServiceConfig(PlatformModel):
    county = models.OneToOneField(Region, verbose_name="区县", on_delete=models.PROTECT,
                                  related_name="service_config")
    categories_yaml = models.TextField("诉求类别与办理时限（YAML）")
    routing_csv = models.TextField("路由规则（CSV）")

    scope: ClassVar[Scope] = Scope(region="county")

    class Meta:
        verbose_name = verbose_name_plural = "区县诉求类别与路由规则"

    def __str__(self) -> str:
        return f"{self.county.name}诉求类别与路由规则"


@dataclass(frozen=True)
class Settings:
    config: ServiceConfig
    rules: list[Rule]
    own: bool  # the county's copy (False: the installation default)


_DEFAULT: list[Settings] = []
_PARSED: dict[tuple[int, Any], Settings] = {}  # (county pk, updated) → parsed copy
_local = threading.local()


def default_settings() -> Settings:
    if not _DEFAULT:
        config = load_categories()
        _DEFAULT.append(Settings(config, load_rules(config), own=False))
    return _DEFAULT[0]


def parse(categories_yaml: str, routing_csv: str, county_name: str) -> Settings:
    """Both texts checked (raises ConfigError listing every problem with its line)."""
    config = parse_categories(categories_yaml, f"{county_name}诉求类别")
    return Settings(config, parse_rules(routing_csv, config, f"{county_name}路由规则"), own=True)


def settings_for(county: Any) -> Settings:
    """The county's categories and rules (the default when it has no copy, or no county)."""
    if county is None:
        return default_settings()
    memo = _memo()
    if county.pk in memo:
        return memo[county.pk]
    stamp = CountyServiceConfig.objects.filter(county_id=county.pk).values_list(
        "updated", flat=True).first()
    if stamp is None:
        found = default_settings()
    elif (county.pk, stamp) in _PARSED:
        found = _PARSED[(county.pk, stamp)]
    else:
        row = CountyServiceConfig.objects.select_related("county").get(county_id=county.pk)
        found = parse(row.categories_yaml, row.routing_csv, row.county.name)
        for key in [k for k in _PARSED if k[0] == county.pk]:
            del _PARSED[key]
        _PARSED[(county.pk, stamp)] = found
    memo[county.pk] = found
    return found


def settings_for_region(region: Any) -> Settings:
    """`settings_for` the county that `region` lies in; within an HTTP request the region's
    answer is kept, so a list of fifty requests asks the database once per region."""
    from tiangong.platform.services.calendar import county_of

    if region is None:
        return default_settings()
    memo = _memo()
    key = f"region:{region.pk}"
    if key not in memo:
        memo[key] = settings_for(county_of(region))
    return memo[key]


def _memo() -> dict[Any, Settings]:
    """Per thread, for the current HTTP request only (no memo outside a request)."""
    rid = request_id()
    if not rid:
        return {}
    if getattr(_local, "rid", None) != rid:
        _local.rid, _local.memo = rid, {}
    return _local.memo


def forget() -> None:
    """Drop this thread's per-request memo (after an edit in the same request)."""
    _local.rid = None
