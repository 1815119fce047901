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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class EnterpriseSection:
    key: str
    title: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_SECTIONS: dict[str, EnterpriseSection] = {}


def register_enterprise_section(section: EnterpriseSection) -> None:
    _SECTIONS[section.key] = section


def render_sections(request: HttpRequest, enterprise: Any) -> list[tuple[str, SafeString]]:
    """(title, html) of each registered section with something to show, in order."""
    out = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        ctx = section.context(request, enterprise)
        if ctx is not None:
            html = render_to_string(section.template, {**ctx, "enterprise": enterprise},
                                    request=request)
            out.append((section.title, mark_safe(html)))  # rendered by our own template
    return out
