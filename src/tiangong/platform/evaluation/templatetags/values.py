"""`{{ value|shown_value:item.format }}`: an item value rounded and printed as the 公示 workbook
shows it (evaluation/outputs/value_format.py; the format is stored with the publication's
groups). A publication from before the formats were stored prints 4 decimals."""

from __future__ import annotations

from typing import Any

from django import template

from tiangong.evaluation.outputs.value_format import ValueFormat

register = template.Library()


@register.filter
def shown_value(value: Any, fmt: dict[str, Any] | None) -> str:
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return ValueFormat.from_dict(fmt).text(number)
