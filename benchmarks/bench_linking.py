"""Benchmark: link 100,000 name-only records against the 120,000-firm province roster.

Target (issue): ≤ 60 s, precision ≥ 0.99 and recall ≥ 0.95 against the generator's truth.
Name-only records are roster names rewritten as departments write them (`identity.perturb`);
3,000 further records (another source, drawn independently) carry a valid code and a perturbed
name, as real department files do, so that Splink's m is trained on true pairs. Precision and
recall count accepted links only (review=False); proposals in the review queue are neither hits
nor false links.

The records are drawn without replacement, one per firm, like a tax export (one row per
taxpayer), and all are roster firms. Four runs: with and without telling `link` that each
firm appears once (`one_per_firm`), and with rho (the share of records in the roster)
estimated from the records, as intake does, or given as 0.999 (an analyst who knows the file
holds only registered firms). The best any linker can do on these records is computed by
`benchmarks/linking_ceiling.py`.

Typos (`--typos`): "ime" (default) writes three typos in four as a character of the same
sound, as pinyin input methods do, the rest as a random trade-name character; "uniform" makes
every typo a random trade-name character (the adversarial model; see `identity.perturb`).
Run: uv run python benchmarks/bench_linking.py [--typos ime|uniform] [--p-high 0.9] [--by-kind]
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

from tiangong.demo.generator import generate
from tiangong.identity.linking import P_HIGH, link
from tiangong.identity.perturb import TYPO_MODELS, perturbed_records, precision_recall


def _by_kind(out: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Share of records linked right, queued and missed per perturbation kind."""
    merged = truth.merge(out, on="record_id")
    accepted = merged["uscc"].notna() & ~merged["review"].astype(bool)
    right = accepted & (merged["uscc"].astype(str) == merged["true_uscc"])
    return pd.DataFrame({"kinds": merged["kinds"], "right": right,
                         "wrong": accepted & ~right, "review": merged["review"].astype(bool)}
                        ).groupby("kinds").agg(records=("right", "size"), right=("right", "mean"),
                                               wrong=("wrong", "sum"), review=("review", "sum"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--p-high", type=float, default=P_HIGH)
    parser.add_argument("--by-kind", action="store_true", help="recall per perturbation kind")
    parser.add_argument("--typos", choices=TYPO_MODELS, default="ime")
    parser.add_argument("--only-default", action="store_true",
                        help="only the run intake makes (one_per_firm off, rho estimated)")
    args = parser.parse_args()
    firms = generate("province", 7)["enterprises"].to_pandas()
    roster = firms[firms["year"] == 2022][["uscc", "name"]].reset_index(drop=True)
    truth = perturbed_records(roster, 100_000, 1, typos=args.typos)
    coded = perturbed_records(roster, 3_000, 2, typos=args.typos)
    coded = coded.assign(record_id=coded["record_id"] + 10**7, uscc=coded["true_uscc"],
                         source="coded")
    records = pd.concat([truth[["record_id", "name"]].assign(source="names"),
                         coded[["record_id", "uscc", "name", "source"]]], ignore_index=True)
    print(f"roster {len(roster):,} firms; {len(truth):,} name-only records (+{len(coded):,} "
          f"coded); typos: {args.typos}")
    print("| one_per_firm | rho | wall s | peak MiB | precision | recall | review | none |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    runs = [(False, None)] + ([] if args.only_default else
                              [(True, None), (False, 0.999), (True, 0.999)])
    for one_per_firm, rho in runs:
        start = time.perf_counter()
        out = link(records, roster, rho=rho, p_high=args.p_high, one_per_firm=one_per_firm)
        wall = time.perf_counter() - start
        precision, recall = precision_recall(out, truth)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        mine = out[out["record_id"] < 10**7]
        print(f"| {one_per_firm} | {'estimated' if rho is None else rho} | {wall:.1f} | "
              f"{peak:,.0f} | {precision:.4f} | {recall:.4f} | {int(mine['review'].sum()):,} | "
              f"{int((mine['method'] == 'none').sum()):,} |", flush=True)
        if args.by_kind:
            print(_by_kind(mine, truth).round(3).to_string())
    print("peak MiB: the process so far (the generated province included)")


if __name__ == "__main__":
    main()
