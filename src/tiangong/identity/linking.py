"""Link every source record to one enterprise of the roster, saying how and how sure.

Departments identify firms by code, by a wrong code, by an old organisation code, or by a name
written their own way. Stages run from surest to least sure and each record keeps the first
that decides it: the analyst's crosswalk (a human already decided), a valid USCC in the roster,
the organisation code inside whatever code it has, the exact normalised name (unique in the
roster), then a Splink model on name parts. Links between `p_low` and `p_high` go to the review
queue unless the best candidate's Bayes factor beats the runner-up's by MARGIN_BITS (a typo'd
name whose only near match in the roster is that firm); a valid code whose name disagrees is
linked but flagged, because about 1 % of random two-character errors still pass both check
characters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.identity.crosswalk import apply_crosswalk
from tiangong.identity.names import parse_names, trade_similarity
from tiangong.identity.uscc import is_valid_org_code, is_valid_uscc, normalize_uscc

METHODS = ("crosswalk", "uscc", "org_code", "name_exact", "probabilistic", "none")
CONFIDENCE = {"crosswalk": 1.0, "uscc": 1.0, "org_code": 0.97, "name_exact": 0.98}
MISMATCH = 0.5  # trade names sharing fewer characters than this disagree
# A proposal between p_low and p_high is still accepted when its Bayes factor beats the next
# candidate's by this many bits (16×): the only near match in the roster, not one of several.
MARGIN_BITS = 4.0


def _org_code(code: str) -> str | None:
    """The organisation code a raw code carries: chars 9–17 of a USCC, or a 9-char code."""
    c = normalize_uscc(code).replace("-", "")
    body = c[8:17] if len(c) == 18 else c if len(c) == 9 else ""
    return body if body and is_valid_org_code(body) else None


def _disagree(record_parts: pd.DataFrame, roster_parts: pd.DataFrame) -> pd.Series:
    """True where a record's name and its linked firm's name are plainly different firms."""
    pairs = zip(record_parts["trade"], roster_parts["trade"], strict=True)
    sim = pd.Series([trade_similarity(a, b) for a, b in pairs], index=record_parts.index)
    return (sim < MISMATCH) & (record_parts["trade"] != "")


def link(records: pd.DataFrame, roster: pd.DataFrame, crosswalk: pd.DataFrame | None = None,
         p_high: float = 0.95, p_low: float = 0.3, rho: float = 0.9) -> pd.DataFrame:
    """One row per record: record_id, uscc, method, confidence, review, flag.

    records: record_id, name, optionally uscc (any code as written) and source; roster: uscc,
    name (one row per firm; repeated years are collapsed). The probabilistic stage's confidence
    is the record-level posterior of its best candidate (rho: the share of records expected to
    be in the roster at all); ≥ p_high is accepted, between p_low and p_high goes to review.
    """
    firms = roster.drop_duplicates("uscc", keep="last").reset_index(drop=True)
    firms = firms.assign(uscc=firms["uscc"].map(normalize_uscc))
    fparts = parse_names(firms["name"])
    recs = records.reset_index(drop=True)
    rparts = parse_names(recs["name"])
    n = len(recs)
    out = pd.DataFrame({"record_id": recs["record_id"].to_numpy(),
                        "uscc": pd.Series([None] * n, dtype="string"),
                        "method": "none", "confidence": 0.0, "review": False,
                        "flag": pd.Series([None] * n, dtype="string")})
    todo = pd.Series(True, index=recs.index)

    def take(mask: pd.Series, uscc: pd.Series, method: str) -> None:
        hit = mask & todo & uscc.notna()
        out.loc[hit, "uscc"] = uscc[hit].astype("string")
        out.loc[hit, "method"] = method
        out.loc[hit, "confidence"] = CONFIDENCE[method]
        todo[hit] = False

    take(todo, apply_crosswalk(crosswalk, recs), "crosswalk")
    by_uscc = pd.Series(firms.index, index=firms["uscc"])
    if "uscc" in recs:
        code = recs["uscc"].astype("string").fillna("").map(normalize_uscc)
        valid = code.map(is_valid_uscc) & code.isin(by_uscc.index)
        take(valid, code.where(valid), "uscc")
        org = recs["uscc"].astype("string").fillna("").map(_org_code)
        forg = firms["uscc"].map(_org_code)
        unique_org = forg.dropna().drop_duplicates(keep=False)
        org_map = pd.Series(firms["uscc"][unique_org.index].to_numpy(), index=unique_org)
        take(org.notna(), org.map(org_map), "org_code")
        coded = out["method"].isin(["uscc", "org_code"])
        linked = by_uscc[out.loc[coded, "uscc"].astype(str)].to_numpy()
        bad = _disagree(rparts[coded], fparts.iloc[linked].set_index(rparts.index[coded]))
        bad_idx = bad[bad].index
        out.loc[bad_idx, "flag"] = "code_name_mismatch"
        out.loc[bad_idx, "review"] = True
        out.loc[bad_idx, "confidence"] = 0.5
    unique_key = fparts["key"].drop_duplicates(keep=False)
    key_map = pd.Series(firms["uscc"][unique_key.index].to_numpy(), index=unique_key)
    take(todo, rparts["key"].map(key_map), "name_exact")
    if todo.any():
        _probabilistic(out, todo, recs, rparts, firms, fparts, p_high, p_low, rho)
    return out


def _probabilistic(out: pd.DataFrame, todo: pd.Series, recs: pd.DataFrame,
                   rparts: pd.DataFrame, firms: pd.DataFrame, fparts: pd.DataFrame,
                   p_high: float, p_low: float, rho: float) -> None:
    """Fill the undecided rows of `out` from Splink's scored pairs (in place)."""
    from tiangong.identity.probabilistic import score_pairs

    rows = todo[todo].index
    left = rparts.loc[rows].assign(record_id=rows.astype(str))
    good = out["method"].eq("uscc") & out["flag"].isna()
    labels = rparts[good].assign(record_id=good[good].index.astype(str),
                                 uscc=out.loc[good, "uscc"].astype(str))
    labels = labels.head(20000)
    right = fparts.assign(uscc=firms["uscc"].to_numpy())
    n = len(firms)
    pairs = score_pairs(left, right, labels, threshold=min(p_low, 0.5) * 2.0 / n)
    if pairs.empty:
        return
    # Record-level posterior: each record is in the roster with probability rho and then is
    # exactly one firm, so P(firm j) = BF_j / (sum of candidates' BF + n (1 - rho) / rho).
    bf = np.exp2(pairs["log2_bf"].clip(upper=200).to_numpy())
    pairs = pairs.assign(bf=bf)
    total = pairs.groupby("record_id")["bf"].transform("sum") + n * (1 - rho) / rho
    pairs = pairs.assign(p=pairs["bf"] / total)
    pairs = pairs.sort_values(["record_id", "p", "uscc"], ascending=[True, False, True])
    rank = pairs.groupby("record_id").cumcount()
    best = pairs[rank == 0].set_index("record_id")
    runner_up = pairs[rank == 1].set_index("record_id")["log2_bf"]
    gap = (best["log2_bf"] - runner_up.reindex(best.index)).fillna(np.inf).to_numpy()
    idx = best.index.astype(int)
    p = best["p"].to_numpy()
    proposed = p >= p_low
    keep = idx[proposed]
    out.loc[keep, "uscc"] = best["uscc"].to_numpy()[proposed]
    out.loc[keep, "method"] = "probabilistic"
    out.loc[keep, "confidence"] = p[proposed]
    # A record whose best candidate is a near (not exact) match — a one-character typo in the
    # trade name — gets a modest posterior however alone it is, since the model must allow for
    # records of firms missing from the roster; one that clearly stands out from every other
    # candidate (and is proposed at all) is accepted rather than queued.
    unique = gap[proposed] >= MARGIN_BITS
    out.loc[keep, "review"] = (p[proposed] < p_high) & ~unique
