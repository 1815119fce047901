"""Replicate classes: rank every partition and apply the scheme's class rules, vectorised.

Mirrors `pipeline/classes.py` step by step on arrays of shape (replicates, firms of a partition).
The pipeline orders a partition by `key DESC NULLS LAST, tiebreak keys…, uscc`; here a stable
sort of the negated key is followed by re-ordering every run of equal keys by the firm's place
in that tiebreak order (`model._break_ties`), so ties that only a replicate produces (two firms
both at an item cap, or at a total floor) are broken as the pipeline would break them.

Classes are computed in *position* space (column p = the firm ranked p + 1):

* quota: cumulative cut-offs of the partition size, at the firm's position, or with
  `ties: better_class` / `worse_class` at the first / last position of its run of equal keys;
* thresholds: the first class whose minimum the key reaches;
* two_stage: candidates are the first positions; among them the best by the `by` indicator
  (then position) are chosen; the rest follow the quotas after the chosen;
* bounds, in the scheme's order: `max_share` moves the firms of a class beyond its share down one
  class, `min_share` puts the lowest-ranked share in the last class.

Plain quota schemes (tiebreak ties, no bounds, no condition reading the rank: 黄岩, 淮安) need no
ranking at all: `select` finds each cut-off value by linear-time selection instead of sorting.
Adjustments are applied afterwards, per firm (`adjust`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from tiangong.evaluation.scheme.model import Adjustment, Scheme


def cutoff(size: int, share: float, rounding: str | None) -> int:
    """The pipeline's cumulative quota count (classes._cutoff), in the same arithmetic."""
    exact = size * round(share * 100) / 10000.0
    if rounding == "ceil":
        return int(np.ceil(exact))
    if rounding == "round_half_up":
        return int(np.floor(exact + 0.5))
    return int(np.floor(exact))


@dataclass
class Partition:
    at: slice | np.ndarray  # its eligible firms in the layout, in nominal rank order
    size: int  # partition_size: eligible firms plus special classes counted in the denominator


def _by_cuts(position: np.ndarray, cuts: list[tuple[int, int]], last: int) -> np.ndarray:
    """CASE WHEN position <= cut THEN class … ELSE last, first match wins."""
    out = np.full(position.shape, last, dtype=np.int8)
    for k, cut in reversed(cuts):
        out[position <= cut] = k
    return out


