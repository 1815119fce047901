"""Benchmark: `tiangong explain` with its what-if search, per enterprise (issue 15, point 22).

The platform's enterprise page shows the explanation and what would lift the class; the target
is at most 1 s per enterprise at province scale. Untimed set-up: the demo region of the scale
(`bench_evaluate.ensure_data`) evaluated once under the 黄岩 scheme into a fresh store. Timed:
`tiangong explain --run latest --enterprise USCC --store STORE` (what-if on: tax and land) in a
fresh process, start-up included, for `--firms` enterprises of classes B, C and D chosen evenly
by USCC. Medians and maxima are printed with the load average; not a test.

    uv run python benchmarks/bench_explain.py --scale county --firms 5
    uv run python benchmarks/bench_explain.py --scale province --firms 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_evaluate import ROOT, ensure_data, measure, tiangong_command

TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=["county", "city", "province"], default="county")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--firms", type=int, default=5)
    args = ap.parse_args(argv)
    data = ROOT / "bench_data" / args.scale
    ensure_data(args.scale, args.seed, data)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cmd = tiangong_command()
    with tempfile.TemporaryDirectory(prefix="bench-explain-") as t:
        tmp = Path(t)
        store = tmp / "store.duckdb"
        started = time.perf_counter()
        subprocess.run([*cmd, "evaluate", "--scheme", "huangyan_2022", "--data", str(data),
                        "--year", "2022", "--out", str(tmp / "out"), "--store", str(store)],
                       check=True, capture_output=True, env=env)
        print(f"set-up (untimed): evaluated {args.scale} in {time.perf_counter() - started:.1f} s")
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        res = pq.read_table(tmp / "out" / "results.parquet", columns=["uscc", "class"])
        candidates = sorted(res.filter(pc.is_in(res["class"], pc.cast(
            ["B", "C", "D"], "string"))).column("uscc").to_pylist())
        step = max(1, len(candidates) // args.firms)
        chosen = candidates[::step][:args.firms]
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        walls = []
        for i, uscc in enumerate(chosen):
            log = tmp / f"x{i}.log"
            m = measure([*cmd, "explain", "--run", "latest", "--enterprise", uscc, "--store",
                         str(store)], env, log)
            if m.returncode != 0:
                print(log.read_text()[-1500:])
                return 1
            lifts = [ln for ln in log.read_text().splitlines() if ln.startswith("如何升档")]
            print(f"  {uscc}: {m.wall_s:.2f} s, peak {m.peak_mb:.0f} MB; " + " | ".join(lifts))
            walls.append(m.wall_s)
        med = statistics.median(walls)
        print(f"\nexplain with what-if, {args.scale} ({res.num_rows:,} enterprises), "
              f"{len(walls)} enterprises: median {med:.2f} s, max {max(walls):.2f} s per "
              f"enterprise; target ≤ {TARGET_S} s: {'met' if med <= TARGET_S else 'NOT met'}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
