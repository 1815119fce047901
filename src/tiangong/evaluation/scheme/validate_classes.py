"""Checks of the class rules: quotas, rounding, ties, two-stage selection, bounds, adjustments."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from tiangong.evaluation.scheme.classification import Measure, TwoStage
from tiangong.evaluation.scheme.expr_types import BOOLEAN, NUMBER, TEXT, TYPE_WORDS
from tiangong.evaluation.scheme.expressions import suggest
from tiangong.evaluation.scheme.model import Classification, Scheme
from tiangong.evaluation.scheme.names import (
    Finding,
    Path,
    base_names,
    compile_into,
    measure_names,
    name_types,
    names_with_indicators,
    outcome_names,
)

_PATH: Path = ("classification",)


def check_classification(scheme: Scheme) -> list[Finding]:
    cls = scheme.classification
    codes = scheme.class_codes()
    found: list[Finding] = []
    seen: set[str] = set()
    for ci, c in enumerate(cls.classes):
        if c.code in seen:
            found.append(((*_PATH, "classes", ci, "code"), f"class '{c.code}' is defined twice"))
        seen.add(c.code)
    found += _partitions(scheme, cls)
    found += check_measure(scheme, cls.rank_by, (*_PATH, "rank_by"))
    if cls.method in ("quota", "two_stage"):
        found += _quota_tables(scheme, cls, codes)
        found += _ties(cls)
    else:
        for key in ("quotas", "group_quotas"):
            if getattr(cls, key):
                found.append(((*_PATH, key), f"{key} are not used by method '{cls.method}'"))
    found += _two_stage(scheme, cls, codes)
    found += _thresholds(cls, codes)
    if (cls.bounds or cls.method != "thresholds") and cls.rounding is None:
        found.append(((*_PATH, "rounding"), (
            "classification does not say how a share becomes a number of firms: state "
            "'rounding:' (floor, round_half_up or ceil); it applies to quotas and bounds")))
    found += _bounds(cls, codes)
    found += _tiebreak_and_adjustments(scheme, cls, codes)
    return found


def _partitions(scheme: Scheme, cls: Classification) -> Iterator[Finding]:
    names = base_names(scheme)
    types = name_types(scheme, names)
    for pi, part in enumerate(cls.partition_by):
        if part == "group":
            continue
        if part not in names:
            yield (*_PATH, "partition_by", pi), (
                f"partition_by '{part}' is neither 'group' nor a variable"
                f"{suggest(part, [*names, 'group'])}")
        elif types[part] not in (TEXT, BOOLEAN):
            yield (*_PATH, "partition_by", pi), (
                f"partition_by '{part}' is {TYPE_WORDS[types[part]]}: firms are ranked within "
                "the values of a category (text such as town_code or industry_division, or a "
                "yes/no flag)")


def check_measure(scheme: Scheme, measure: Measure, path: Path) -> Iterator[Finding]:
    """A ranking measure: 'total', or a number over indicator values and item points (per
    group when a mapping)."""
    if isinstance(measure, dict):
        known = [g.id for g in scheme.groups]
        for gid, text in measure.items():
            if gid not in known:
                yield (*path, gid), f"'{gid}' is not a group{suggest(gid, known)}"
            else:
                yield from check_measure(scheme, text, (*path, gid))
        missing = [g for g in known if g not in measure]
        if missing:
            yield path, (f"a measure per group must name every group; missing: "
                         f"{', '.join(missing)}")
        return
    if measure == "total":
        return
    found: list[Finding] = []
    compile_into(measure, measure_names(scheme), path, found, scheme, NUMBER)
    yield from found


def _quota_tables(scheme: Scheme, cls: Classification, codes: list[str]) -> Iterator[Finding]:
    known = [g.id for g in scheme.groups]
    if cls.group_quotas and "group" not in cls.partition_by:
        yield (*_PATH, "group_quotas"), ("group_quotas need 'group' in partition_by (a "
                                         "partition mixing groups would have two quota tables)")
    for gid, table in cls.group_quotas.items():
        if gid not in known:
            yield (*_PATH, "group_quotas", gid), f"'{gid}' is not a group{suggest(gid, known)}"
        yield from _quotas(table, codes, (*_PATH, "group_quotas", gid))
    if cls.quotas is not None or any(g not in cls.group_quotas for g in known):
        yield from _quotas(cls.quotas, codes, (*_PATH, "quotas"))


def _quotas(quotas: dict[str, float] | None, codes: list[str], path: Path) -> Iterator[Finding]:
    if not quotas:
        yield path, ("method quota needs 'quotas:' (cumulative percent per class, in order, "
                     f"the last 100), e.g. {{{', '.join(f'{c}: ..' for c in codes)}}}")
        return
    unknown = [c for c in quotas if c not in codes]
    for code in unknown:
        yield (*path, code), f"quota for unknown class '{code}'{suggest(code, codes)}"
    absent = [c for c in codes if c not in quotas]
    if absent:
        yield path, f"quotas lack class {', '.join(absent)}: give every class, in order"
    if unknown or absent:
        return
    if list(quotas) != codes:
        yield path, f"quotas must list the classes in order: {', '.join(codes)}"
    values = list(quotas.values())
    for (a, va), (b, vb) in pairwise(quotas.items()):
        if vb < va:
            yield (*path, b), (f"quotas are cumulative and must not decrease: {b} {vb:g} is "
                               f"below {a} {va:g}")
    if values[-1] != 100:
        yield (*path, codes[-1]), (f"quotas are cumulative: the last class ({codes[-1]}) must "
                                   f"be 100, not {values[-1]:g}")


def _ties(cls: Classification) -> Iterator[Finding]:
    if cls.ties is None:
        yield (*_PATH, "ties"), (
            "classification does not say how firms with equal scores at a class boundary are "
            "treated: state 'ties:' (tiebreak, better_class or worse_class)")
    elif cls.ties == "tiebreak" and not cls.tiebreak:
        yield (*_PATH, "tiebreak"), ("ties: tiebreak needs a 'tiebreak:' list, e.g. "
                                     "[{by: eval_tax, order: desc}] (the credit code is the "
                                     "last resort)")
    if cls.method == "two_stage" and cls.ties not in (None, "tiebreak"):
        yield (*_PATH, "ties"), "two_stage selection supports only ties: tiebreak"


def _two_stage(scheme: Scheme, cls: Classification, codes: list[str]) -> Iterator[Finding]:
    if cls.method != "two_stage":
        for key in ("two_stage", "stages"):
            if getattr(cls, key):
                yield (*_PATH, key), f"'{key}' is only for method two_stage, not {cls.method}"
        return
    if (cls.two_stage is None) == (not cls.stages):
        yield (*_PATH, "two_stage"), (
            "method two_stage needs exactly one of 'two_stage:' (one stage: class, "
            "candidates_top_share, by, share) or 'stages:' (a list of them)")
        return
    seen: set[str] = set()
    for si, ts in enumerate(cls.stage_list()):
        path: Path = (*_PATH, "stages", si) if cls.stages else (*_PATH, "two_stage")
        yield from _stage(scheme, cls, codes, ts, path, seen)


def _stage(scheme: Scheme, cls: Classification, codes: list[str], ts: TwoStage, path: Path,
           seen: set[str]) -> Iterator[Finding]:
    if ts.class_ not in codes:
        yield (*path, "class"), f"'{ts.class_}' is not a class{suggest(ts.class_, codes)}"
        return
    if ts.class_ in seen:
        yield (*path, "class"), f"class '{ts.class_}' is chosen by two stages"
    seen.add(ts.class_)
    yield from check_measure(scheme, ts.by, (*path, "by"))
    if ts.share > ts.window:
        yield (*path, "share"), (f"share {ts.share:g} exceeds the candidates' share "
                                 f"{ts.window:g}")
    k = codes.index(ts.class_)
    tables = [("quotas", cls.quotas), *((f"group_quotas {g}", t)
                                        for g, t in cls.group_quotas.items())]
    for name, table in tables:
        if not table or any(c not in table for c in codes):
            continue
        width = table[ts.class_] - (table[codes[k - 1]] if k else 0.0)
        if abs(width - ts.share) > 1e-9:
            yield (*path, "share"), (
                f"share {ts.share:g} differs from the width of class {ts.class_} in {name} "
                f"({width:g} = its cumulative quota minus the class before): make them equal")


def _thresholds(cls: Classification, codes: list[str]) -> Iterator[Finding]:
    path: Path = (*_PATH, "thresholds")
    if cls.method != "thresholds":
        if cls.thresholds is not None:
            yield path, f"thresholds are not used by method '{cls.method}'"
        return
    if not cls.thresholds or list(cls.thresholds) != codes[:-1]:
        yield path, ("thresholds must give a minimum score for each class but the last, in "
                     f"order: {', '.join(codes[:-1]) or '(none: only one class)'}")
        return
    for (a, va), (b, vb) in pairwise(cls.thresholds.items()):
        if vb >= va:
            yield (*path, b), f"thresholds must decrease: {b} {vb:g} is not below {a} {va:g}"


def _bounds(cls: Classification, codes: list[str]) -> Iterator[Finding]:
    for code, bound in cls.bounds.items():
        path: Path = (*_PATH, "bounds", code)
        if code not in codes:
            yield path, f"bound for unknown class '{code}'{suggest(code, codes)}"
            continue
        if bound.min_share is not None and code != codes[-1]:
            yield path, f"min_share is supported on the last class ({codes[-1]}) only"
        if bound.max_share is not None and code == codes[-1]:
            yield path, "max_share on the last class has no effect (no worse class to move to)"


def _tiebreak_and_adjustments(scheme: Scheme, cls: Classification,
                              codes: list[str]) -> Iterator[Finding]:
    names = names_with_indicators(scheme)
    for ti, tb in enumerate(cls.tiebreak):
        if tb.by not in names:
            yield (*_PATH, "tiebreak", ti, "by"), (f"unknown tiebreak variable '{tb.by}'"
                                                   f"{suggest(tb.by, names)}")
    for ai, adj in enumerate(cls.adjustments):
        path: Path = (*_PATH, "adjustments", ai)
        if adj.class_ is not None and adj.class_ not in codes:
            yield (*path, "class"), f"'{adj.class_}' is not a class{suggest(adj.class_, codes)}"
        found: list[Finding] = []
        compile_into(adj.when, outcome_names(scheme), (*path, "when"), found, scheme, BOOLEAN)
        yield from found
