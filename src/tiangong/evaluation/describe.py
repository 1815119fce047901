"""A scheme's conditions in Chinese words, for what officials publish.

The 公示 must not show `industry_division in ('44', '45', '46')`: an official signs a text that
says 行业大类为44、45、46之一. Conditions are parsed with the same SQL parser the expressions
use and rendered from the canonical labels (`canonical`), the event names and the scheme's own
indicator labels. A condition using something this renderer does not know is returned as
written (it is then still exactly what was applied), never guessed.

The same holds for the imputation rules the results record per item (`imputed_X`, e.g.
`missing:group_mean`, `zero_denominator:penalty 3`): `imputation_note` gives the words a firm
reads beside the missing value ("缺数据，取同组均分", "分母为零，扣3分"). `reason_words` and
`reason_in_words` put a class reason's conditions in words, and `named_for_year` gives the
scheme's title for the evaluated year: the 公示, the 一企一单 and `tiangong explain` share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import expressions as exp

from tiangong.evaluation import canonical

if TYPE_CHECKING:
    from tiangong.evaluation.scheme.model import Scheme

_COMPARE = {exp.EQ: "为", exp.NEQ: "不为", exp.LT: "小于", exp.LTE: "不超过", exp.GT: "大于",
            exp.GTE: "不低于"}
_SEVERITY = {"major": "较大及以上", "general": "一般"}
_UNITS = {"age_years": "年", "production_years": "年", "leased_out_area": "亩",
          "tenant_count": "户"}
_CODES = {"above": "规上", "below": "规下"}


class _Unknown(Exception):
    pass


def describe_condition(text: str, labels: Mapping[str, str] | None = None) -> str:
    """`text` (a scheme's `when`) in Chinese words; `labels`: the scheme's indicator labels."""
    names = {c.name: _plain_label(c.label) for c in canonical.ENTERPRISE_COLUMNS}
    names.update({k: _plain_label(v) for k, v in canonical.DERIVED_VARIABLES.items()})
    names.update(labels or {})
    try:
        return _words(sqlglot.parse_one(text), names)
    except (sqlglot.errors.ParseError, _Unknown):
        return text


def _plain_label(label: str) -> str:
    """"行业大类(两位代码)" → "行业大类": the bracketed note is for analysts."""
    return label.split("(")[0].split("（")[0]


def _words(node: exp.Expr, names: Mapping[str, str]) -> str:
    if isinstance(node, exp.Paren):
        return _words(node.this, names)
    if isinstance(node, exp.And):
        return f"{_words(node.left, names)}且{_words(node.right, names)}"
    if isinstance(node, exp.Or):
        return f"{_words(node.left, names)}或{_words(node.right, names)}"
    if isinstance(node, exp.Not):
        return f"不满足（{_words(node.this, names)}）"
    if isinstance(node, exp.In):
        division = isinstance(node.this, exp.Column) and node.this.name == "industry_division"
        values = "、".join(canonical.division_words(v.name) if division and isinstance(
            v, exp.Literal) else _value(v, names) for v in node.expressions)
        return f"{_value(node.this, names)}为{values}之一"
    if isinstance(node, exp.Between):
        return (f"{_value(node.this, names)}在{_value(node.args['low'], names)}至"
                f"{_value(node.args['high'], names)}之间")
    for kind, word in _COMPARE.items():
        if isinstance(node, kind):
            unit = _unit(node.left) if isinstance(node.right, exp.Literal) else ""
            right = _value(node.right, names)
            if isinstance(node.left, exp.Column) and node.left.name == "industry_division" \
                    and isinstance(node.right, exp.Literal):
                right = canonical.division_words(node.right.name)
            return f"{_value(node.left, names)}{word}{right}{unit}"
    if isinstance(node, exp.Is):
        return f"{_value(node.this, names)}缺失"
    raise _Unknown(node.sql())


def _unit(node: exp.Expr) -> str:
    if isinstance(node, exp.Column) and node.table == "":
        if node.name in _UNITS:
            return _UNITS[node.name]
        known = {c.name: c.unit for c in canonical.ENTERPRISE_COLUMNS}
        return known.get(node.name, "")
    if isinstance(node, exp.Column | exp.Anonymous):
        return "次"  # counts of events
    return ""


def _value(node: exp.Expr, names: Mapping[str, str]) -> str:
    if isinstance(node, exp.Paren):
        return _value(node.this, names)
    if isinstance(node, exp.Literal):
        return _CODES.get(str(node.this), str(node.this))
    if isinstance(node, exp.Column):
        if node.table == "events" and node.name in canonical.EVENT_TYPES:
            return f"{canonical.EVENT_TYPES[node.name]}事件次数"
        if node.table == "" and node.name in names:
            return names[node.name]
        raise _Unknown(node.sql())
    if isinstance(node, exp.Anonymous) and node.name.lower() == "event_count":
        args = [a.this for a in node.expressions if isinstance(a, exp.Literal)]
        if args and args[0] in canonical.EVENT_TYPES:
            severity = _SEVERITY.get(args[1], args[1]) if len(args) > 1 else ""
            return f"{severity}{canonical.EVENT_TYPES[args[0]]}次数"
    if isinstance(node, exp.Neg):
        return f"-{_value(node.this, names)}"
    raise _Unknown(node.sql())


_CAUSES = {"missing": "缺数据", "zero_denominator": "分母为零", "invalid": "数据无效"}
_RULES = {"group_mean": "取同组均分", "zero": "计0分", "reweight": "权重重新分配",
          "none": "不计分"}


def imputation_note(rule: object, class_labels: Mapping[str, str] | None = None) -> str:
    """Chinese note for an `imputed_X` value ("cause:rule", or a bare rule meaning missing
    data); `class_labels`: class code -> label, for `special_class X`. A rule this function
    does not know is named in quotes rather than hidden."""
    if rule is None or (isinstance(rule, float) and rule != rule) or str(rule) in ("", "<NA>"):
        return ""
    cause, _, name = str(rule).rpartition(":")
    kind, _, arg = name.partition(" ")
    if kind == "penalty" and arg:
        words = f"扣{arg}分"
    elif kind == "special_class" and arg:
        words = f"列入{(class_labels or {}).get(arg, arg + '类')}"
    else:
        words = _RULES.get(kind, f"按规则“{name}”处理")
    return f"{_CAUSES.get(cause or 'missing', cause)}，{words}"


def reason_words(scheme: Scheme) -> tuple[tuple[str, str], ...]:
    """The parts of computed class reasons that name a condition or an indicator by its code,
    with the words published instead (`describe_condition`); see `reason_in_words`."""
    labels = {k: v.label for k, v in scheme.indicators.items()}
    pairs = [(f"（条件：{s.when}）", f"（条件：{describe_condition(s.when, labels)}）")
             for s in scheme.special_classes if s.when]
    ts = scheme.classification.two_stage
    if ts is not None and ts.by in labels:
        pairs.append((f"中按{ts.by}入选", f"中按{labels[ts.by]}入选"))
    return tuple(pairs)


def reason_in_words(computed: str, words: tuple[tuple[str, str], ...]) -> str:
    """A class reason as published: each coded part (`reason_words`) replaced by its words."""
    for raw, shown in words:
        if raw in computed:
            computed = computed.replace(raw, shown)
    return computed


def named_for_year(scheme: Scheme, year: int) -> str:
    """The scheme's title with the evaluated year: a scheme written for 2022 and run on 2023
    data must not publish "2022年度" (`evaluate` warns about the year as well)."""
    written = scheme.data_year
    if written is not None and written != year and f"{written}年" in scheme.name:
        return scheme.name.replace(f"{written}年", f"{year}年")
    return scheme.name


def number_words(value: float) -> str:
    """A scheme's number as written: 3 → "3", 2.5 → "2.5", 1234567.5 → "1234567.5" (not the
    "1.23457e+06" of `:g`, which also rounds to six digits)."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
