"""Benchmark: the whole `tiangong evaluate` command against a plain pandas baseline.

From canonical Parquet input to a Parquet results table, each side in a fresh subprocess:

* tiangong: `tiangong evaluate --scheme huangyan_2022 --data DIR --year 2022 --out TMP
  --formats parquet --store TMP/store.duckdb` (start-up included; the run is stored, as by
  default, into a fresh store file);
* baseline: `python benchmarks/pandas_huangyan.py --data DIR --year 2022 --out TMP`.

Wall time is measured around the subprocess; peak memory is the larger of the process tree's
summed resident set size (sampled from /proc every 10 ms) and the kernel's maximum resident
set size of any single process of the tree (wait4). The two results tables must agree: same
enterprises, identical classes, scores equal to 1e-9. Prints numbers; it is not a test.

    uv run python benchmarks/bench_evaluate.py --scale province
    uv run python benchmarks/bench_evaluate.py --scale nation --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "benchmarks" / "pandas_huangyan.py"
MINIMAL = ROOT / "benchmarks" / "duckdb_minimal_huangyan.py"
SCHEME = "huangyan_2022"
YEAR = 2022
TOLERANCE = 1e-9
# Targets of the issue: (wall s, peak MB) per scale; None = no target.
TARGETS = {"province": (5.0, None), "nation": (60.0, 4096.0)}
MIN_RATIO = {"nation": 3.0}


# The library on its own: the same job as the baseline (Parquet in, Parquet results out).
LIBRARY_DRIVER = """
import sys
import pyarrow.parquet as pq
from tiangong.evaluation.evaluate import evaluate
ev = evaluate("huangyan_2022", sys.argv[1], int(sys.argv[2]), keep_inputs=False)
from pathlib import Path
Path(sys.argv[3]).mkdir(parents=True, exist_ok=True)
pq.write_table(ev.results, Path(sys.argv[3]) / "results.parquet", compression="zstd")
"""


@dataclass
class Measurement:
    wall_s: float
    peak_mb: float
    returncode: int
    # CPU seconds (user + system) of the process and the children it waited for: unlike the
    # wall time, hardly changed by other processes competing for the cores
    cpu_s: float = float("nan")


def _tree(root: int) -> list[int]:
    """`root` and all its descendants (a scan of /proc, Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack += children.get(pid, [])
    return out


def _rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, ValueError, IndexError):
            continue
    return total


def measure(cmd: list[str], env: dict[str, str], log: Path) -> Measurement:
    """Run `cmd`; wall time, peak memory of its process tree, exit code."""
    peak_kb = 0
    done = threading.Event()
    # Untimed: write back what earlier commands left in the page cache, so that no command's
    # fsync (the run store commits with one) waits for another's output files.
    os.sync()
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

        def sample() -> None:
            # The tree is rescanned every 0.25 s and its resident sets read every 10 ms: a full
            # scan of /proc at every sample cost about a fifth of a core, taken from the two
            # that the measured commands run on.
            nonlocal peak_kb
            pids, scanned = [proc.pid], 0.0
            while not done.is_set():
                if time.monotonic() - scanned > 0.25:
                    pids, scanned = _tree(proc.pid), time.monotonic()
                peak_kb = max(peak_kb, _rss_kb(pids))
                done.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kb = max(peak_kb, usage.ru_maxrss)  # ru_maxrss: KB on Linux
    return Measurement(round(wall, 3), round(peak_kb / 1024, 1), proc.returncode,
                       round(usage.ru_utime + usage.ru_stime, 3))


