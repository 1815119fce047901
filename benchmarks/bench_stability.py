"""Benchmark: class stability by Monte Carlo at province scale.

Target (issue): 1,000 Monte Carlo replications of the enterprise evaluation at province scale
(~120,000 enterprises) in <= 60 s on 2 cores. Demo province data (seed 7, 2022) under the
built-in huangyan_2022 scheme; uncertainty: every benchmark and every weight +/- 10 % uniform,
weights renormalised per group. The one nominal evaluate() is timed separately; the Monte Carlo
time covers everything class_stability does (checks, preparation, all replicates, summary).
Peak memory is the process's maximum resident set size (getrusage). Pin to 2 cores with
`taskset -c 0,1`. Prints numbers; it is not a test.

    taskset -c 0,1 uv run python benchmarks/bench_stability.py
    uv run python benchmarks/bench_stability.py --replications 200 --scale county
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from tiangong.demo.generator import generate
from tiangong.evaluate import evaluate
from tiangong.stability import ClassUncertainty, class_stability


def peak_mib() -> float:
    """Maximum resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--benchmark-noise", type=float, default=0.10)
    parser.add_argument("--weight-noise", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0))
    data = generate(args.scale, args.seed, year=2022)
    start = time.perf_counter()
    ev = evaluate("huangyan_2022", data, 2022, keep_inputs=False)
    nominal_s = time.perf_counter() - start
    peak_nominal = peak_mib()

    unc = ClassUncertainty(benchmark=args.benchmark_noise, weight=args.weight_noise)
    start = time.perf_counter()
    out = class_stability(ev, unc, n=args.replications, seed=0, workers=args.workers)
    mc_s = time.perf_counter() - start

    eligible = ev.results.num_rows - ev.results.column("rank").null_count
    print(f"cores available: {cores}; workers: {args.workers}")
    print(f"enterprises: {ev.results.num_rows:,} ({eligible:,} ranked)")
    print(f"nominal evaluate: {nominal_s:.2f} s (peak RSS {peak_nominal:.0f} MiB)")
    print(f"{args.replications:,} replications: {mc_s:.2f} s (target <= 60 s)")
    print(f"peak RSS: {peak_mib():.0f} MiB")
    unstable = out["p_keep"] < 0.95
    print(f"firms with p_keep < 0.95: {int(unstable.sum()):,}; "
          f"mean p_keep {out['p_keep'].mean():.4f}")


if __name__ == "__main__":
    main()