class ClassRules:
    """The scheme's class rules, ready to apply to one partition's replicate ranking."""

    def __init__(self, scheme: Scheme, by_value: np.ndarray | None) -> None:
        self.scheme = scheme
        self.cls = scheme.classification
        self.codes = scheme.class_codes()
        self.last = len(self.codes) - 1
        # two_stage: dense rank of the `by` indicator (best first, missing last), layout order
        self.by_rank = None
        if by_value is not None:
            key = np.where(np.isnan(by_value), np.inf, -by_value)
            self.by_rank = np.unique(key, return_inverse=True)[1].reshape(-1)

    @property
    def by_selection(self) -> bool:
        """Quota classes with tiebreak ties and no bounds need no ranking: see `select`."""
        return (self.cls.method == "quota" and (self.cls.ties or "tiebreak") == "tiebreak"
                and not self.cls.bounds)

    def select(self, part: Partition, neg: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
        """Quota classes (r, n) in layout order without sorting, for `by_selection` schemes.

        A firm is within a cumulative cut c when it is among the c best by (key, tiebreak).
        Linear-time selection (np.partition) gives the c-th and (c+1)-th smallest negated key
        v_c, v_c+1; when they differ, "within" is simply neg <= v_c, and with cumulative
        (nested) cuts the class is the number of cuts a firm is outside of. Only a replicate
        where equal keys straddle a cut needs the tiebreak order: it is ranked in full.
        """
        r, n = neg.shape
        cuts = [(k, min(max(c, 0), n)) for k, c in self._quota_cuts(part.size)]
        inner = [c for _, c in cuts[:-1]]
        if any(b < a for a, b in itertools.pairwise(inner)):
            return self._select_by_sorting(part, neg, tiebreak, np.arange(r))
        kth = sorted({i for c in inner if 0 < c < n for i in (c - 1, c)})
        parted = np.partition(neg, kth, axis=1) if kth else neg
        idx = np.zeros((r, n), dtype=np.int8)
        straddle = np.zeros(r, dtype=bool)
        for c in inner:
            if c <= 0:
                idx += 1
            elif c < n:
                idx += neg > parted[:, c - 1:c]
                straddle |= parted[:, c] == parted[:, c - 1]
        if straddle.any():
            reps = np.flatnonzero(straddle)
            idx[reps] = self._select_by_sorting(part, neg[reps], tiebreak, reps)
        return idx

    def _select_by_sorting(self, part: Partition, neg: np.ndarray, tiebreak: np.ndarray,
                           reps: np.ndarray) -> np.ndarray:
        """The exact quota classes of a few replicates: rank by (key, tiebreak) in full."""
        n = neg.shape[1]
        out = np.empty(neg.shape, dtype=np.int8)
        by_pos = _by_cuts(np.arange(1, n + 1), self._quota_cuts(part.size), self.last)
        for i in range(len(reps)):
            order = np.lexsort((tiebreak, neg[i]))
            out[i, order] = by_pos
        return out

    def _quota_cuts(self, size: int, skip: int = -1) -> list[tuple[int, int]]:
        assert self.cls.quotas is not None
        return [(k, cutoff(size, q, self.cls.rounding))
                for k, q in enumerate(self.cls.quotas.values()) if k != skip]

    def at_positions(self, part: Partition, order: np.ndarray,
                     sorted_neg: np.ndarray) -> np.ndarray:
        """Class index (r, n) by position; `order` maps position → firm (partition-local),
        `sorted_neg` is the negated key at each position (NULL = +inf)."""
        cls = self.cls
        r, n = order.shape
        pos = np.arange(1, n + 1)
        if cls.method == "quota":
            ties = cls.ties or "tiebreak"
            if ties == "tiebreak":
                idx = np.broadcast_to(_by_cuts(pos, self._quota_cuts(part.size), self.last),
                                      (r, n)).copy()
            else:
                idx = _by_cuts(self._tie_position(sorted_neg, ties == "better_class"),
                               self._quota_cuts(part.size), self.last)
        elif cls.method == "thresholds":
            assert cls.thresholds is not None
            key = -sorted_neg
            idx = np.full((r, n), self.last, dtype=np.int8)
            for k, t in reversed(list(enumerate(cls.thresholds.values()))):
                idx[key >= float(t)] = k
        else:
            idx = self._two_stage(part, order)
        return self._bounds(part, idx)

    @staticmethod
    def _tie_position(sorted_neg: np.ndarray, better: bool) -> np.ndarray:
        """First (better) or last (worse) 1-based position of each position's run of ties."""
        r, n = sorted_neg.shape
        cols = np.broadcast_to(np.arange(n), (r, n))
        new = np.ones((r, n), dtype=bool)
        new[:, 1:] = sorted_neg[:, 1:] != sorted_neg[:, :-1]
        if better:
            return np.maximum.accumulate(np.where(new, cols, 0), axis=1) + 1
        ends = np.ones((r, n), dtype=bool)
        ends[:, :-1] = new[:, 1:]
        rev = np.where(ends, cols, n - 1)[:, ::-1]
        return np.minimum.accumulate(rev, axis=1)[:, ::-1] + 1

    def _two_stage(self, part: Partition, order: np.ndarray) -> np.ndarray:
        ts = self.cls.two_stage
        assert ts is not None and self.by_rank is not None
        r, n = order.shape
        chosen_idx = self.codes.index(ts.class_)
        rounding = self.cls.rounding
        m = min(cutoff(part.size, ts.window, rounding), n)
        take = min(cutoff(part.size, ts.share, rounding), m)
        chosen = np.zeros((r, n), dtype=bool)
        if 0 < take < m:  # the best `take` candidates by `by`, equal values by position
            value = self.by_rank[part.at][order[:, :m]]
            cut = np.partition(value, take - 1, axis=1)[:, take - 1:take]
            equal = value == cut
            slots = take - (value < cut).sum(axis=1, keepdims=True)
            chosen[:, :m] = (value < cut) | (equal & (np.cumsum(equal, axis=1) <= slots))
        elif take > 0:
            chosen[:, :m] = True
        rest = np.cumsum(~chosen, axis=1)
        idx = _by_cuts(rest + take, self._quota_cuts(part.size, chosen_idx), self.last)
        idx[chosen] = chosen_idx
        return idx

    def _bounds(self, part: Partition, idx: np.ndarray) -> np.ndarray:
        n = idx.shape[1]
        for code, bound in self.cls.bounds.items():
            target = self.codes.index(code)
            if bound.max_share is not None:
                cut = cutoff(part.size, bound.max_share, self.cls.rounding)
                mine = idx == target
                over = mine & (np.cumsum(mine, axis=1) > cut)
                idx[over] = min(target + 1, self.last)
            else:
                cut = cutoff(part.size, bound.min_share or 0, self.cls.rounding)
                if cut > 0:
                    idx[:, max(n - cut, 0):] = self.last
        return idx

    def adjust(self, idx: np.ndarray, fired: list[np.ndarray]) -> np.ndarray:
        """Apply the adjustments in order; fired[a] is (n,) or (r, n): did adjustment a fire."""
        for adj, on in zip(self.cls.adjustments, fired, strict=True):
            if on.ndim == 1:  # fired the same in every replicate: only its firms change
                cols = np.flatnonzero(on)
                idx[:, cols] = self._action(adj, idx[:, cols])
            else:
                idx = np.where(on, self._action(adj, idx), idx)
        return idx

    def _action(self, adj: Adjustment, idx: np.ndarray) -> np.ndarray:
        target = self.codes.index(adj.class_) if adj.class_ else 0
        if adj.action == "set":
            return np.full_like(idx, target)
        if adj.action == "downgrade":
            return np.minimum(idx + adj.steps, self.last).astype(np.int8)
        if adj.action == "upgrade":
            return np.maximum(idx - adj.steps, 0).astype(np.int8)
        if adj.action == "at_most":
            return np.maximum(idx, target).astype(np.int8)
        return np.minimum(idx, target).astype(np.int8)  # at_least
