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

from tiangong.evaluation import canonical
from tiangong.evaluation.pipeline.sql import case_by_group, literal
from tiangong.evaluation.scheme.classification import Measure
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.model import Classification, Scheme
from tiangong.evaluation.scheme.names import measure_names
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


def measure_sql(scheme: Scheme, measure: Measure) -> str:
    """SQL of a ranking measure: `score` for 'total', `value_X` for an indicator id, a compiled
    expression otherwise, a CASE over the group for a measure per group."""
    if isinstance(measure, dict):
        return case_by_group({g: measure_sql(scheme, m) for g, m in measure.items()})
    if measure == "total":
        return "score"
    return compile_expression(measure, measure_names(scheme)).sql


def _order(cls: Classification, scheme: Scheme) -> str:
    names = outcome_names(scheme)
    key = measure_sql(scheme, cls.rank_by)
    parts = [f"{key} DESC NULLS LAST"]
    parts += [f"{names[t.by]} {t.order.upper()} NULLS LAST" for t in cls.tiebreak]
    return ", ".join([*parts, "uscc ASC"])


def _partition_column(scheme: Scheme, part: str) -> str:
    if part == "group":
        return "group_id"
    declared = scheme.variables.get(part)
    if part in canonical.TEXT_VARIABLES or (declared is not None and declared.type == "text"):
        return part
    return f"CAST({part} AS VARCHAR)"  # a yes/no flag: 'true' / 'false' on both engines


def partition_key_sql(scheme: Scheme) -> str:
    """The ranking partition of a row of `totals` as one text (every window partitions by it)."""
    part_cols = [_partition_column(scheme, p) for p in scheme.classification.partition_by]
    return "CONCAT_WS('|', " + ", ".join(f"COALESCE({c}, '')" for c in part_cols) + ")"


def ranked_sql(scheme: Scheme, *, join_back: bool = True) -> str:
    """Rank, tie and partition-size columns of every row of `totals`.

    `join_back=False` gives the same columns with the windows over the rows themselves instead
    of over a narrow copy joined back by uscc: slower on a whole province (the windows sort the
    wide rows) but bound and planned in half the time, which is what a what-if session asking
    about one partition again and again pays for (`whatif_session`; tests/test_whatif_fast.py
    compares its answers with whole evaluations)."""
    cls = scheme.classification
    key = measure_sql(scheme, cls.rank_by)
    partition = partition_key_sql(scheme)
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
    # percentile: adjustment conditions may read it (see validate.outcome_names)
    percentile = "CAST(q.rank_pos AS DOUBLE) / NULLIF(q.partition_size, 0) AS percentile"
    if not join_back:  # firms in no group: a partition of their own, every column NULL
        grouped = "group_id IS NOT NULL"
        over_g = f"{over}, group_id IS NULL"
        return (
            f"SELECT q.*, {percentile} FROM (SELECT r.*,"
            f" CASE WHEN eligible AND {grouped} THEN ROW_NUMBER() OVER ({over_g} ORDER BY"
            f" {_order(cls, scheme)}) END AS rank_pos,"
            f" CASE WHEN eligible AND {grouped} THEN RANK() OVER ({over_g} ORDER BY {key} DESC"
            " NULLS LAST) END AS min_rank,"
            f" CASE WHEN eligible AND {grouped} THEN COUNT(*) OVER ({over_g}, {key}) END"
            " AS tie_count,"
            f" CASE WHEN {grouped} THEN CAST(SUM(CASE WHEN counted THEN 1 ELSE 0 END) OVER"
            " (PARTITION BY partition_key, group_id IS NULL) AS BIGINT) END AS partition_size"
            f" FROM ({keyed}) r) q")
    return (
        f"SELECT q.*, {percentile}"
        " FROM (SELECT r.*, w.rank_pos, w.min_rank, w.tie_count, w.partition_size"
        f" FROM ({keyed}) r LEFT JOIN ({windows}) w ON w.ranked_uscc = r.uscc) q"
    )


def _quota_cutoff(scheme: Scheme, k: int) -> str:
    """Number of firms within the cumulative quota of class k: from the group's own quota
    table where it has one (`group_quotas`), else from `quotas`."""
    cls = scheme.classification
    code = scheme.class_codes()[k]
    default = cls.quotas[code] if cls.quotas else None
    own = {g: _cutoff(t[code], cls.rounding) for g, t in cls.group_quotas.items()
           if t[code] != default}
    fallback = _cutoff(default, cls.rounding) if default is not None else "NULL"
    return case_by_group(own, fallback) if own else fallback


def _quota_index(scheme: Scheme, position: str, offsets: dict[int, str] | None = None,
                 skip: frozenset[int] = frozenset()) -> str:
    """CASE giving the first class (not in `skip`) whose cumulative cutoff the position
    (plus the class's offset) is within; beyond every cutoff, the last class."""
    offsets = offsets or {}
    last = len(scheme.class_codes()) - 1
    whens = [f"WHEN {position} + {offsets.get(i, '0')} <= {_quota_cutoff(scheme, i)} THEN {i}"
             for i in range(last + 1) if i not in skip]
    return f"CASE {' '.join(whens)} ELSE {last} END"


