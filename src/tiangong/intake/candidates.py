"""Candidate firms for a record the linker could not settle, for the analyst to choose from.

The review workbook shows, next to the linker's proposal, the register firms whose names agree
most with what the department wrote. A first pass weighs shared characters by their rarity in
the register (idf: 台州 and 有限公司 say little, 华泰 says a lot) over the whole register with
numpy; only a short list per record is then parsed into name parts (`tiangong.identity.names`)
and ranked by the same full name, industry words, region and legal class. A province register
(120,000 firms) is searched for a few dozen records in about a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.identity.names import normalize_names, parse_names

CANDIDATES = 3


class _CharIndex:
    """Which register names hold which character, weighted by rarity (idf), built with numpy
    in well under a second for a province: the cheap first pass of the candidate search."""

    def __init__(self, norm: list[str]) -> None:
        n = len(norm)
        lengths = np.fromiter(map(len, norm), dtype=np.int64, count=n)
        cps = np.frombuffer("".join(norm).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        key = np.sort(cps * (n + 1) + np.repeat(np.arange(n), lengths))
        key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key  # distinct per name
        self.owner = key % (n + 1)
        char = key // (n + 1)
        self.start = np.flatnonzero(np.r_[True, char[1:] != char[:-1]]) if key.size else \
            np.empty(0, dtype=np.int64)
        self.chars = char[self.start]
        df = np.diff(np.r_[self.start, char.size])
        self.df = df
        self.idf = np.log((n + 1) / df)
        self.total = np.bincount(self.owner, self.idf[np.repeat(np.arange(df.size), df)],
                                 minlength=n)
        self.n = n

    def scores(self, name: str, common: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
        """(positions, score) of names sharing an informative character with `name`: idf of
        the shared characters over the larger of the two names' idf totals."""
        cps = np.unique(np.frombuffer(name.encode("utf-32-le"), dtype=np.uint32))
        at = np.minimum(np.searchsorted(self.chars, cps), self.chars.size - 1)
        at = at[self.chars[at] == cps]
        mine_total = float(self.idf[at].sum()) if at.size else 0.0
        at = at[self.df[at] <= common * self.n]
        if not at.size or mine_total == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        owners = np.concatenate([self.owner[self.start[a]:self.start[a] + self.df[a]]
                                 for a in at])
        weights = np.repeat(self.idf[at], self.df[at])
        shared = np.bincount(owners, weights, minlength=self.n)
        ids = np.flatnonzero(shared)
        return ids, shared[ids] / np.maximum(self.total[ids], mine_total)


def candidates(names: pd.Series, proposed: pd.Series, roster: pd.DataFrame,
               k: int = CANDIDATES, shortlist: int = 20) -> list[list[int]]:
    """Roster positions of up to k candidates per record: the linker's proposal first, then
    the firms whose names agree most: rare characters in common (a first pass over the whole
    register), then, on a short list, the name parts (same full name, industry words, region,
    legal class); ties by code."""
    firms = roster.reset_index(drop=True)
    n = len(firms)
    if n == 0:
        return [[] for _ in range(len(names))]
    position = pd.Series(np.arange(n), index=firms["uscc"].to_numpy())
    position = position[~position.index.duplicated()]
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[np.argsort(firms["uscc"].to_numpy(str), kind="stable")] = np.arange(n)
    norm = normalize_names(firms["name"].astype("string").fillna("")).tolist()
    index = _CharIndex(norm)
    records = names.astype("string").fillna("").reset_index(drop=True)
    short: list[tuple[np.ndarray, np.ndarray]] = []
    for name in normalize_names(records):
        ids, score = index.scores(name)
        if ids.size > shortlist:
            floor = -np.partition(-score, shortlist - 1)[shortlist - 1]
            ids, score = ids[score >= floor], score[score >= floor]
        short.append((ids, score))
    pool = np.unique(np.concatenate([ids for ids, _ in short] + [np.empty(0, np.int64)]))
    fparts = parse_names(firms["name"].iloc[pool].astype("string").fillna("")).reset_index(
        drop=True)
    where = pd.Series(np.arange(pool.size), index=pool)
    rparts = parse_names(records)
    out: list[list[int]] = []
    for i, (ids, score) in enumerate(short):
        picked: list[int] = []
        first = proposed.iat[i]
        if isinstance(first, str) and first in position.index:
            picked.append(int(position[first]))
        if ids.size and len(picked) < k:
            parts = fparts.iloc[where[ids].to_numpy()]
            score = score.copy()
            for col, weight in (("norm", 2.0), ("industry", 0.5), ("region", 0.3),
                                ("legal", 0.1)):
                value = rparts[col].iat[i]
                if isinstance(value, str) and value:
                    score += weight * (parts[col].to_numpy(object) == value)
            best = ids[np.lexsort((rank_of[ids], -score))]
            picked += [int(b) for b in best if int(b) not in picked][:k - len(picked)]
        out.append(picked)
    return out
