"""Benchmark: class stability by Monte Carlo at province scale, for 黄岩 2022 and 淮安 2024.

Target (issue): 1,000 Monte Carlo replications of the enterprise evaluation at province scale
(~120,000 enterprises) in <= 60 s on 2 cores. Demo province data (seed 7) under two built-in
schemes of different families:

* huangyan_2022 (data 2022): ratio items with published constant benchmarks, no caps (linear in
  w/b: one matrix product), group-mean imputation, quotas per group;
* huaian_2024 (data 2023 and 2024): benchmarks 2 x the prior-year group mean, every item capped
  at its weight (points per item, then cap), penalty points, bonus steps, quotas per county
  (90 partitions), ties broken by 评价税收 (read from the kept inputs).

Uncertainty: every benchmark and every weight +/- 10 % uniform, weights renormalised per group.
The one nominal evaluate() is timed separately; the Monte Carlo time covers everything
class_stability does (checks, preparation and the nominal self-check, all replicates, summary).
"cpu" is the process's user + system time over the Monte Carlo (all threads): on a shared,
loaded machine it is steadier than wall time. Peak memory is the process's maximum resident set
size (getrusage); each scheme runs in a fresh process. Pin to 2 cores with `taskset -c 0,1`.
Prints numbers; it is not a test.

    taskset -c 0,1 uv run python benchmarks/bench_stability.py
    uv run python benchmarks/bench_stability.py --scheme huaian_2024 --replications 200
    uv run python benchmarks/bench_stability.py --scheme template   # every class feature
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

SCHEMES = {"huangyan_2022": 2022, "huaian_2024": 2024, "template": 2024}
DEFAULT = ("huangyan_2022", "huaian_2024")  # the template (two-stage classes, bounds, a
# condition on the percentile evaluated per replicate in DuckDB) only with --scheme template


def peak_mib() -> float:
    """Maximum resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(args: argparse.Namespace) -> None:
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.stability import ClassUncertainty, class_stability

    year = SCHEMES[args.scheme]
    data = generate(args.scale, args.seed, year=year)
    rows = {name: t.num_rows for name, t in data.items()}
    size = sum(t.nbytes for t in data.values()) / 2**20
    start = time.perf_counter()
    ev = evaluate(args.scheme, data, year)  # keeps the inputs: tiebreak keys are read there
    nominal_s = time.perf_counter() - start
    peak_nominal = peak_mib()

    unc = ClassUncertainty(benchmark=args.benchmark_noise, weight=args.weight_noise)
    start, cpu = time.perf_counter(), cpu_s()
    out = class_stability(ev, unc, n=args.replications, seed=0, workers=args.workers)
    mc_s, mc_cpu = time.perf_counter() - start, cpu_s() - cpu

    eligible = ev.results.num_rows - ev.results.column("rank").null_count
    partitions = len(set(ev.results.column("partition").drop_null().to_pylist()))
    print(f"== {args.scheme} ({args.scale}, data {year}) ==")
    print(f"input rows: {rows} ({size:.0f} MiB in memory)")
    print(f"enterprises: {ev.results.num_rows:,} ({eligible:,} ranked in {partitions} "
          "partitions)")
    print(f"nominal evaluate: {nominal_s:.2f} s (peak RSS {peak_nominal:.0f} MiB)")
    print(f"{args.replications:,} replications: {mc_s:.2f} s wall, {mc_cpu:.2f} s cpu "
          f"(target <= 60 s wall); workers {args.workers}")
    print(f"peak RSS: {peak_mib():.0f} MiB")
    unstable = out["p_keep"] < 0.95
    print(f"firms with p_keep < 0.95: {int(unstable.sum()):,}; "
          f"mean p_keep {out['p_keep'].mean():.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scheme", choices=list(SCHEMES), default=None,
                        help="one scheme in this process (default: each in a fresh process)")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--benchmark-noise", type=float, default=0.10)
    parser.add_argument("--weight-noise", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.scheme:
        run_one(args)
        return
    print(f"cores available: {len(os.sched_getaffinity(0))}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for scheme in DEFAULT:
        subprocess.run([sys.executable, *sys.argv, "--scheme", scheme], check=True)


if __name__ == "__main__":
    main()
