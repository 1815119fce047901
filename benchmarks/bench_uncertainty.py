"""Benchmark: Monte Carlo rank uncertainty and Sobol sensitivity of a 90 x 30 county index.

Target (issue): 10,000 replications of a 90 x 30 index in <= 10 s on 2 cores. Synthetic,
seeded log-normal data (a few cost criteria, one missing value, imputed by the median); uncertain:
weights (+/- 25 %, uniform), normalisation (min-max onto [1, 100], rank, ratio to the best) and
aggregation (arithmetic, geometric, harmonic). The Sobol analysis (SALib, N = 2048, per-choice
groups, so 2048 x 5 runs, plus bootstrap confidence intervals) is timed separately. A second
pass adds the weighting method as a choice (given, equal, entropy, CRITIC, PCA; the data-driven
ones re-computed from each replicate's imputed, treated and normalised data, once per
combination of discrete choices), Monte Carlo and Sobol (2048 x 6 runs). Times exclude imports;
peak memory is the process's maximum resident set size (getrusage). Prints numbers; it is not a
test.

    uv run python benchmarks/bench_uncertainty.py
    uv run python benchmarks/bench_uncertainty.py --replications 100000 --sobol-n 4096
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from tiangong.index import IndexSpec, Uncertainty, WeightNoise, monte_carlo, sobol_indices


def synthetic(units: int, indicators: int, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Skewed, positive county data with every fifth indicator a cost criterion."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.lognormal(0.0, 0.8, size=(units, indicators)),
                         columns=[f"x{j:02d}" for j in range(indicators)],
                         index=[f"county{i:03d}" for i in range(units)])
    frame.iloc[5, 7] = np.nan
    return frame, {c: -1 for c in frame.columns[::5]}


def peak_mib() -> float:
    """Maximum resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=90)
    parser.add_argument("--indicators", type=int, default=30)
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--sobol-n", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    data, dirs = synthetic(args.units, args.indicators, args.seed)
    spec = IndexSpec(imputation="median", low=1.0, high=100.0)
    uncertain = Uncertainty(WeightNoise(0.25), ("minmax", "rank", "ratio"),
                            ("arithmetic", "geometric", "harmonic"))
    print(f"cores available: {len(os.sched_getaffinity(0))}; data {data.shape[0]} units x "
          f"{data.shape[1]} indicators; peak before: {peak_mib():.0f} MiB")

    start = time.perf_counter()
    res = monte_carlo(data, spec, uncertain, n=args.replications, seed=args.seed,
                      directions=dirs, keep_ranks=True)
    mc = time.perf_counter() - start
    assert res.ranks is not None
    print(f"monte carlo: {args.replications} replications in {mc:.3f} s "
          f"(rank matrix {res.ranks.shape}, {res.ranks.nbytes / 2**20:.1f} MiB); "
          f"peak RSS {peak_mib():.0f} MiB")
    width = (res.summary["q95"] - res.summary["q05"]).describe()
    print(f"  5-95 % rank interval width: median {width['50%']:.1f}, max {width['max']:.1f}")

    start = time.perf_counter()
    sens = sobol_indices(data, spec, uncertain, n=args.sobol_n, seed=args.seed,
                         directions=dirs)
    sob = time.perf_counter() - start
    print(f"sobol: N = {args.sobol_n}, {sens.runs} runs in {sob:.3f} s; "
          f"peak RSS {peak_mib():.0f} MiB")
    print(sens.indices.round(4).to_string())

    start = time.perf_counter()
    sens = sobol_indices(data, spec, uncertain, n=args.sobol_n, seed=args.seed,
                         directions=dirs, per_unit=True)
    print(f"sobol with per-unit indices ({args.units} outputs): "
          f"{time.perf_counter() - start:.3f} s; peak RSS {peak_mib():.0f} MiB")

    weighted = replace(uncertain, weighting=("given", "equal", "entropy", "critic", "pca"))
    start = time.perf_counter()
    res = monte_carlo(data, spec, weighted, n=args.replications, seed=args.seed,
                      directions=dirs)
    print(f"with the weighting method as a choice: monte carlo {args.replications} "
          f"replications in {time.perf_counter() - start:.3f} s; peak RSS {peak_mib():.0f} MiB")
    start = time.perf_counter()
    sens = sobol_indices(data, spec, weighted, n=args.sobol_n, seed=args.seed,
                         directions=dirs)
    print(f"  sobol: N = {args.sobol_n}, {sens.runs} runs in {time.perf_counter() - start:.3f} "
          f"s; peak RSS {peak_mib():.0f} MiB")
    print(sens.indices.round(4).to_string())


if __name__ == "__main__":
    main()
