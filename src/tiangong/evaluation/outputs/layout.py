"""What a publication prints, and the helpers every workbook writer here shares.

The engine owns the scheme; the writers must not re-read it, or the 公示 could drift from the
scores it claims to show. The engine therefore hands over a `PublicationLayout`: the title, the
groups in print order with the items each group is scored on, and the classes best to worst.
Everything else comes from the `results` frame, whose column contract is checked here once so
that every writer fails the same way, before any file is touched.

The helpers below exist because of three practical facts about Excel output for Chinese text:
XlsxWriter's autofit assumes one unit per character, while a CJK character needs two; sheet names
have their own rules (31 characters, no ``[]:*?/\\``, unique ignoring case); and a workbook must
be byte-identical on re-run so that a re-published list can be diffed against the first one.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook

from tiangong.evaluation.describe import imputation_note, reason_in_words


@dataclass(frozen=True)
class ItemLayout:
    """One scoring item as printed; `id` names the `value_X`, `points_X`, `imputed_X` columns."""

    id: str
    label: str
    unit: str
    weight: float | None


@dataclass(frozen=True)
class GroupLayout:
    """One evaluation group (e.g. 规上 / 规下); each gets its own sheet and its own items."""

    id: str
    label: str
    items: tuple[ItemLayout, ...]


@dataclass(frozen=True)
class ClassLayout:
    code: str
    label: str


@dataclass(frozen=True)
class PublicationLayout:
    """Everything about a publication that is not per-enterprise data."""

    title: str  # e.g. "黄岩区2022年度工业企业亩均效益综合评价结果公示"
    region: str
    year: int
    scheme_id: str
    run_id: str
    groups: tuple[GroupLayout, ...]
    classes: tuple[ClassLayout, ...]  # best → worst, special classes (T, 免评) included
    scheme_name: str = ""  # the scheme's title, shown to readers instead of its id
    # (as computed, as published) parts of reason texts: a condition's code → its words
    reason_words: tuple[tuple[str, str], ...] = ()

    @property
    def scheme_shown(self) -> str:
        return self.scheme_name or self.scheme_id

    def reason(self, computed: str) -> str:
        """A class reason as published: every condition in words (`reason_words`)."""
        return reason_in_words(computed, self.reason_words)

    def imputed(self, rule: object) -> str:
        """How a missing value was scored (`imputed_X`), in words (`imputation_note`)."""
        return imputation_note(rule, {c.code: c.label for c in self.classes})

    def group(self, group_id: str) -> GroupLayout:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)


BASE_COLUMNS: tuple[str, ...] = (
    "uscc", "name", "year", "town_name", "group", "group_label", "special_class", "class",
    "class_label", "class_reason", "score", "bonus", "penalty", "rank", "partition_size",
    "percentile",
)  # fmt: skip

def is_missing(value: object) -> bool:
    """None, NaN and pd.NA alike: pandas 3 turns None into NaN in string columns."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def number(value: object) -> float | None:
    """A finite float, or None where the cell must stay blank (Excel has no NaN or inf)."""
    if is_missing(value):
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def present(series: pd.Series) -> pd.Series:
    """Boolean mask of non-missing cells, built explicitly: `.map` on an empty frame keeps the
    source dtype (pandas 3 `str`), and a `str` mask then fails in `&`."""
    return pd.Series([not is_missing(v) for v in series], index=series.index, dtype=bool)


def texts(series: pd.Series) -> pd.Series:
    """Cells as plain Python strings, missing as ""."""
    return pd.Series([text(v) for v in series], index=series.index, dtype=object)


def positions(series: pd.Series, order: dict[str, int]) -> pd.Series:
    """Sort key: a code's place in `order`, unknown and missing codes last."""
    keys = [order.get(text(v), len(order)) for v in series]
    return pd.Series(keys, index=series.index, dtype="int64")


