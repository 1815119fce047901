"""Link every source record to one enterprise of the roster, saying how and how sure.

Departments identify firms by code, by a wrong code, by an old organisation code, or by a name
written their own way. Stages run from surest to least sure and each record keeps the first
that decides it: the analyst's crosswalk (a human already decided), a valid USCC in the roster,
the organisation code inside whatever code it has, the exact normalised name (unique in the
roster), then a Splink model on name parts whose pair scores become one posterior per record
(`identity.assign`). Links between `p_low` and `p_high` go to the review queue.

Identity rules (issue 14): a valid code decides, except when the record's name is exactly
(after normalisation: region prefixes, brackets, legal forms, full-width, traditional
characters) another roster firm's name, then the name decides (flag `code_of_other_firm`); a
valid code whose name matches no roster firm (neither exactly nor in trade name and industry
words, as another legal form, a branch or the name without region would) is a rename and
the code decides (flag `renamed`, not reviewed; a name matching other roster firms so waits
for review); a
code carrying invisible characters (U+200B …) is read without them; letters a code cannot hold
typed for digits (O/0, I/1, Z/2, S/5) are repaired when the result is a roster code (flag
`code_repaired`); the organisation code inside a USCC, an old 15-character taxpayer id or a
9-character code links by `org_code`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from tiangong.identity.crosswalk import apply_crosswalk
from tiangong.identity.names import parse_names, trade_similarity
from tiangong.identity.uscc import CONFUSABLE, normalize_uscc
from tiangong.identity.uscc_bulk import org_codes, valid_usccs

METHODS = ("crosswalk", "uscc", "org_code", "name_exact", "probabilistic", "none")
CONFIDENCE = {"crosswalk": 1.0, "uscc": 1.0, "org_code": 0.97, "name_exact": 0.98}
MISMATCH = 0.5  # trade names sharing fewer characters than this disagree
P_HIGH = 0.9  # record-level posterior from which a probabilistic link is accepted unreviewed
LABELS_MAX = 20_000  # records linked by a valid code that train m (true pairs)
# the stages `link` reports to its `step` callback, in order
STEPS = ("names parsed", "codes", "exact names", "probabilistic")


def _disagree(record_parts: pd.DataFrame, roster_parts: pd.DataFrame) -> pd.Series:
    """True where a record's name and its linked firm's name are plainly different firms."""
    pairs = zip(record_parts["trade"], roster_parts["trade"], strict=True)
    sim = pd.Series([trade_similarity(a, b) for a, b in pairs], index=record_parts.index)
    return (sim < MISMATCH) & (record_parts["trade"] != "")


def link(records: pd.DataFrame, roster: pd.DataFrame, crosswalk: pd.DataFrame | None = None,
         p_high: float = P_HIGH, p_low: float = 0.3, rho: float | None = None,
         one_per_firm: bool = False,
         step: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per record: record_id, uscc, method, confidence, review, flag.

    records: record_id, name, optionally uscc (any code as written) and source; roster: uscc,
    name (one row per firm; repeated years are collapsed). The probabilistic stage's confidence
    is the record-level posterior of its best candidate (`identity.assign`; rho: the share of
    records in the roster at all, estimated from the records when None); ≥ p_high is
    accepted, between p_low and p_high goes to review. one_per_firm: every source lists each
    firm at most once (a tax export: one row per taxpayer, not electricity accounts or land
    parcels), so firms already taken in a source are not candidates for its other records.
    step: called with the name of each of the STEPS as it ends (a progress bar's tick).
    """
    def done(name: str) -> None:
        if step is not None:
            step(name)

    firms = roster.drop_duplicates("uscc", keep="last").reset_index(drop=True)
    firms = firms.assign(uscc=firms["uscc"].map(normalize_uscc))
    recs = records.reset_index(drop=True)
    # roster and records parsed together: a name both hold is parsed once
    both = parse_names(pd.concat([firms["name"], recs["name"]], ignore_index=True))
    fparts = both.iloc[:len(firms)].set_axis(firms.index)
    rparts = both.iloc[len(firms):].set_axis(recs.index)
    done("names parsed")
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
        valid = pd.Series(valid_usccs(code), index=code.index) & code.isin(by_uscc.index)
        take(valid, code.where(valid), "uscc")
        # O/0, I/1, Z/2, S/5 typed for one another: repaired when the result is a roster code
        fixed = code.str.translate(CONFUSABLE)
        repaired = todo & (fixed != code) & pd.Series(valid_usccs(fixed), index=code.index) \
            & fixed.isin(by_uscc.index)
        take(repaired, fixed.where(repaired), "uscc")
        out.loc[repaired[repaired].index, "flag"] = "code_repaired"
        org = org_codes(code)
        forg = org_codes(firms["uscc"])
        unique_org = forg.dropna().drop_duplicates(keep=False)
        org_map = pd.Series(firms["uscc"][unique_org.index].to_numpy(), index=unique_org)
        take(org.notna(), org.map(org_map), "org_code")
        coded = out["method"].isin(["uscc", "org_code"])
        # a code of one firm next to the exact name of another: the name decides
        name_firm = rparts["key"].map(_unique_keys(firms, fparts))
        other = coded & name_firm.notna() & (name_firm != out["uscc"].astype(object))
        out.loc[other, "uscc"] = name_firm[other].astype("string")
        out.loc[other, "method"] = "name_exact"
        out.loc[other, "confidence"] = CONFIDENCE["name_exact"]
        out.loc[other, "flag"] = "code_of_other_firm"
        coded = coded & ~other
        linked = by_uscc[out.loc[coded, "uscc"].astype(str)].to_numpy()
        bad = _disagree(rparts[coded], fparts.iloc[linked].set_index(rparts.index[coded]))
        # a name that matches no registered firm — neither exactly nor as another legal form, a
        # branch (分厂) or without the region: trade name and industry words — is a rename, the
        # code decides; a name that matches other firms, which rule 1 could not settle, goes to the
        # analyst
        known = _core(rparts.loc[bad.index]).isin(set(_core(fparts)))
        renamed = bad[bad & ~known].index
        out.loc[renamed, "flag"] = "renamed"
        bad_idx = bad[bad & known].index
        out.loc[bad_idx, "flag"] = "code_name_mismatch"
        out.loc[bad_idx, "review"] = True
        out.loc[bad_idx, "confidence"] = 0.5
    done("codes")
    take(todo, rparts["key"].map(_unique_keys(firms, fparts)), "name_exact")
    done("exact names")
    if todo.any():
        _probabilistic(out, todo, recs, rparts, firms, fparts, p_high, p_low, rho,
                       one_per_firm)
    done("probabilistic")
    return out


