"""Which source a sheet holds, decided by what it contains; its name is a tie-breaker at most.

Departments name files as they like, and one workbook may hold several sources: a file called
统计局补充_电费.xlsx can be the statistics report, and Sheet1 of 全部数据.xlsx can be the tax list.
A name decided the source before, so a keyword in the wrong file name silently replaced a
department's figures by blanks. Now the header row decides: each source's canonical columns
are counted among the sheet's headers (only sources whose required columns are all there
compete; the identifying columns, code, name and year, do not count since every source has
them), a declared unit of a source's quantity ((千瓦时), (平方米)) and a header word only one
department writes (纳税人识别号, 户号, 排污单位名称) add to its score. The
file and sheet names are looked at only when two sources tie; a sheet that nothing decides is
returned with its headers so the analyst sees what it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tiangong.intake.columns import resolve_header
from tiangong.intake.headers import SOURCES, UNITS, known_headers, normalize_header, split_unit
from tiangong.intake.sheet import Grid, combine_header, find_header

# file-name keywords, checked in this order (用地 and 用电 both hold a one-character keyword).
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("registry", ("名录", "名单", "花名册")),
    ("events", ("事件", "违法", "违规", "事故", "处罚")),
    ("tenancy", ("租赁", "出租", "承租")),
    ("statistics", ("统计", "规上", "规模以上")),
    ("environment", ("环境", "排放", "污染", "排污")),
    ("tax", ("税",)),
    ("electricity", ("电",)),
    ("land", ("地", "宗地", "不动产")),
)
_IDENT = {"uscc", "name", "year"}
# Besides its required columns, a source is only a candidate with one of these: a sheet whose
# only amount is 销售收入 is no statistics report, one with only 用水量 no emissions list.
_NEEDS: dict[str, set[str]] = {
    "statistics": {"value_added", "energy_tce", "employees", "rd_expense", "tech_invest"},
    "environment": {"emissions", "pollutant", "emission_cod", "emission_nh3n", "emission_so2",
                    "emission_nox", "emission_pm", "emission_vocs"},
}
# Words in an identifying header that only one department writes (纳税人识别号, 户号, 排污单位).
_OWN_WORDS: dict[str, tuple[str, ...]] = {
    "tax": ("纳税人",), "electricity": ("户号", "户名", "用电"), "environment": ("排污",),
    "land": ("宗地", "不动产", "权利人", "使用权人"), "tenancy": ("出租", "承租"),
}


@dataclass(frozen=True)
class Recognition:
    """The source of one sheet (None: not recognised), the header it was judged on, the
    scores of the sources that competed, and how it was decided."""

    source: str | None
    headers: list[str]
    scores: dict[str, int] = field(default_factory=dict)
    how: str = ""  # "headers" | "headers, name as tie-breaker" | why nothing decided


def name_hint(text: str) -> list[str]:
    """Sources whose keyword is in a file or sheet name, in `KEYWORDS` order."""
    return [source for source, words in KEYWORDS if any(w in text for w in words)]


def score(headers: list[str], source: str,
          mapping: Mapping[str, str | None] | None = None) -> int | None:
    """How many of `source`'s columns the headers name (identifying ones aside) plus the
    headers whose declared unit is of one of the source's quantities; None when a required
    column is missing."""
    found = set()
    units = 0
    quantities = {s.quantity for s in SOURCES[source] if s.quantity}
    for h in headers:
        try:
            spec = resolve_header(h, source, mapping)
        except KeyError:  # the manifest maps a header to a column this source does not have
            return None
        if spec is None:
            continue
        found.add(spec.name)
        unit = next((u for p in reversed(h.split("|")) if (u := split_unit(p)[1])), None)
        if unit and unit.lower() in UNITS and UNITS[unit.lower()][0] in quantities:
            units += 1
    if not all(s.name in found for s in SOURCES[source] if s.required):
        return None
    if source in _NEEDS and not found & _NEEDS[source]:
        return None
    own = sum(any(w in h for w in _OWN_WORDS.get(source, ())) for h in headers)
    return len(found - _IDENT) + units + own


def recognise(head: Grid, hint: str = "",
              mapping: Mapping[str, str | None] | None = None) -> Recognition:
    """The source of a sheet from its first rows (`head`, the header search area); `hint`
    (file and sheet name) only breaks a tie between sources that fit the headers equally."""
    known = known_headers()
    if mapping:
        known = known | {normalize_header(k) for k in mapping}
    start, n = find_header(head, known)
    if start < 0:
        first = next((r for r in head if any(c is not None for c in r)), [])
        return Recognition(None, [normalize_header(c) for c in first if c is not None],
                           how="no header row: no row with two known column names")
    headers = combine_header(head[start], head[start + 1]) if n == 2 else \
        [normalize_header(c) for c in head[start]]
    headers = [h for h in headers if h]
    scores = {s: v for s in SOURCES if (v := score(headers, s, mapping)) is not None}
    if not scores:
        return Recognition(None, headers, how="no source has all its required columns here")
    best = max(scores.values())
    tied = [s for s, v in scores.items() if v == best]
    if len(tied) == 1 and best > 0:
        return Recognition(tied[0], headers, scores, "headers")
    named = [s for s in name_hint(hint) if s in tied]
    if named:
        return Recognition(named[0], headers, scores, "headers, name as tie-breaker")
    return Recognition(None, headers, scores,
                       "headers fit " + " / ".join(sorted(tied)) + " equally; the name says "
                       "nothing (a manifest entry with source: decides)")
