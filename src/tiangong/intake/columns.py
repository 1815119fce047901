"""Which header is which canonical column, when a manifest says more than the synonyms do.

A county's departments sometimes use headers no synonym list foresees ("全年入库税款"), or two
columns that both look like tax. An intake manifest (`tiangong.intake.manifest`) maps such
headers explicitly, per file or per source, and declares units a header leaves out. The
mapping is applied before the built-in synonyms, and an explicit None keeps a column out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tiangong.intake.headers import SOURCES, ColumnSpec, match_header, normalize_header, split_unit


@dataclass(frozen=True)
class FileOptions:
    """How to read one file when the defaults do not fit (from an intake manifest): the sheet,
    the CSV encoding, headers mapped to canonical columns (None: not loaded) and the unit of
    a column's values (canonical name → unit, e.g. {"land_area": "平方米"})."""

    sheet: str | int | None = None
    encoding: str | None = None
    columns: Mapping[str, str | None] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    sums: Mapping[str, list[str]] = field(default_factory=dict)  # column → headers added up


NOT_MAPPED = object()
_REPEAT = re.compile(r"#\d+$")  # a repeated header, numbered by the reader


def mapping_keys(columns: Mapping[str, str | None]) -> dict[str, str | None]:
    """A mapping keyed by normalised headers (full-width, spaces and newlines as in files)."""
    return {normalize_header(k): v for k, v in columns.items()}


def mapped(header: str, table: Mapping[str, str | None]) -> object:
    """The canonical name (or None) a mapping gives `header`, else NOT_MAPPED; the whole
    header, each part of a two-row header (lower first), with or without its unit."""
    parts = [p for p in header.split("|") if p]
    for cand in dict.fromkeys([header, *reversed(parts), "".join(parts)]):
        for key in (cand, split_unit(cand)[0]):
            if key in table:
                return table[key]
    return NOT_MAPPED


def resolve_header(header: str, source: str,
                   columns: Mapping[str, str | None] | None = None) -> ColumnSpec | None:
    """The canonical column of a header: the manifest's mapping first (an explicit None means
    "not loaded"), else the built-in synonyms (`match_header`)."""
    if columns:
        name = mapped(header, mapping_keys(columns))
        if name is not NOT_MAPPED:
            return None if name is None else column_spec(source, str(name))
    return match_header(_REPEAT.sub("", header), source)


def column_spec(source: str, name: str) -> ColumnSpec:
    """The canonical column `name` of `source` (KeyError when it has none)."""
    for spec in SOURCES[source]:
        if spec.name == name:
            return spec
    raise KeyError(f"{source} has no column {name!r}")


def is_mapped(header: str, columns: Mapping[str, str | None] | None) -> bool:
    """Whether a manifest mapping names this header at all."""
    return bool(columns) and mapped(header, mapping_keys(columns or {})) is not NOT_MAPPED
