"""The county's categories and routing rules page: its 直通办 edits its own copy.

The two texts are the library's file formats (categories YAML, routing CSV), shown starting
from the installation default. Saving checks both with the library's loaders and shows every
problem with its line and field, in Chinese; it also refuses to drop a category that the
county's requests still use (their deadlines are computed from it). A saved copy is a platform
row, so the change log has each edit with its before and after; "恢复默认" deletes the copy.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tiangong.platform.core.roles import Role
from tiangong.platform.services.calendar import county_of
from tiangong.platform.services.county_config import (
    CountyServiceConfig,
    default_settings,
    forget,
    parse,
)
from tiangong.platform.services.models import ServiceRequest
from tiangong.services.config import ConfigError, default_categories_text
from tiangong.services.routing import default_rules_text, parse_rules


class SettingsForm(forms.Form):
    categories_yaml = forms.CharField(label="诉求类别与办理时限（YAML，格式见 docs）",
                                      widget=forms.Textarea(attrs={"rows": 24, "cols": 100}))
    routing_csv = forms.CharField(label="路由规则（CSV：rule_id, category, town, chain, "
                                        "enterprise_class, lead, partners, note）",
                                  widget=forms.Textarea(attrs={"rows": 16, "cols": 100}))


def settings_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    county = county_of(user.region) if user.role == Role.COUNTY_ANALYST else None
    if county is None or county.level != "county":
        raise PermissionDenied("只有区县直通办（县级分析员）可以维护本县的诉求类别与路由规则。")
    row = CountyServiceConfig.objects.filter(county=county).first()
    initial = ({"categories_yaml": row.categories_yaml, "routing_csv": row.routing_csv} if row
               else {"categories_yaml": default_categories_text(),
                     "routing_csv": default_rules_text()})
    form = SettingsForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST":
        if user.is_read_only:
            raise PermissionDenied("只读账号不能修改设置。")
        if "reset" in request.POST:
            if row is not None:
                row.delete()
            forget()
            messages.success(request, "已恢复为全省（安装）默认的类别与路由规则。")
            return redirect("services:settings")
        if form.is_valid():
            problems = _problems(county, form.cleaned_data)
            if not problems:
                with transaction.atomic():
                    row = row or CountyServiceConfig(county=county)
                    row.categories_yaml = form.cleaned_data["categories_yaml"]
                    row.routing_csv = form.cleaned_data["routing_csv"]
                    row.save()
                forget()
                messages.success(request, "已保存本县的诉求类别与路由规则，"
                                          "新的交办与期限即按此计算。")
                return redirect("services:settings")
    return render(request, "services/settings.html", {
        "form": form, "county": county, "own": row is not None, "problems": problems})


def _problems(county: Any, data: dict[str, str]) -> list[str]:
    """Every problem of the two texts (with line and field), or a category still in use."""
    try:
        settings = parse(data["categories_yaml"], data["routing_csv"], county.name)
    except ConfigError as err:
        found = [str(p) for p in err.problems] or [str(err)]
        if found[0].startswith(f"{county.name}诉求类别"):  # the rules too, on the default
            try:
                parse_rules(data["routing_csv"], default_settings().config,
                            f"{county.name}路由规则")
            except ConfigError as more:
                found += [str(p) for p in more.problems] or [str(more)]
        return found
    used = set(ServiceRequest.objects.filter(enterprise__region__path__startswith=county.path)
               .values_list("category", flat=True).distinct())
    return [f"{county.name}诉求类别: 类别 {code} 仍有本县诉求使用（其期限按该类别计算），不能删除"
            for code in sorted(used - set(settings.config.categories))]