def _core(parts: pd.DataFrame) -> pd.Series:
    """Trade name and industry words: what a firm's other legal forms, its branches and its
    name written without the region share with it."""
    return parts["trade"] + parts["industry"]


def _unique_keys(firms: pd.DataFrame, fparts: pd.DataFrame) -> pd.Series:
    """Exact-match name key → the roster firm's code, for keys only one firm has."""
    unique_key = fparts["key"].drop_duplicates(keep=False)
    return pd.Series(firms["uscc"][unique_key.index].to_numpy(), index=unique_key)


def _by_name(parts: pd.DataFrame, *first: pd.Series) -> pd.Index:
    """Row labels ordered by (first…, normalised name): Splink's sampling for u hashes the
    ids it is given, so ids are handed out in this order, not in the file's row order, and
    the same records in another order link the same way."""
    keys = pd.DataFrame({f"k{i}": k for i, k in enumerate(first)} | {"norm": parts["norm"]})
    return keys.sort_values(list(keys.columns), kind="stable").index


def _probabilistic(out: pd.DataFrame, todo: pd.Series, recs: pd.DataFrame,
                   rparts: pd.DataFrame, firms: pd.DataFrame, fparts: pd.DataFrame,
                   p_high: float, p_low: float, rho: float | None,
                   one_per_firm: bool) -> None:
    """Fill the undecided rows of `out` from Splink's scored pairs (in place)."""
    from tiangong.identity.assign import assign, estimate_rho
    from tiangong.identity.probabilistic import score_pairs

    rows = _by_name(rparts[todo])
    left = rparts.loc[rows].assign(record_id=[str(k) for k in range(len(rows))])
    good = out["method"].eq("uscc") & out["flag"].isna()
    coded = _by_name(rparts[good], out.loc[good, "uscc"].astype(str))[:LABELS_MAX]
    labels = rparts.loc[coded].assign(record_id=[str(k) for k in range(len(coded))],
                                      uscc=out.loc[coded, "uscc"].astype(str).to_numpy())
    right = fparts.assign(uscc=firms["uscc"].to_numpy())
    n = len(firms)
    pairs = score_pairs(left, right, labels)
    if pairs.empty:
        return
    pairs["record_id"] = rows[pairs["record_id"].astype(int).to_numpy()]
    if rho is None:
        rho = estimate_rho(pairs["log2_bf"], pairs["record_id"], len(rows), n)
    source = (recs["source"].astype("string").fillna("") if "source" in recs
              else pd.Series("", index=recs.index, dtype="string"))
    claimed = None
    if one_per_firm:
        pairs["source"] = source[pairs["record_id"]].to_numpy()
        sure = out["uscc"].notna() & ~out["review"].astype(bool)
        claimed = pd.DataFrame({"source": source[sure].to_numpy(),
                                "uscc": out.loc[sure, "uscc"].astype(str).to_numpy()})
    best = assign(pairs, n, rho, claimed)
    best = best[best["p"] >= p_low]
    idx = best["record_id"].to_numpy()
    out.loc[idx, "uscc"] = best["uscc"].to_numpy()
    out.loc[idx, "method"] = "probabilistic"
    out.loc[idx, "confidence"] = best["p"].to_numpy()
    review = best["p"].to_numpy() < p_high
    if one_per_firm:  # a firm that several records of one source still share: surest keeps it
        ranked = best.assign(rid=out.loc[idx, "record_id"].astype(str).to_numpy())
        ranked = ranked.sort_values(["p", "rid"], ascending=[False, True])
        review |= ranked.duplicated(["source", "uscc"]).reindex(best.index).to_numpy()
    out.loc[idx, "review"] = review
