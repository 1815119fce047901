"""How a value cell of a publication is rounded and shown: "as the source shows them" (issue 15,
point 19), one rule for every output (公示 and 一企一单 workbooks, the platform's pages and PDFs).

- A unit in 万元 (万元, 万元/亩, 万元/人, 万元/吨标准煤 …): 2 decimals, as money in 万元 is kept
  and published (to the 百元).
- A percentage (unit "%"): 2 decimals with the % sign; the value is in percentage points
  (3.45 is shown 3.45%), as the scheme computes it (`… * 100`).
- Anything else (亩, 吨, 人, 元/千瓦时, a ratio 比值 …): the source's own decimals, i.e. the fewest
  decimals (0 to 4) that show every value of the column exactly: a land area the registry
  gives to 0.01 亩 keeps two decimals, a head count none; a ratio computed from two sources has
  no decimals of its own and is shown to 4, as such (0.0345, not a percentage).

The value written is the rounded one, so that the number a cell holds, the number it shows and
the number the platform prints are the same. A column's format is decided over the whole
results column (every group), so every output of a run agrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from tiangong.evaluation.outputs.layout import PublicationLayout

MAX_DECIMALS = 4
MONEY_DECIMALS = 2
PERCENT_DECIMALS = 2


@dataclass(frozen=True)
class ValueFormat:
    decimals: int
    percent: bool = False

    @property
    def excel(self) -> str:
        """The Excel number format, e.g. `#,##0.00` or `#,##0.00"%"`."""
        base = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return base + '"%"' if self.percent else base

    def round(self, value: float) -> float:
        return round(value, self.decimals)

    def text(self, value: float | None) -> str:
        """The value as printed (thousands separated), "" for a missing value."""
        if value is None:
            return ""
        return f"{self.round(value):,.{self.decimals}f}" + ("%" if self.percent else "")

    def as_dict(self) -> dict[str, Any]:
        return {"decimals": self.decimals, "percent": self.percent}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ValueFormat:
        """From `as_dict()` (stored with a publication); MAX_DECIMALS when none was stored."""
        data = data or {}
        return cls(int(data.get("decimals", MAX_DECIMALS)), bool(data.get("percent", False)))


def source_decimals(values: Iterable[Any]) -> int:
    """The fewest decimals (0..MAX_DECIMALS) that show every finite value exactly."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    arr = arr[np.isfinite(arr)]
    if not arr.size:
        return 0
    tolerance = 1e-9 * np.maximum(1.0, np.abs(arr))
    for d in range(MAX_DECIMALS):
        if bool(np.all(np.abs(arr - np.round(arr, d)) <= tolerance)):
            return d
    return MAX_DECIMALS


def value_format(unit: str | None, values: Iterable[Any]) -> ValueFormat:
    """The format of a value column with `unit` (see the module docstring)."""
    unit = (unit or "").strip()
    if unit in ("%", "％"):
        return ValueFormat(PERCENT_DECIMALS, percent=True)
    if unit.startswith("万元"):
        return ValueFormat(MONEY_DECIMALS)
    return ValueFormat(source_decimals(values))


def value_formats(results: pd.DataFrame, layout: PublicationLayout) -> dict[str, ValueFormat]:
    """Every item's format (item id → ValueFormat), each over its whole `value_X` column."""
    return {item.id: value_format(item.unit, results[f"value_{item.id}"])
            for group in layout.groups for item in group.items}
