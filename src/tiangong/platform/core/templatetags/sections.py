"""`{% page_sections "dashboard" %}`, `{% page_sections "objection" obj %}`: the sections other
apps registered for a page (core/sections.py), each as a card with its title."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from tiangong.platform.core.sections import render_sections

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context: Any, page: str, obj: Any = None) -> SafeString:
    request = context["request"]
    return format_html_join(
        "", '<section class="card page-section" data-section-page="{}"><h2>{}</h2>{}</section>',
        ((page, title, html) for title, html in render_sections(request, obj, page))
    ) or mark_safe("")
