"""Event severity: the departments' words (一般 / 较大 / 重大 事故, 严重失信) → canonical values.

Schemes count events by type and severity (`event_count('safety_accident', 'major')`: a
较大及以上 accident sets class D in the built-in schemes), so the level written in the events
export decides classes. Departments write it their own way: 较大事故, 重大, 特别重大, 严重违法,
一般. The mapping below is explicit and small; a value it does not know is never guessed: the
event is kept without a severity (so `event_count(type)` still counts it, a severity-specific
count does not) and the cell becomes a quality row naming file, row and column, so the analyst
can correct the export or extend `SEVERITY_WORDS`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import pandas as pd

from tiangong.intake.quality import QualityRow
from tiangong.intake.values import row_number

if TYPE_CHECKING:
    from tiangong.intake.loaded import LoadedFile

CANONICAL_SEVERITIES = ("general", "major")
# Levels as written (after normalisation, see `_normalise`) → canonical severity. 较大 and above
# are "major" (生产安全事故报告和调查处理条例: 一般 / 较大 / 重大 / 特别重大; the built-in schemes'
# "较大及以上" rule); 严重失信 / 严重违法 likewise.
SEVERITY_WORDS: dict[str, str] = {
    "一般": "general", "轻微": "general", "较轻": "general", "general": "general",
    "较大": "major", "重大": "major", "特别重大": "major", "特大": "major", "严重": "major",
    "较大及以上": "major", "major": "major",
}
# Words that only say what kind of level it is: 较大事故 = 较大, 严重违法行为 = 严重.
_SUFFIX = re.compile(r"(?:生产安全事故|安全事故|事故|违法行为|违法|失信|行为|案件|等级|级别|级)+$")


def _normalise(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    text = re.sub(r"\s+", "", text)
    stripped = _SUFFIX.sub("", text)
    return stripped or text


def map_severity(values: pd.Series) -> pd.Series:
    """Canonical severity per cell; None for empty cells and for words not in the mapping."""
    out = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
           else SEVERITY_WORDS.get(_normalise(str(v))) for v in values.tolist()]
    return pd.Series(out, index=values.index, dtype=object)


def severity_quality(files: list[LoadedFile]) -> list[QualityRow]:
    """One quality row per severity cell of an events file that the mapping does not know."""
    rows: list[QualityRow] = []
    known = ", ".join(sorted({k for k in SEVERITY_WORDS if not k.isascii()}))
    for f in files:
        frame = f.intake.frame
        if f.source != "events" or "severity" not in frame.columns:
            continue
        cells = frame["severity"].astype("string")
        unknown = cells.notna() & (cells.str.strip() != "") & map_severity(cells).isna()
        header = f.intake.columns.get("severity", "severity")
        for row, value in cells[unknown].items():
            rows.append(QualityRow(str(f.path), f.intake.raw.sheet or "", row_number(row), header,
                                   str(value), "unknown_severity", "warning",
                                   f"event kept without severity; known levels: {known}"))
    return rows
