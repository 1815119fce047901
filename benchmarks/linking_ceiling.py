"""How well could *anyone* link the benchmark's name-only records? An exact Bayes ceiling.

`identity.perturb` writes each record from one roster firm's parsed name with known chances
(region dropped or bracketed, legal form swapped, one trade character replaced by one of the
same sound or by any trade-name character, noise). For a
record, the likelihood under every roster firm can therefore be computed exactly: every way
each firm could have produced the record's normalised name, times that way's probability.
With the uniform prior the sampler uses, this gives each record's posterior over firms, which
is all an ideal analyst (one who knows the generator) could know. Accepting records in order
of their best posterior while the expected precision stays ≥ 0.99 gives the best recall any
record-by-record linker can expect: the ceiling the benchmark's recall target is measured
against. The script also prints the records no one could tell apart, by perturbation kind.

Run: uv run python benchmarks/linking_ceiling.py [--n 100000] [--typos ime|uniform]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from tiangong.demo.generator import generate
from tiangong.demo.names import TRADE
from tiangong.identity.assign import SURE
from tiangong.identity.names import normalize_names, parse_names
from tiangong.identity.perturb import (
    FORM_VARIANT,
    HOMOPHONE_SHARE,
    RATES,
    TYPO_MODELS,
    perturbed_records,
)
from tiangong.identity.pinyin import homophones

Entry = tuple[int, float, str]  # firm, probability of this way of writing, original character


def _ways(parts: pd.DataFrame) -> tuple[dict[str, list[Entry]], dict[str, list[Entry]]]:
    """Every typo-free way each firm can be written (exact) and, per trade position, the
    same with that character blanked (typo), each with its probability."""
    exact: dict[str, list[Entry]] = defaultdict(list)
    typo: dict[str, list[Entry]] = defaultdict(list)
    r = RATES
    for k, p in enumerate(parts.itertuples(index=False)):
        form = p.form if isinstance(p.form, str) else ""
        tail = p.trade + p.industry + form + p.branch
        prefix = p.norm[: len(p.norm) - len(tail)]
        first = (p.regions or "").split("|")[0]
        if first:
            leads = [(prefix, "", (1 - r["bracket"]) * (1 - r["drop_region"])),
                     ("", "", (1 - r["bracket"]) * r["drop_region"]),
                     ("", f"({first})", r["bracket"])]
        else:
            leads = [(prefix, "", 1 - r["drop_region"]), ("", "", r["drop_region"])]
        forms = ([(form, 1 - r["form"]), (FORM_VARIANT[form], r["form"])]
                 if form in FORM_VARIANT else [(form, 1.0)])
        t = p.trade
        can_typo = len(t) >= 2
        for lead, mid, pl in leads:
            for f, pf in forms:
                base = pl * pf
                exact[lead + t + p.industry + mid + f + p.branch].append(
                    (k, base * (1 - r["typo"] if can_typo else 1.0), ""))
                if not can_typo:
                    continue
                for i, c in enumerate(t):
                    key = lead + t[:i] + "_" + t[i + 1:] + p.industry + mid + f + p.branch
                    typo[key].append((k, base * r["typo"] / len(t), c))
    return exact, typo


def _replacement(typos: str) -> Callable[[str, str], float]:
    """P(the typo writes `new` | the character was `old`), as `identity.perturb` draws it."""
    trade = set(TRADE)

    @cache
    def chance(old: str, new: str) -> float:
        if new == old:
            return 0.0
        alike = homophones(old) if typos == "ime" else ()
        share = HOMOPHONE_SHARE if alike else 0.0
        p = share / len(alike) if new in alike else 0.0
        if new in trade:
            p += (1.0 - share) / (len(TRADE) - (old in trade))
        return p
    return chance


def likelihoods(records: pd.DataFrame, roster: pd.DataFrame, typos: str = "ime"
                ) -> pd.DataFrame:
    """Every (record, firm) pair with a non-zero likelihood: record (index label), uscc, like."""
    parts = parse_names(roster["name"]).reset_index(drop=True)
    exact, typo = _ways(parts)
    chance = _replacement(typos)
    uscc = roster["uscc"].to_numpy()
    rows: list[tuple[object, str, float]] = []
    for rec, s in zip(records.index, normalize_names(records["name"]), strict=True):
        like: dict[int, float] = defaultdict(float)
        for k, pr, _ in exact.get(s, ()):
            like[k] += pr
        for j, c in enumerate(s):
            for k, pr, orig in typo.get(s[:j] + "_" + s[j + 1:], ()):
                like[k] += pr * chance(orig, c)
        rows.extend((rec, uscc[k], v) for k, v in like.items())
    return pd.DataFrame(rows, columns=["record", "uscc", "like"])


def posteriors(records: pd.DataFrame, like: pd.DataFrame,
               claimed: set[str] | None = None) -> pd.DataFrame:
    """Per record: the best firm, its posterior, the true firm's posterior, candidate count;
    firms in `claimed` are known to be some other record's (one record per firm)."""
    if claimed:
        like = like[~like["uscc"].isin(claimed)]
    like = like.assign(p=like["like"] / like.groupby("record")["like"].transform("sum"))
    like = like.sort_values(["record", "p", "uscc"], ascending=[True, False, True])
    best = like.drop_duplicates("record").set_index("record")
    true = records["true_uscc"]
    hit = like[like["uscc"].to_numpy() == true.reindex(like["record"]).to_numpy()]
    return pd.DataFrame({
        "best": best["uscc"].reindex(records.index),
        "p_best": best["p"].reindex(records.index).fillna(0.0),
        "p_true": hit.set_index("record")["p"].reindex(records.index).fillna(0.0),
        "candidates": like.groupby("record").size().reindex(records.index).fillna(0)})


