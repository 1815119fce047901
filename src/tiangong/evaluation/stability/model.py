"""The prepared re-scoring of one finished evaluation: layout, scores, classes, adjustments.

`StabilityModel(ev)` reads the results once: the eligible firms (in a group, in no special class)
are laid out group by group (for the scores) and each partition's firms are listed in nominal rank
order (for the ranking); scores, class rules and adjustments are prepared; and the nominal
replicate (every factor 1) is checked to reproduce the pipeline's rank and class of every firm
before any replicate is trusted. `replicate_classes(fw, fb)` then gives
the class of every firm in each replicate.

Adjustments whose condition does not read `score`, `rank` or `percentile` fired or not whatever
the weights and benchmarks; which fired is read from the reason text the pipeline wrote for each
firm (`class_reason`). The others are evaluated per replicate by `context.Context`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.errors import Problem, TiangongError
from tiangong.evaluation.evaluate import Evaluation
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.model import Scheme
from tiangong.evaluation.scheme.names import outcome_names
from tiangong.evaluation.stability.classes import ClassRules, Partition
from tiangong.evaluation.stability.context import VARYING, Context
from tiangong.evaluation.stability.draws import scheme_columns
from tiangong.evaluation.stability.scores import ScoreModel

REASON_SEPARATOR = "；"


def _check_class_rules(scheme: Scheme) -> None:
    """Refuse the class rules the replicate model does not reproduce (issue 15: several
    stages, a window at the bottom, ranking by an expression or per group, quota tables per
    group, partitions by other variables): an estimate of another rule would mislead."""
    cls = scheme.classification
    ind = set(scheme.indicators)
    ts = cls.two_stage
    unsupported = [
        ("stages", bool(cls.stages)),
        ("group_quotas", bool(cls.group_quotas)),
        ("items.clip", any(i.clip is not None for g in scheme.groups for i in g.items)),
        ("rank_by", not (cls.rank_by == "total" or cls.rank_by in ind)),
        ("two_stage", ts is not None and (ts.candidates_top_share is None or ts.order != "desc"
                                          or not (isinstance(ts.by, str) and ts.by in ind)
                                          or ts.class_ != scheme.class_codes()[0])),
        ("partition_by", any(p not in ("group", "county_code", "town_code", "industry_division")
                             for p in cls.partition_by)),
    ]
    problems = [Problem(f"unsupported feature: classification.{key} as written here",
                        scheme.id, field=f"classification.{key}")
                for key, bad in unsupported if bad]
    if problems:
        raise TiangongError(problems, title="class_stability does not support this scheme")


class StabilityModel:
    """Everything fixed across replicates of one evaluation."""

    def __init__(self, ev: Evaluation) -> None:
        self.ev = ev
        scheme = ev.scheme.scheme
        self.scheme = scheme
        self.codes = scheme.class_codes()
        self.columns = scheme_columns(scheme, ev.benchmarks)
        df = ev.results.to_pandas()
        self.n_results = len(df)
        eligible = (df["group"].notna() & df["special_class"].isna()).to_numpy()
        if eligible.any() and df.loc[eligible, "rank"].isna().any():
            raise TiangongError("results have eligible firms without a rank")
        cls = scheme.classification
        names = outcome_names(scheme)
        varying = [a for a, adj in enumerate(cls.adjustments)
                   if compile_expression(adj.when, names).variables & VARYING]
        self._check_reasons(varying)
        _check_class_rules(scheme)
        self.varying = varying
        self.context = Context(ev, df, eligible, varying)
        try:
            self._prepare(df, eligible)
        except BaseException:
            self.context.close()
            raise

    def __enter__(self) -> StabilityModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prepare(self, df: pd.DataFrame, eligible: np.ndarray) -> None:
        scheme, cls, varying = self.scheme, self.scheme.classification, self.varying
        self._layout(df, eligible)
        self.context.set_layout(self.layout_e)
        sub = df.iloc[self.rows]
        self.scores = ScoreModel(scheme, self.columns, df, self.rows, self.group_slices)
        self.fixed_key = (None if cls.rank_by == "total"
                          else sub[f"value_{cls.rank_by}"].to_numpy(dtype=float))
        by = (sub[f"value_{cls.two_stage.by}"].to_numpy(dtype=float) if cls.two_stage
              else None)
        self.rules = ClassRules(scheme, by)
        reasons = sub["class_reason"].fillna("").to_numpy(dtype=object)
        self.fired: dict[int, np.ndarray] = {
            a: np.array([adj.reason in str(t).split(REASON_SEPARATOR) for t in reasons])
            for a, adj in enumerate(cls.adjustments) if a not in varying}
        self._check_nominal(sub)

    def _check_reasons(self, varying: list[int]) -> None:
        adjustments = self.scheme.classification.adjustments
        seen: dict[str, int] = {}
        problems = []
        for a, adj in enumerate(adjustments):
            other = seen.setdefault(adj.reason, a)
            if a in varying:
                continue
            if other != a or REASON_SEPARATOR in adj.reason:
                problems.append(Problem(
                    f"unsupported feature: adjustment {a + 1}'s reason text is not unique (or "
                    f"contains '{REASON_SEPARATOR}'), so whether it fired cannot be read from "
                    "the results; give each adjustment its own reason",
                    self.scheme.id, field=f"classification.adjustments.{a}.reason"))
        if problems:
            raise TiangongError(problems, title="class_stability does not support this scheme")

    def _layout(self, df: pd.DataFrame, eligible: np.ndarray) -> None:
        """Eligible firms by group (each group one slice, for the scores), then partition, then
        nominal rank. Each partition's firms are listed in nominal rank order: a replicate's
        ranking is then nearly sorted already, which the stable sort (timsort) exploits;
        `tiebreak` holds each firm's place in the tiebreak order, for equal keys."""
        elig = np.flatnonzero(eligible)
        group_codes, groups = pd.factorize(df["group"].to_numpy()[elig], sort=True)
        part_codes, _ = pd.factorize(df["partition"].to_numpy()[elig], sort=True)
        rank = df["rank"].to_numpy()[elig]
        order = np.lexsort((rank, part_codes, group_codes))
        self.layout_e = order
        self.rows = elig[order]
        self.n = len(self.rows)
        self.tiebreak = self.context.tiebreak[order]
        group_codes, part_codes, rank = group_codes[order], part_codes[order], rank[order]
        bounds = np.searchsorted(group_codes, np.arange(len(groups) + 1))
        self.group_slices = {str(g): slice(int(bounds[k]), int(bounds[k + 1]))
                             for k, g in enumerate(groups)}
        sizes = df["partition_size"].to_numpy()[self.rows]
        by_part = np.argsort(part_codes, kind="stable")
        cuts = np.searchsorted(part_codes[by_part], np.arange(part_codes.max(initial=-1) + 2))
        self.partitions = []
        for k in range(len(cuts) - 1):
            at = by_part[cuts[k]:cuts[k + 1]]
            at = at[np.argsort(rank[at], kind="stable")]
            contiguous = at.size > 0 and at[-1] - at[0] + 1 == at.size and (
                np.diff(at) == 1).all()
            self.partitions.append(Partition(
                slice(int(at[0]), int(at[-1]) + 1) if contiguous else at, int(sizes[at[0]])))

    def _rank(self, key: np.ndarray, need_rank: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Class index and 1-based rank (r, n, layout order) before adjustments."""
        r = key.shape[0]
        idx = np.empty((r, self.n), dtype=np.int8)
        rank = np.empty((r, self.n), dtype=np.int32) if need_rank else None
        select = self.rules.by_selection and rank is None
        for part in self.partitions:
            neg = -key[:, part.at]
            neg[np.isnan(neg)] = np.inf
            tiebreak = self.tiebreak[part.at]
            if select:
                idx[:, part.at] = self.rules.select(part, neg, tiebreak)
                continue
            order = np.argsort(neg, axis=1, kind="stable")
            sorted_neg = np.take_along_axis(neg, order, axis=1)
            _break_ties(order, sorted_neg, tiebreak)
            by_pos = self.rules.at_positions(part, order, sorted_neg)
            local = np.empty_like(by_pos)
            np.put_along_axis(local, order, by_pos, axis=1)
            idx[:, part.at] = local
            if rank is not None:
                positions = np.broadcast_to(np.arange(1, order.shape[1] + 1, dtype=np.int32),
                                            order.shape)
                ranks = np.empty(order.shape, dtype=np.int32)
                np.put_along_axis(ranks, order, positions, axis=1)
                rank[:, part.at] = ranks
        return idx, rank

    def layout_classes(self, fw: np.ndarray, fb: np.ndarray, *, with_rank: bool = False
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Scores, class indices and ranks (r, n) of the eligible firms in layout order."""
        score = self.scores.scores(fw, fb)
        key = score if self.fixed_key is None else np.broadcast_to(self.fixed_key, score.shape)
        idx, rank = self._rank(key, with_rank or bool(self.varying))
        varying = iter(self.context.fire(score, rank) if rank is not None else [])
        fired = [next(varying) if a in self.varying else self.fired[a]
                 for a in range(len(self.scheme.classification.adjustments))]
        return score, self.rules.adjust(idx, fired), rank

    def replicate_classes(self, fw: np.ndarray, fb: np.ndarray) -> np.ndarray:
        """Class index (r, all results rows) per replicate; −1 for firms not ranked (no group,
        or a special class), whose class never changes."""
        _, idx, _ = self.layout_classes(fw, fb)
        out = np.full((fw.shape[0], self.n_results), -1, dtype=np.int8)
        out[:, self.rows] = idx
        return out

    def _check_nominal(self, sub: pd.DataFrame) -> None:
        ones = np.ones((1, len(self.columns)))
        _, idx, rank = self.layout_classes(ones, ones, with_rank=True)
        _, selected, _ = self.layout_classes(ones, ones)  # the path replicates take
        assert rank is not None
        code_idx = {c: i for i, c in enumerate(self.codes)}
        expected = np.array([code_idx.get(c, -1) for c in sub["class"]], dtype=np.int8)
        bad = ((expected != idx[0]) | (expected != selected[0])
               | (sub["rank"].to_numpy() != rank[0]))
        if bad.any():
            raise TiangongError(
                f"cannot reproduce the nominal ranks and classes (e.g. "
                f"{', '.join(sub['uscc'].to_numpy()[bad][:5])}); are the results from this "
                "scheme?")

    def close(self) -> None:
        self.context.close()


def _break_ties(order: np.ndarray, sorted_neg: np.ndarray, tiebreak: np.ndarray) -> None:
    """Within every run of equal keys, put the firms in tiebreak order (in place).

    The pipeline orders equal scores by the scheme's tiebreak keys, then the credit code. Runs
    are rare and short (firms at an item cap or a total floor), so only their slots are sorted.
    """
    same = sorted_neg[:, 1:] == sorted_neg[:, :-1]
    if not same.any():
        return
    tied = np.zeros(order.shape, dtype=bool)
    tied[:, 1:] |= same
    tied[:, :-1] |= same
    rep, pos = np.nonzero(tied)  # row-major: each run's slots are consecutive
    starts = np.ones(rep.size, dtype=bool)
    starts[1:] = ~same[rep[1:], np.maximum(pos[1:] - 1, 0)] | (pos[1:] == 0)
    run = np.cumsum(starts)
    firms = order[rep, pos]
    order[rep, pos] = firms[np.lexsort((tiebreak[firms], run))]
