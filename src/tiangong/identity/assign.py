"""From scored candidate pairs to one decision per record: record-level posteriors.

Splink scores pairs; a record needs one answer. Each record is in the roster with probability
rho and is then one of its n firms, equally likely a priori; a record from outside the roster
looks like a random firm's (Bayes factor 1). With Bayes factors BF_j of its candidates (firms
that blocking did not propose have BF near 0):

    P(firm j) = BF_j / (sum of the candidates' BF + n (1 - rho) / rho).

rho is estimated from the records themselves unless given (an EM fixed point: the share of
records the roster explains), because a fixed guess is wrong both ways: a department file of
the county's own manufacturers is nearly all in the roster, a tax export of every taxpayer is
not. When the caller knows that a source lists each firm once (a tax export: one row per
taxpayer), a firm surely claimed by one record cannot be another record's of that source:
removing it from the others' candidates sharpens them (`one_per_firm`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SURE = 0.99  # a record this sure of its firm claims it from the other records of its source


def estimate_rho(log2_bf: pd.Series, record: pd.Series, n_records: int, n_firms: int,
                 start: float = 0.9, rounds: int = 50) -> float:
    """The share of records in the roster that makes the posteriors agree with it on average.

    Records with no candidate at all count as outside the roster. Bounded to [0.5, 0.999]: a
    file that the roster explains less than half of is not one to link automatically. This is
    the maximum-likelihood share, and a record whose only evidence is weak (a typo'd trade name
    without a region fits several firms about as well as a firm missing from the roster) pulls
    it down: on the benchmark, where every record is a roster firm, it comes out at 0.98. A
    caller who knows the file holds registered firms only passes rho instead.
    """
    bf = np.exp2(log2_bf.clip(upper=200).to_numpy())
    total = pd.Series(bf).groupby(record.to_numpy()).sum().to_numpy()
    rho = start
    for _ in range(rounds):
        c = n_firms * (1 - rho) / rho
        new = float(np.clip((total / (total + c)).sum() / max(n_records, 1), 0.5, 0.999))
        if abs(new - rho) < 1e-6:
            return new
        rho = new
    return rho


def _ranked(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs sorted so that each record's first row is its best candidate: its posterior
    order is its Bayes factors' order (one denominator per record); ties go to the code."""
    order = pd.DataFrame({"r": pairs["record_id"].to_numpy(), "w": -pairs["log2_bf"].to_numpy(),
                          "u": pairs["uscc"].astype(str).to_numpy()})
    return pairs.iloc[order.sort_values(["r", "w", "u"], kind="stable").index.to_numpy()]


def _best(ranked: pd.DataFrame, n_firms: int, rho: float) -> pd.DataFrame:
    """The first row of each record of `ranked`, with its posterior p."""
    bf = np.exp2(ranked["log2_bf"].clip(upper=200).to_numpy())
    total = pd.Series(bf).groupby(ranked["record_id"].to_numpy()).transform("sum").to_numpy()
    first = ~ranked["record_id"].duplicated().to_numpy()
    return ranked[first].assign(p=bf[first] / (total[first] + n_firms * (1 - rho) / rho))


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["source"].astype(str) + "\x1f" + frame["uscc"].astype(str)


def best_candidates(pairs: pd.DataFrame, n_firms: int, rho: float,
                    claimed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per record: its best firm (uscc) and that firm's record-level posterior p.

    pairs: record_id, uscc, log2_bf (and `source` when `claimed` is given); claimed: source,
    uscc of firms already taken in that source, removed from the candidates first.
    """
    if claimed is not None and not claimed.empty:
        pairs = pairs[~_keys(pairs).isin(set(_keys(claimed))).to_numpy()]
    return _best(_ranked(pairs), n_firms, rho)


def assign(pairs: pd.DataFrame, n_firms: int, rho: float,
           claimed: pd.DataFrame | None = None, rounds: int = 10) -> pd.DataFrame:
    """Each record's best candidate (record_id, uscc, p, …).

    With `claimed` (source, uscc: firms already linked in each source by surer stages), one
    record per firm and source: those firms are no candidates, records at least SURE of their
    firm claim it too, and the others are re-scored without the claimed firms, until no
    record becomes sure. `pairs` then needs a `source` column.
    """
    ranked = _ranked(pairs)
    if claimed is None:
        return _best(ranked, n_firms, rho)
    keys = _keys(ranked)
    taken = keys.isin(set(_keys(claimed))).to_numpy()
    best = _best(ranked[~taken], n_firms, rho)
    for _ in range(rounds):
        sure = best[best["p"] >= SURE]
        taken = taken | keys.isin(set(_keys(sure))).to_numpy()
        rest = ~taken & ~ranked["record_id"].isin(sure["record_id"]).to_numpy()
        again = pd.concat([sure, _best(ranked[rest], n_firms, rho)])
        done = int((again["p"] >= SURE).sum()) == len(sure)
        best = again
        if done:
            break
    return best.sort_values("record_id", kind="stable")