def check_results(results: pd.DataFrame, layout: PublicationLayout) -> None:
    """Refuse a frame that breaks the engine's column contract, naming everything wrong at once."""
    problems: list[str] = []
    missing = [c for c in BASE_COLUMNS if c not in results.columns]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if "uscc" in results.columns:
        dupes = sorted(set(texts(results.loc[results["uscc"].duplicated(), "uscc"])))
        if dupes:
            problems.append(f"uscc not unique (one row per enterprise): {', '.join(dupes[:10])}")
    if "group" in results.columns:
        known = {g.id for g in layout.groups}
        found = {text(g) for g in results["group"] if not is_missing(g)}
        if found - known:
            problems.append(f"groups not in the layout: {', '.join(sorted(found - known))}")
    for g in layout.groups:
        for item in g.items:  # a rank_only item (no weight) has a value and no points
            for prefix in ("value_",) if item.weight is None else ("value_", "points_",
                                                                   "imputed_"):
                if prefix + item.id not in results.columns:
                    problems.append(f"group {g.id}: missing column {prefix}{item.id}")
    if problems:
        raise ValueError("results do not match the publication contract: " + "; ".join(problems))


def class_order(results: pd.DataFrame, layout: PublicationLayout) -> list[ClassLayout]:
    """Layout classes best→worst, then any other code the results use, by code.

    A code outside the layout (say, one the engine gives to firms outside every group) is still
    counted and printed under its own label, so the 汇总 totals always add up to the roster.
    """
    classes = list(layout.classes)
    known = {c.code for c in classes}
    extra: dict[str, str] = {}
    for code, label in zip(results["class"], results["class_label"], strict=True):
        if not is_missing(code) and text(code) not in known:
            extra.setdefault(text(code), text(label) or text(code))
    classes.extend(ClassLayout(code, extra[code]) for code in sorted(extra))
    return classes


def display_width(s: str) -> int:
    """Columns a string needs: wide and full-width characters (CJK, ，（）) count as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


MIN_WIDTH = 6.0
MAX_WIDTH = 60.0


def fit_width(cells: Iterable[str]) -> float:
    """Column width for the widest cell, with padding for the filter button, capped."""
    widest = max((display_width(c) for c in cells), default=0)
    return min(MAX_WIDTH, max(MIN_WIDTH, widest + 2.0))


_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class SheetNamer:
    """Hands out valid, unique sheet names (Excel compares them ignoring case)."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken = {r.casefold() for r in reserved}

    def __call__(self, raw: str, fallback: str = "Sheet") -> str:
        base = _FORBIDDEN.sub("_", raw).strip().strip("'").strip() or fallback
        base = base[:31]
        name, n = base, 1
        while name.casefold() in self._taken:
            n += 1
            suffix = f"~{n}"
            name = base[: 31 - len(suffix)] + suffix
        self._taken.add(name.casefold())
        return name


def created_at(year: int) -> datetime:
    """A fixed creation stamp (1 January of the evaluation year, data year + 1).

    XlsxWriter otherwise stamps the current time into docProps/core.xml, the only thing that
    kept two runs from giving the same bytes.
    """
    return datetime(year + 1, 1, 1, tzinfo=UTC)


def new_workbook(layout: PublicationLayout, subject: str) -> tuple[Workbook, io.BytesIO]:
    """An in-memory workbook with fixed properties.

    In-memory mode matters for determinism too: XlsxWriter then stamps every zip member with
    1980-01-01, whereas on-disk temp files get a local-time stamp and file mode from the host.
    """
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties(
        {
            "title": layout.title,
            "subject": subject,
            "author": "tiangong",
            "company": layout.region,
            "comments": f"scheme {layout.scheme_id}; run {layout.run_id}",
            "created": created_at(layout.year),
        }
    )
    return workbook, buffer


def save_workbook(workbook: Workbook, buffer: io.BytesIO, path: Path) -> Path:
    """Close the workbook and replace `path` atomically, so a failed run leaves no half file."""
    workbook.close()
    return write_atomic(path, buffer.getvalue())


def write_atomic(path: Path, data: bytes | memoryview) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
