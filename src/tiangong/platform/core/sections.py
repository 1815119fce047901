"""Sections of the enterprise page contributed by apps (results, objections, requests, projects).

The enterprise page is where every domain meets (the 一企一单, the firm's objections, its service
requests, its projects), so it is assembled from sections rather than edited by each app:

    from tiangong.platform.core.sections import EnterpriseSection, register_enterprise_section

    def _requests(request, enterprise):
        rows = ServiceRequest.objects.restrict(request.user).filter(enterprise=enterprise)
        return {"rows": rows[:20]} if rows.exists() else None   # None: section not shown

    register_enterprise_section(EnterpriseSection(
        "services", "诉求记录", "services/_enterprise_requests.html", _requests, order=40))

Call it from the app's `AppConfig.ready()`. The context function receives the request and the
Enterprise (already checked to be in the user's scope) and must itself read through restrict().

Other pages where a later app adds something take sections the same way, by page name:
`register_section("dashboard", Section(...))` adds a block to the 驾驶舱 (the context function
gets `None` as its object), `register_section("objection", Section(...))` to an objection's page
(it gets the Objection). Such a page's template renders them with

    {% load sections %}{% page_sections "objection" obj %}

so the page's own view does not change when an app adds a section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


EnterpriseSection = Section  # the first page with sections; the name apps already use

_SECTIONS: dict[str, dict[str, Section]] = {}


def register_section(page: str, section: Section) -> None:
    _SECTIONS.setdefault(page, {})[section.key] = section


def register_enterprise_section(section: Section) -> None:
    register_section("enterprise", section)


def render_sections(request: HttpRequest, obj: Any,
                    page: str = "enterprise") -> list[tuple[str, SafeString]]:
    """(title, html) of each section registered for `page` with something to show, in order.
    The template gets the section's context plus the page's object (as `enterprise` on the
    enterprise page, as `object` everywhere)."""
    out = []
    for section in sorted(_SECTIONS.get(page, {}).values(), key=lambda s: (s.order, s.key)):
        ctx = section.context(request, obj)
        if ctx is not None:
            extra = {"enterprise": obj} if page == "enterprise" else {}
            html = render_to_string(section.template, {"object": obj, **extra, **ctx},
                                    request=request)
            out.append((section.title, mark_safe(html)))  # rendered by our own template
    return out
