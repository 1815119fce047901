"""Checks of the class rules: quotas, rounding, ties, two-stage selection, bounds, adjustments."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from tiangong.evaluation.scheme.expr_types import BOOLEAN
from tiangong.evaluation.scheme.expressions import suggest
from tiangong.evaluation.scheme.model import Classification, Scheme
from tiangong.evaluation.scheme.names import (
    Finding,
    Path,
    compile_into,
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
    if cls.rank_by != "total" and cls.rank_by not in scheme.indicators:
        found.append(((*_PATH, "rank_by"), f"rank_by '{cls.rank_by}' is neither 'total' nor an "
                      f"indicator{suggest(cls.rank_by, scheme.indicators)}"))
    if cls.method in ("quota", "two_stage"):
        found += _quotas(cls, codes)
        found += _ties(cls)
    elif cls.quotas is not None:
        found.append(((*_PATH, "quotas"), f"quotas are not used by method '{cls.method}'"))
    found += _two_stage(scheme, cls, codes)
    found += _thresholds(cls, codes)
    if (cls.bounds or cls.method != "thresholds") and cls.rounding is None:
        found.append(((*_PATH, "rounding"), (
            "classification does not say how a share becomes a number of firms: state "
            "'rounding:' (floor, round_half_up or ceil); it applies to quotas and bounds")))
    found += _bounds(cls, codes)
    found += _tiebreak_and_adjustments(scheme, cls, codes)
    return found


def _quotas(cls: Classification, codes: list[str]) -> Iterator[Finding]:
    path: Path = (*_PATH, "quotas")
    if not cls.quotas:
        yield path, ("method quota needs 'quotas:' (cumulative percent per class, in order, "
                     f"the last 100), e.g. {{{', '.join(f'{c}: ..' for c in codes)}}}")
        return
    unknown = [c for c in cls.quotas if c not in codes]
    for code in unknown:
        yield (*path, code), f"quota for unknown class '{code}'{suggest(code, codes)}"
    absent = [c for c in codes if c not in cls.quotas]
    if absent:
        yield path, f"quotas lack class {', '.join(absent)}: give every class, in order"
    if unknown or absent:
        return
    if list(cls.quotas) != codes:
        yield path, f"quotas must list the classes in order: {', '.join(codes)}"
    values = list(cls.quotas.values())
    for (a, va), (b, vb) in pairwise(cls.quotas.items()):
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
    path: Path = (*_PATH, "two_stage")
    ts = cls.two_stage
    if cls.method != "two_stage":
        if ts is not None:
            yield path, f"a 'two_stage' block is only for method two_stage, not {cls.method}"
        return
    if ts is None:
        yield path, "method two_stage needs a 'two_stage:' block (class, candidates_top_share, " \
                    "by, share)"
        return
    if ts.class_ != codes[0]:
        yield (*path, "class"), (f"two_stage selects the best class: class must be "
                                 f"'{codes[0]}', not '{ts.class_}'")
    if ts.by not in scheme.indicators:
        yield (*path, "by"), (f"two_stage by '{ts.by}' is not an indicator"
                              f"{suggest(ts.by, scheme.indicators)}")
    if ts.share > ts.candidates_top_share:
        yield (*path, "share"), (f"share {ts.share:g} exceeds candidates_top_share "
                                 f"{ts.candidates_top_share:g}")
    if cls.quotas and codes[0] in cls.quotas and cls.quotas[codes[0]] != ts.share:
        yield (*path, "share"), (f"share {ts.share:g} differs from quotas {codes[0]} "
                                 f"{cls.quotas[codes[0]]:g}: make them equal")


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