def class_steps(scheme: Scheme, source: str = "ranked") -> ClassSteps:
    """The class steps, the first reading the ranked rows from `source`."""
    cls = scheme.classification
    codes = scheme.class_codes()
    last = len(codes) - 1
    steps: list[tuple[str, str]] = []
    if cls.method == "quota":
        position = {"tiebreak": "rank_pos", "better_class": "min_rank",
                    "worse_class": "min_rank + tie_count - 1"}[cls.ties or "tiebreak"]
        by_quota = _quota_index(scheme, position)
        steps.append(("classed", f"SELECT r.*, CASE WHEN eligible THEN {by_quota}"
                      f" END AS idx0 FROM {source} r"))
        reasons = [f"CASE WHEN eligible THEN {QUOTA_BASIS} END"]
    elif cls.method == "thresholds":
        assert cls.thresholds is not None
        key = measure_sql(scheme, cls.rank_by)
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
    """Each stage chooses `share` % of the partition for its class among the firms of its
    window of the main ranking (top or bottom `candidates_…_share` %) that no earlier stage
    chose, by its own measure; the other firms then fill the other classes in rank order, a
    class's cumulative cutoff counting the firms chosen for the better classes."""
    cls = scheme.classification
    codes = scheme.class_codes()
    steps: list[tuple[str, str]] = []
    previous = source
    chosen_before = "FALSE"
    stage_idx = "CAST(NULL AS INTEGER)"
    for n, ts in enumerate(cls.stage_list(), start=1):
        k = codes.index(ts.class_)
        window = _cutoff(ts.window, cls.rounding)
        inside = (f"rank_pos <= {window}" if ts.candidates_top_share is not None
                  else f"rank_pos > n_ranked - {window}")
        cand = f"eligible AND NOT ({chosen_before}) AND {inside}"
        order = f"{measure_sql(scheme, ts.by)} {ts.order.upper()} NULLS LAST, rank_pos ASC"
        name = "candidates" if n == 1 else f"candidates{n}"
        base = (f"(SELECT r.*, SUM(CASE WHEN eligible THEN 1 ELSE 0 END) OVER (PARTITION BY"
                f" partition_key) AS n_ranked FROM {previous} r)" if n == 1 and any(
                    s.candidates_bottom_share is not None for s in cls.stage_list())
                else previous)
        steps.append((name, (
            f"SELECT r.*, CASE WHEN {cand} THEN ROW_NUMBER() OVER (PARTITION BY partition_key,"
            f" {cand} ORDER BY {order}) END AS sub_pos{n} FROM {base} r")))
        stage_idx = (f"CASE WHEN COALESCE(sub_pos{n} <= {_cutoff(ts.share, cls.rounding)}, FALSE)"
                     f" THEN {k} ELSE {stage_idx} END") if n > 1 else (
            f"CASE WHEN COALESCE(sub_pos1 <= {_cutoff(ts.share, cls.rounding)}, FALSE)"
            f" THEN {k} END")
        chosen_name = "chosen_set" if n == 1 else f"chosen_set{n}"
        steps.append((chosen_name, (
            f"SELECT s.*, {stage_idx} AS stage_idx{n} FROM {name} s")))
        stage_idx = f"stage_idx{n}"
        chosen_before = f"stage_idx{n} IS NOT NULL"
        previous = chosen_name
    chosen = {codes.index(ts.class_) for ts in cls.stage_list()}
    counts = "".join(f", SUM(CASE WHEN {stage_idx} = {k} THEN 1 ELSE 0 END) OVER (PARTITION BY"
                     f" partition_key) AS n_chosen{k}" for k in sorted(chosen))
    offsets = {j: " + ".join(f"n_chosen{k}" for k in sorted(chosen) if k < j) or "0"
               for j in range(len(codes))}
    rest = (
        f"SELECT c.*, CASE WHEN NOT eligible THEN NULL WHEN {stage_idx} IS NOT NULL THEN"
        f" {stage_idx} ELSE {_quota_index(scheme, 'rest_pos', offsets, frozenset(chosen))}"
        f" END AS idx0, {stage_idx} AS stage_idx FROM (SELECT h.*{counts}, ROW_NUMBER() OVER"
        f" (PARTITION BY partition_key, eligible, {stage_idx} IS NOT NULL ORDER BY rank_pos)"
        f" AS rest_pos FROM {previous} h) c"
    )
    steps.append(("classed", rest))
    return steps


def _two_stage_basis(scheme: Scheme) -> str:
    cls = scheme.classification
    whens = []
    for ts in cls.stage_list():
        k = scheme.class_codes().index(ts.class_)
        if cls.two_stage is not None and ts.candidates_top_share is not None \
                and isinstance(ts.by, str) and ts.by in scheme.indicators and ts.order == "desc":
            text = f"两阶段评选：综合排名前{ts.candidates_top_share:g}%中按{ts.by}入选"
        else:
            where = "前" if ts.candidates_top_share is not None else "后"
            by = _measure_words(scheme, ts.by)
            text = (f"分阶段评选：综合排名{where}{ts.window:g}%中按{by}"
                    f"{'从高到低' if ts.order == 'desc' else '从低到高'}选定")
        whens.append(f"WHEN stage_idx = {k} THEN {literal(text)}")
    return f"CASE {' '.join(whens)} WHEN eligible THEN {QUOTA_BASIS} END"


def _measure_words(scheme: Scheme, measure: Measure) -> str:
    """The measure in the scheme's labels where it is one indicator or the total."""
    if isinstance(measure, dict):
        return "、".join(f"{_group_label(scheme, g)}{_measure_words(scheme, m)}"
                        for g, m in measure.items())
    if measure == "total":
        return "综合得分"
    if measure in scheme.indicators:
        return scheme.indicators[measure].label
    return measure


def _group_label(scheme: Scheme, gid: str) -> str:
    return next((g.label for g in scheme.groups if g.id == gid), gid)


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
