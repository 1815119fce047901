"""Closure codes, the enterprise's rating, and the outcome colour 绿/黄/红 with its source.

A county reports 绿码率, the share of closures coded green; what makes a closure green was not
found in any published text, so the rule is data here (the mapping below is the default and a
county may pass its own). The enterprise's word wins: the colour comes from its rating where
one exists, from the department's closure code otherwise, and which of the two decided is
recorded with the colour so a report can say how many greens the enterprises gave themselves.
Closure codes follow Place des Entreprises' match outcomes (done / done_no_help /
done_not_reachable / not_for_me), which map onto 已解决 / 已解释 / 政策不允许 / 联系不上 / 非本单位.
"""

from __future__ import annotations

from collections.abc import Mapping

CLOSURE_CODES: dict[str, str] = {
    "solved": "已解决",
    "explained": "已解释说明",
    "not_solvable": "现行政策无法解决",
    "unreachable": "企业联系不上",
    "not_ours": "非本单位职责",
}
RATINGS: dict[str, str] = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"}
COLOURS: dict[str, str] = {"green": "绿", "yellow": "黄", "red": "红"}

DEFAULT_CODE_COLOUR: dict[str, str] = {
    "solved": "green", "explained": "yellow", "not_solvable": "yellow",
    "unreachable": "red", "not_ours": "red",
}
DEFAULT_RATING_COLOUR: dict[str, str] = {
    "satisfied": "green", "basic": "yellow", "dissatisfied": "red",
}

# How rating words are written in 12345 / 好差评 exports (five levels in 好差评).
_RATING_WORDS: dict[str, str] = {
    "非常满意": "satisfied", "满意": "satisfied", "比较满意": "basic", "基本满意": "basic",
    "一般": "basic", "不满意": "dissatisfied", "非常不满意": "dissatisfied",
    "很不满意": "dissatisfied", "好评": "satisfied", "中评": "basic", "差评": "dissatisfied",
    "satisfied": "satisfied", "basic": "basic", "dissatisfied": "dissatisfied",
}
_CODE_WORDS: dict[str, str] = {
    **{v: k for k, v in CLOSURE_CODES.items()}, **{k: k for k in CLOSURE_CODES},
    "已办结": "solved", "已解决": "solved", "解决": "solved", "办结": "solved",
    "已答复": "explained", "已解释": "explained", "解释说明": "explained",
    "政策不允许": "not_solvable", "无法解决": "not_solvable", "暂不能解决": "not_solvable",
    "联系不上": "unreachable", "无法联系": "unreachable", "退回": "not_ours",
    "非本单位职责": "not_ours",
}


def rating_code(text: object) -> str | None:
    """'满意' / '非常满意' / '差评' … → satisfied | basic | dissatisfied; None when empty;
    ValueError for a word that is none of them (the importer reports it)."""
    if text is None:
        return None
    s = str(text).strip().replace(" ", "")
    if not s:
        return None
    if s in _RATING_WORDS:
        return _RATING_WORDS[s]
    raise ValueError(f"无法识别的评价“{s}”（可用：满意、基本满意、不满意，或好差评的五级评价）")


def closure_code(text: object) -> str | None:
    """A closure code from its code or its Chinese wording; None when empty."""
    if text is None:
        return None
    s = str(text).strip().replace(" ", "")
    if not s:
        return None
    if s in _CODE_WORDS:
        return _CODE_WORDS[s]
    raise ValueError(f"无法识别的办结结果“{s}”（可用：{'、'.join(CLOSURE_CODES.values())}）")


def outcome_colour(code: str | None, rating: str | None,
                   code_colour: Mapping[str, str] = DEFAULT_CODE_COLOUR,
                   rating_colour: Mapping[str, str] = DEFAULT_RATING_COLOUR,
                   ) -> tuple[str | None, str | None]:
    """(colour, source): source 'rating' when the enterprise rated, 'closure_code' when only
    the department's code is known, (None, None) before closure."""
    if rating is not None:
        return rating_colour[rating], "rating"
    if code is not None:
        return code_colour[code], "closure_code"
    return None, None


def may_reopen(rating: str | None, reopened: int, limit: int = 1) -> str | None:
    """Why the enterprise may not reopen (None: it may): only 不满意, and only `limit` times."""
    if rating != "dissatisfied":
        return "只有评价为“不满意”时才能重新办理。"
    if reopened >= limit:
        return f"每件诉求最多重新办理 {limit} 次，本诉求已重新办理过。"
    return None