def ensure_data(scale: str, seed: int, data_dir: Path) -> float | None:
    """Generate the demo region unless `data_dir` already holds it; seconds taken or None."""
    if (data_dir / "enterprises.parquet").is_file():
        return None
    from tiangong.demo.generator import generate, write_canonical

    start = time.perf_counter()
    tables = generate(scale, seed, year=YEAR)
    tmp = data_dir.with_name(data_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    write_canonical(tables, tmp)
    shutil.rmtree(data_dir, ignore_errors=True)
    tmp.rename(data_dir)
    return time.perf_counter() - start


def tiangong_command() -> list[str]:
    script = Path(sys.executable).with_name("tiangong")
    if script.is_file():
        return [str(script)]
    return ["uv", "run", "--no-sync", "tiangong"]


def compare(ours: Path, theirs: Path) -> dict[str, int]:
    """Count disagreements between two results tables (uscc, class, score)."""
    import pyarrow.parquet as pq

    a = pq.read_table(ours, columns=["uscc", "class", "score"]).to_pandas()
    b = pq.read_table(theirs, columns=["uscc", "class", "score"]).to_pandas()
    a, b = a.set_index("uscc").sort_index(), b.set_index("uscc").sort_index()
    out = {"enterprises": len(a), "only_one_side": len(a.index.symmetric_difference(b.index))}
    if out["only_one_side"] or a.index.has_duplicates or b.index.has_duplicates:
        out["class_differs"] = out["score_differs"] = -1
        return out
    ca, cb = a["class"].astype(object), b["class"].astype(object)
    same_class = (ca == cb) | (ca.isna() & cb.isna())
    sa, sb = a["score"].astype(float), b["score"].astype(float)
    same_score = ((sa - sb).abs() <= TOLERANCE) | (sa.isna() & sb.isna())
    out["class_differs"] = int((~same_class).sum())
    out["score_differs"] = int((~same_score).sum())
    if out["class_differs"] or out["score_differs"]:
        bad = a[~same_class | ~same_score].join(b, rsuffix="_pandas").head(5)
        print(bad.to_string(), file=sys.stderr)
    return out


def input_mb(data_dir: Path) -> float:
    return sum(p.stat().st_size for p in data_dir.rglob("*.parquet")) / 2**20


def run(args: argparse.Namespace) -> dict[str, object]:
    data_dir = args.data_dir or ROOT / "bench_data" / args.scale
    generated = ensure_data(args.scale, args.seed, data_dir)
    if generated is not None:
        print(f"generated {args.scale} demo (seed {args.seed}) in {generated:.1f} s -> {data_dir}")
    env = dict(os.environ)
    # A normal installation caches bytecode; without it every run recompiles pandas et al.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_COLOR"] = "1"
    work = Path(tempfile.mkdtemp(prefix="tiangong-bench-"))
    tg = tiangong_command()
    py = [sys.executable]
    try:
        warm = [*py, "-c", "import tiangong.cli.main, tiangong.evaluation.evaluate, "
                "tiangong.evaluation.publish, "
                "tiangong.runs, pandas, pyarrow.parquet, duckdb"]
        subprocess.run(warm, env=env, check=True, cwd=ROOT)  # untimed: bytecode + disk cache
        ours: list[Measurement] = []
        theirs: list[Measurement] = []
        unstored: list[Measurement] = []
        library: list[Measurement] = []
        minimal: list[Measurement] = []
        minimal_stored: list[Measurement] = []
        for i in range(args.repeat):
            out_t, out_b = work / f"tiangong{i}", work / f"pandas{i}"
            cmd_t = [*tg, "evaluate", "--scheme", SCHEME, "--data", str(data_dir), "--year",
                     str(YEAR), "--out", str(out_t), "--formats", "parquet",
                     "--store", str(work / f"store{i}.duckdb")]
            m = measure(cmd_t, env, work / f"tiangong{i}.log")
            if m.returncode != 0:
                sys.exit(f"tiangong failed:\n{(work / f'tiangong{i}.log').read_text()}")
            ours.append(m)
            print(f"  tiangong run {i + 1}: {m.wall_s:.2f} s, {m.peak_mb:.0f} MB", flush=True)
            if args.no_store_too:
                cmd_n = [*cmd_t[:-2], "--no-store"]
                cmd_n[cmd_n.index("--out") + 1] = str(work / f"unstored{i}")
                m = measure(cmd_n, env, work / f"unstored{i}.log")
                if m.returncode != 0:
                    sys.exit(f"tiangong --no-store failed:\n"
                             f"{(work / f'unstored{i}.log').read_text()}")
                unstored.append(m)
                print(f"  tiangong --no-store run {i + 1}: {m.wall_s:.2f} s, {m.peak_mb:.0f} MB",
                      flush=True)
            if args.library_too:
                out_l = work / f"library{i}"
                cmd_l = [*py, "-c", LIBRARY_DRIVER, str(data_dir), str(YEAR), str(out_l)]
                m = measure(cmd_l, env, work / f"library{i}.log")
                if m.returncode != 0:
                    sys.exit(f"library driver failed:\n{(work / f'library{i}.log').read_text()}")
                library.append(m)
                print(f"  library evaluate() run {i + 1}: {m.wall_s:.2f} s, {m.peak_mb:.0f} MB",
                      flush=True)
            if args.minimal_too:
                cmd_m = [*py, str(MINIMAL), "--data", str(data_dir), "--year", str(YEAR),
                         "--out", str(work / f"minimal{i}")]
                m = measure(cmd_m, env, work / f"minimal{i}.log")
                if m.returncode != 0:
                    sys.exit(f"minimal query failed:\n{(work / f'minimal{i}.log').read_text()}")
                minimal.append(m)
                print(f"  minimal DuckDB query run {i + 1}: {m.wall_s:.2f} s, "
                      f"{m.peak_mb:.0f} MB", flush=True)
                cmd_s = [*cmd_m[:-1], str(work / f"minimal_stored{i}"),
                         "--store", str(work / f"minimal_store{i}.duckdb")]
                m = measure(cmd_s, env, work / f"minimal_stored{i}.log")
                if m.returncode != 0:
                    sys.exit(f"minimal query failed:\n"
                             f"{(work / f'minimal_stored{i}.log').read_text()}")
                minimal_stored.append(m)
                print(f"  minimal DuckDB query + stored results run {i + 1}: {m.wall_s:.2f} s, "
                      f"{m.peak_mb:.0f} MB", flush=True)
            if args.skip_baseline:
                continue
            cmd_b = [*py, str(BASELINE), "--data", str(data_dir), "--year", str(YEAR),
                     "--out", str(out_b)]
            m = measure(cmd_b, env, work / f"pandas{i}.log")
            if m.returncode != 0:
                sys.exit(f"baseline failed:\n{(work / f'pandas{i}.log').read_text()}")
            theirs.append(m)
            print(f"  pandas   run {i + 1}: {m.wall_s:.2f} s, {m.peak_mb:.0f} MB", flush=True)
        import pyarrow.parquet as pq

        n = pq.read_metadata(work / "tiangong0" / "results.parquet").num_rows
        check = (None if args.skip_baseline else
                 compare(work / "tiangong0" / "results.parquet",
                         work / "pandas0" / "results.parquet"))
        if minimal and check is not None:
            # the floor counts only if it computes the same thing as the baseline
            floor_check = compare(work / "minimal0" / "results.parquet",
                                  work / "pandas0" / "results.parquet")
            print(f"minimal DuckDB query vs pandas: {floor_check}")
            if floor_check["class_differs"] or floor_check["score_differs"] or \
                    floor_check["only_one_side"]:
                sys.exit("the minimal DuckDB query disagrees with the pandas baseline")
        commands = ([cmd_t] + ([cmd_b] if theirs else []) + ([cmd_n] if unstored else [])
                    + ([[*cmd_l[:2], "LIBRARY_DRIVER", *cmd_l[3:]]] if library else [])
                    + ([cmd_m, cmd_s] if minimal else []))
        variants = {"tiangong evaluate --no-store": unstored,
                    "library evaluate() + pq.write_table": library,
                    "minimal hand-written DuckDB query (floor)": minimal,
                    "floor + results kept in a DuckDB file": minimal_stored}
        return summarize(args, data_dir, n, ours, theirs, variants, check, commands)
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def summarize(args: argparse.Namespace, data_dir: Path, n: int, ours: list[Measurement],
              theirs: list[Measurement], variants: dict[str, list[Measurement]],
              check: dict[str, int] | None, commands: list[list[str]]) -> dict[str, object]:
    def med(ms: list[Measurement], attr: str) -> float:
        return statistics.median(getattr(m, attr) for m in ms)

    row: dict[str, object] = {
        "date": dt.date.today().isoformat(), "scale": args.scale, "seed": args.seed,
        "enterprises": n, "input_mb": round(input_mb(data_dir), 1),
        "cpus": len(os.sched_getaffinity(0)), "python": platform.python_version(),
        "repeat": args.repeat,
        "tiangong_wall_s": med(ours, "wall_s"), "tiangong_peak_mb": med(ours, "peak_mb"),
        "tiangong_runs": [asdict(m) for m in ours],
    }
    if theirs:
        row |= {"pandas_wall_s": med(theirs, "wall_s"), "pandas_peak_mb": med(theirs, "peak_mb"),
                "pandas_runs": [asdict(m) for m in theirs],
                "ratio": round(med(theirs, "wall_s") / med(ours, "wall_s"), 2),
                "check": check}
    extra: dict[str, dict[str, object]] = {}
    for label, runs in variants.items():
        if runs:
            extra[label] = {"wall_s": med(runs, "wall_s"), "peak_mb": med(runs, "peak_mb"),
                            "runs": [asdict(m) for m in runs]}
            if theirs:
                extra[label]["ratio"] = round(med(theirs, "wall_s") / med(runs, "wall_s"), 2)
    if extra:
        row["variants"] = extra
    row["commands"] = [" ".join(c) for c in commands]
    header = ("scale", "enterprises", "input MB", "command", "wall s", "peak MB",
              "pandas wall / this wall")
    lines = [header, ("-",) * len(header)]
    lines.append((args.scale, f"{n:,}", f"{row['input_mb']:.1f}", "tiangong evaluate",
                  f"{row['tiangong_wall_s']:.2f}", f"{row['tiangong_peak_mb']:.0f}",
                  f"{row['ratio']:.2f}x" if theirs else ""))
    for label, v in extra.items():
        lines.append(("", "", "", label, f"{v['wall_s']:.2f}", f"{v['peak_mb']:.0f}",
                      f"{v['ratio']:.2f}x" if "ratio" in v else ""))
    if theirs:
        lines.append(("", "", "", "pandas baseline", f"{row['pandas_wall_s']:.2f}",
                      f"{row['pandas_peak_mb']:.0f}", "1.00x"))
    widths = [max(len(str(r[i])) for r in lines) for i in range(len(header))]
    print()
    for r in lines:
        cells = [("-" * w if c == "-" else str(c).ljust(w)) for c, w in zip(r, widths, strict=True)]
        print("  ".join(cells).rstrip())
    if check is not None:
        ok = not (check["only_one_side"] or check["class_differs"] or check["score_differs"])
        print(f"\nresults {'identical' if ok else 'DIFFER'}: {check}")
    wall_target, mem_target = TARGETS.get(args.scale, (None, None))
    verdicts = []
    if wall_target is not None:
        verdicts.append(f"wall {row['tiangong_wall_s']:.2f} s <= {wall_target:g} s: "
                        f"{'yes' if row['tiangong_wall_s'] <= wall_target else 'NO'}")
    if mem_target is not None:
        verdicts.append(f"peak {row['tiangong_peak_mb']:.0f} MB <= {mem_target:g} MB: "
                        f"{'yes' if row['tiangong_peak_mb'] <= mem_target else 'NO'}")
    if args.scale in MIN_RATIO and theirs:
        verdicts.append(f"ratio {row['ratio']:.2f} >= {MIN_RATIO[args.scale]:g}: "
                        f"{'yes' if row['ratio'] >= MIN_RATIO[args.scale] else 'NO'}")
    for v in verdicts:
        print("target", v)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=["county", "city", "province", "nation"],
                    default="province")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="canonical Parquet folder (default bench_data/<scale>; generated if "
                         "missing)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side (median reported)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--minimal-too", action="store_true",
                    help="also time duckdb_minimal_huangyan.py: the scheme as one hand-written "
                         "DuckDB query (the floor for any DuckDB pipeline), checked against "
                         "the baseline; and the same with its results committed to a DuckDB "
                         "file (the floor for a stored run)")
    ap.add_argument("--no-store-too", action="store_true",
                    help="also time `tiangong evaluate --no-store` (run not stored)")
    ap.add_argument("--library-too", action="store_true",
                    help="also time the library call evaluate() + a plain pyarrow write of "
                         "the results (the baseline's job: no run store, no output typing)")
    ap.add_argument("--keep", action="store_true", help="keep the output folders")
    ap.add_argument("--json", type=Path, default=None, help="append the numbers as a JSON line")
    args = ap.parse_args(argv)
    row = run(args)
    if args.json:
        with args.json.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    check = row.get("check")
    if isinstance(check, dict) and any(check[k] for k in
                                       ("only_one_side", "class_differs", "score_differs")):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