def ceiling(post: pd.DataFrame, precision: float = 0.99) -> tuple[float, float, int]:
    """Expected recall and realised (recall, precision) of accepting the surest records while
    the expected precision stays ≥ `precision`."""
    order = post.sort_values("p_best", ascending=False, kind="stable")
    running = order["p_best"].cumsum().to_numpy() / np.arange(1, len(order) + 1)
    take = int(np.searchsorted(-running, -precision, side="right"))
    accepted = order.iloc[:take]
    return float(accepted["p_best"].sum() / len(post)), float(accepted["p_best"].min()), take


def at_thresholds(post: pd.DataFrame, true: pd.Series) -> str:
    """Realised recall and precision when records are accepted at a fixed best posterior."""
    right = post["best"] == true
    out = []
    for t in (0.5, 0.9, 0.95, 0.99):
        take = post["p_best"] >= t
        out.append(f"p ≥ {t}: recall {(right & take).sum() / len(post):.4f}, "
                   f"precision {right[take].mean():.4f}")
    return "; ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--typos", choices=TYPO_MODELS, default="ime")
    args = parser.parse_args()
    firms = generate("province", 7)["enterprises"].to_pandas()
    roster = firms[firms["year"] == 2022][["uscc", "name"]].reset_index(drop=True)
    truth = perturbed_records(roster, args.n, 1, typos=args.typos)
    start = time.perf_counter()
    like = likelihoods(truth, roster, args.typos)
    post = posteriors(truth, like)
    wall = time.perf_counter() - start
    missing = int((post["p_true"] == 0).sum())
    expected, threshold, take = ceiling(post)
    right = post["best"] == truth["true_uscc"]
    order = post["p_best"].rank(ascending=False, method="first") <= take
    print(f"{len(truth):,} records against {len(roster):,} firms (typos: {args.typos}); "
          f"posteriors in {wall:.0f} s")
    print(f"records whose true firm the model cannot produce (must be 0): {missing}")
    print(f"ceiling at expected precision ≥ 0.99: accept {take:,} (best posterior ≥ "
          f"{threshold:.3f}); expected recall {expected:.4f}; realised recall "
          f"{(right & order).sum() / len(truth):.4f}, precision {right[order].mean():.4f}")
    print("accepting at a fixed posterior:", at_thresholds(post, truth["true_uscc"]))
    # A record an analyst who knew the generator could tell: one firm has ≥ 90 % of it.
    table = pd.DataFrame({"kinds": truth["kinds"], "tellable": post["p_best"] >= 0.9,
                          "candidates": post["candidates"]})
    by_kind = table.groupby("kinds").agg(records=("tellable", "size"),
                                         tellable=("tellable", "mean"),
                                         ambiguous=("tellable", lambda s: int((~s).sum())),
                                         mean_candidates=("candidates", "mean"))
    print("records no one can tell (best posterior < 0.9), by perturbation kind:")
    print(by_kind.sort_values("ambiguous", ascending=False).round(3).to_string())
    # One record per firm (a file such as the tax export lists each taxpayer once): a firm
    # that another record surely claims cannot be this record's, which may single one out.
    # Greedy, as `identity.assign` does: a reference, not a bound.
    sure = post["p_best"] >= SURE
    for _ in range(10):
        claimed = set(post.loc[sure, "best"])
        rest = posteriors(truth[~sure], like[~like["record"].isin(truth.index[sure])], claimed)
        post = pd.concat([post[sure], rest]).reindex(truth.index)
        if not (new := (post["p_best"] >= SURE) & ~sure).any():
            break
        sure |= new
    expected, threshold, take = ceiling(post)
    right = post["best"] == truth["true_uscc"]
    order = post["p_best"].rank(ascending=False, method="first") <= take
    print(f"with one record per firm (greedy claims at p ≥ {SURE}): expected recall "
          f"{expected:.4f}; realised recall {(right & order).sum() / len(truth):.4f}, "
          f"precision {right[order].mean():.4f}")
    print("accepting at a fixed posterior:", at_thresholds(post, truth["true_uscc"]))


if __name__ == "__main__":
    main()
