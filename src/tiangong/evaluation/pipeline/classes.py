"""Ranks, classes and the reason for every class.

Classes are held as an index into the scheme's class list (0 = best) while quotas, bounds and
adjustments are applied one step at a time; each step adds a new index column rather than
rewriting one, so the statements stay portable and the stored SQL shows every stage.

The reason texts are not built in those steps: each step keeps what its reason is made of (an
index, a flag) and `final`, which runs after the rows are sorted for the results, writes the
text. A text column built before the sort is carried through it, and at 2.5 million firms the
sorted row width is what the sort costs (see `plan.build_plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tiangong.evaluation.pipeline.sql import literal
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.model import Classification, Scheme
from tiangong.evaluation.scheme.validate import outcome_names

ELIGIBLE = "(group_id IS NOT NULL AND special_class IS NULL)"
QUOTA_BASIS = ("'按比例分档：组内第' || CAST(rank_pos AS VARCHAR) || '名/共' || "
               "CAST(partition_size AS VARCHAR) || '家'")


@dataclass
class ClassSteps:
    steps: list[tuple[str, str]]
    index_column: str
    reasons: list[str]  # SQL text of each reason, over the columns of the last step


def _cutoff(share_percent: float, rounding: str | None) -> str:
    """Number of firms a cumulative share of the partition gives, with integer arithmetic."""
    basis_points = round(share_percent * 100)
    exact = f"(partition_size * {basis_points}) / 10000e0"
    if rounding == "ceil":
        return f"CAST(CEIL({exact}) AS BIGINT)"
    if rounding == "round_half_up":
        return f"CAST(FLOOR({exact} + 0.5e0) AS BIGINT)"
    return f"CAST(FLOOR({exact}) AS BIGINT)"


def _order(cls: Classification, scheme: Scheme) -> str:
    names = outcome_names(scheme)
    key = "score" if cls.rank_by == "total" else f"value_{cls.rank_by}"
    parts = [f"{key} DESC NULLS LAST"]
    parts += [f"{names[t.by]} {t.order.upper()} NULLS LAST" for t in cls.tiebreak]
    return ", ".join([*parts, "uscc ASC"])


def ranked_sql(scheme: Scheme) -> str:
    cls = scheme.classification
    key = "score" if cls.rank_by == "total" else f"value_{cls.rank_by}"
    part_cols = ["group_id" if p == "group" else p for p in cls.partition_by]
    partition = "CONCAT_WS('|', " + ", ".join(f"COALESCE({c}, '')" for c in part_cols) + ")"
    counted = [s.code for s in scheme.special_classes if s.in_denominator]
    in_denominator = ELIGIBLE
    if counted:
        codes = ", ".join(literal(c) for c in counted)
        in_denominator = f"({ELIGIBLE} OR (group_id IS NOT NULL AND special_class IN ({codes})))"
    over = "PARTITION BY partition_key, eligible"
    keyed = (f"SELECT t.*, {partition} AS partition_key, {ELIGIBLE} AS eligible,"
             f" COALESCE({in_denominator}, FALSE) AS counted FROM totals t")
    # The windows run over the few columns they read and are joined back by uscc (unique in
    # the year, checked on load): a window sorts every column it carries, and the full row is
    # wide (at 2.5 million firms, tens of seconds instead of about one). Firms in no group are
    # left out of them: nothing shows their rank or partition size (see `final` and
    # `plan.result_columns`), and the sort is shorter by their number.
    windows = (
        "SELECT uscc AS ranked_uscc, CASE WHEN eligible THEN ROW_NUMBER() OVER ("
        f"{over} ORDER BY {_order(cls, scheme)}) END AS rank_pos,"
        f" CASE WHEN eligible THEN RANK() OVER ({over} ORDER BY {key} DESC NULLS LAST) END"
        " AS min_rank,"
        f" CASE WHEN eligible THEN COUNT(*) OVER ({over}, {key}) END AS tie_count,"
        " CAST(SUM(CASE WHEN counted THEN 1 ELSE 0 END) OVER (PARTITION BY partition_key)"
        f" AS BIGINT) AS partition_size FROM ({keyed}) k WHERE group_id IS NOT NULL"
    )
    return (  # percentile: adjustment conditions may read it (see validate.outcome_names)
        "SELECT q.*, CAST(q.rank_pos AS DOUBLE) / NULLIF(q.partition_size, 0) AS percentile"
        " FROM (SELECT r.*, w.rank_pos, w.min_rank, w.tie_count, w.partition_size"
        f" FROM ({keyed}) r LEFT JOIN ({windows}) w ON w.ranked_uscc = r.uscc) q"
    )


def _quota_index(cls: Classification, position: str, offset: str = "0", skip: int = -1) -> str:
    assert cls.quotas is not None
    whens = [f"WHEN {position} + {offset} <= {_cutoff(q, cls.rounding)} THEN {i}"
             for i, q in enumerate(cls.quotas.values()) if i != skip]
    return f"CASE {' '.join(whens)} ELSE {len(cls.quotas) - 1} END"


def class_steps(scheme: Scheme, source: str = "ranked") -> ClassSteps:
    """The class steps, the first reading the ranked rows from `source`."""
    cls = scheme.classification
    codes = scheme.class_codes()
    last = len(codes) - 1
    steps: list[tuple[str, str]] = []
    if cls.method == "quota":
        position = {"tiebreak": "rank_pos", "better_class": "min_rank",
                    "worse_class": "min_rank + tie_count - 1"}[cls.ties or "tiebreak"]
        by_quota = _quota_index(cls, position)
        steps.append(("classed", f"SELECT r.*, CASE WHEN eligible THEN {by_quota}"
                      f" END AS idx0 FROM {source} r"))
        reasons = [f"CASE WHEN eligible THEN {QUOTA_BASIS} END"]
    elif cls.method == "thresholds":
        assert cls.thresholds is not None
        key = "score" if cls.rank_by == "total" else f"value_{cls.rank_by}"
        whens = " ".join(f"WHEN {key} >= {literal(float(t))} THEN {i}"
                         for i, t in enumerate(cls.thresholds.values()))
        steps.append(("classed", f"SELECT r.*, CASE WHEN eligible THEN CASE {whens} ELSE {last}"
                      f" END END AS idx0 FROM {source} r"))
        reasons = ["CASE WHEN eligible THEN '按分数线分档' END"]
    else:
        steps += _two_stage_steps(scheme, source)
        reasons = [_two_stage_basis(scheme)]
    index = "idx0"
    for n, (code, bound) in enumerate(cls.bounds.items(), start=1):
        target = codes.index(code)
        new = f"idx{n}"
        if bound.max_share is not None:
            sql = (f"SELECT c.*, CASE WHEN eligible AND {index} = {target} AND ROW_NUMBER() OVER ("
                   f"PARTITION BY partition_key, eligible, {index} ORDER BY rank_pos) > "
                   f"{_cutoff(bound.max_share, cls.rounding)} THEN {min(target + 1, last)}"
                   f" ELSE {index} END AS {new}")
        else:
            sql = (f"SELECT c.*, CASE WHEN eligible AND ROW_NUMBER() OVER (PARTITION BY "
                   f"partition_key, eligible ORDER BY rank_pos DESC) <= "
                   f"{_cutoff(bound.min_share or 0, cls.rounding)} THEN {last} ELSE {index} END"
                   f" AS {new}")
        steps.append((f"bounded{n}", f"{sql} FROM {steps[-1][0]} c"))
        reasons.append(f"CASE WHEN {new} <> {index} THEN {literal(f'受{code}类比例界限调整')} END")
        index = new
    names = outcome_names(scheme)
    for n, adj in enumerate(cls.adjustments, start=1):
        cond = f"COALESCE({compile_expression(adj.when, names).sql}, FALSE)"
        target = codes.index(adj.class_) if adj.class_ else 0
        new_idx = {
            "set": str(target),
            "downgrade": f"LEAST({index} + {adj.steps}, {last})",
            "upgrade": f"GREATEST({index} - {adj.steps}, 0)",
            "at_most": f"GREATEST({index}, {target})",
            "at_least": f"LEAST({index}, {target})",
        }[adj.action]
        new, hit = f"adj_idx{n}", f"adj_hit{n}"
        steps.append((f"adjusted{n}", (
            f"SELECT c.*, CASE WHEN eligible AND {cond} THEN {new_idx} ELSE {index} END AS {new},"
            f" eligible AND {cond} AS {hit} FROM {steps[-1][0]} c")))
        reasons.append(f"CASE WHEN {hit} THEN {literal(adj.reason)} END")
        index = new
    return ClassSteps(steps, index, reasons)


def _two_stage_steps(scheme: Scheme, source: str) -> list[tuple[str, str]]:
    cls = scheme.classification
    ts = cls.two_stage
    assert ts is not None
    chosen_idx = scheme.class_codes().index(ts.class_)
    candidates = _cutoff(ts.candidates_top_share, cls.rounding)
    sub_order = f"value_{ts.by} DESC NULLS LAST, rank_pos ASC"
    select = (
        f"SELECT r.*, CASE WHEN eligible AND rank_pos <= {candidates} THEN ROW_NUMBER() OVER ("
        "PARTITION BY partition_key, eligible, rank_pos <= " + candidates
        + f" ORDER BY {sub_order}) END AS sub_pos FROM {source} r"
    )
    chosen = (
        "SELECT s.*, COALESCE(sub_pos <= " + _cutoff(ts.share, cls.rounding) + ", FALSE)"
        " AS chosen FROM candidates s"
    )
    rest = (
        "SELECT c.*, CASE WHEN NOT eligible THEN NULL WHEN chosen THEN " + str(chosen_idx)
        + " ELSE " + _quota_index(cls, "rest_pos", "n_chosen", skip=chosen_idx) + " END AS idx0"
        " FROM (SELECT h.*, SUM(CASE WHEN chosen THEN 1 ELSE 0 END) OVER (PARTITION BY"
        " partition_key) AS n_chosen, ROW_NUMBER() OVER (PARTITION BY partition_key, eligible,"
        " chosen ORDER BY rank_pos) AS rest_pos FROM chosen_set h) c"
    )
    return [("candidates", select), ("chosen_set", chosen), ("classed", rest)]


def _two_stage_basis(scheme: Scheme) -> str:
    ts = scheme.classification.two_stage
    assert ts is not None
    label = f"'两阶段评选：综合排名前{ts.candidates_top_share:g}%中按{ts.by}入选'"
    return f"CASE WHEN chosen THEN {label} WHEN eligible THEN {QUOTA_BASIS} END"


def final_class_sql(scheme: Scheme, index: str, reasons: list[str], source: str,
                    extra: Sequence[str] = ()) -> str:
    """Class code, label and reason text, including special classes and excluded firms;
    `extra`: more columns (SQL AS name) computed from the rows of `source` alongside."""
    codes = scheme.classification.classes
    by_index = " ".join(f"WHEN {i} THEN {literal(c.code)}" for i, c in enumerate(codes))
    labels = {c.code: c.label for c in codes}
    specials = scheme.special_classes
    labels.update({s.code: s.label for s in specials})
    label_case = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in labels.items())
    policy = " ".join(f"WHEN {literal(s.code)} THEN {literal(s.managed_as or s.code)}"
                      for s in specials)
    special_reason = " ".join(
        f"WHEN {literal(s.code)} THEN {literal(_special_reason(s.label, s.when, s.managed_as))}"
        for s in specials)
    reason_join = "CONCAT_WS('；', " + ", ".join(reasons) + ")"
    return (
        "SELECT f.*, CASE WHEN class IS NULL THEN '未纳入评价' ELSE CASE class "
        f"{label_case} END END AS class_label,"
        + (f" CASE special_class {policy} ELSE class END" if specials else " class")
        + " AS policy_class FROM (SELECT c.*, CASE WHEN group_id IS NULL THEN NULL"
        " WHEN special_class IS NOT NULL THEN special_class"
        f" ELSE CASE {index} {by_index} END END AS class,"
        " CASE WHEN group_id IS NULL THEN '不符合任何评价组的纳入条件'"
        + (f" WHEN special_class IS NOT NULL THEN CASE special_class {special_reason} END"
           if specials else "")
        + f" ELSE {reason_join} END AS class_reason{''.join(', ' + e for e in extra)}"
        f" FROM {source} c) f"
    )


def _special_reason(label: str, when: str | None, managed_as: str | None) -> str:
    text = f"特殊类别：{label}"
    if when:
        text += f"（条件：{when}）"
    else:
        text += "（缺少评价所需数据）"
    if managed_as:
        text += f"，按{managed_as}类管理"
    return text
