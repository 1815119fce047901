"""Benchmark: the quarterly 晾晒 of a province's project portfolio (target ≤ 2 s).

Builds a province of synthetic firms (tiangong.demo, 120,000 firms, two years) and a portfolio
of 5,000 projects linked to them with three years of plans and up to 36+ months of monthly
figures each (tiangong.demo.projects), then times, for one quarter, what the 晾晒 page needs:
facts and money per project, the class rules, 黄牌/红旗 with reasons, the 回头看 against the
previous quarter, the six KPIs with formulas, and town and 专班 scores. The class rules (every
rule's sentence for every project) are timed too but are not part of the 晾晒 total. Each step
is timed `--repeat` times, cold; the median and the total are printed. Generation is not timed.

    python3 -m uv run python benchmarks/bench_projects.py [--projects 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from tiangong.demo.generator import generate
from tiangong.demo.projects import generate_projects
from tiangong.projects.classes import classify_facts
from tiangong.projects.config import load_config
from tiangong.projects.facts import project_facts
from tiangong.projects.kpis import kpi_table
from tiangong.projects.money import unit_money
from tiangong.projects.racing import look_back, previous_quarter, quarter_end, showing
from tiangong.projects.ranking import unit_scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--quarter", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    firms = generate("province", 1, year=args.year, years=2)["enterprises"]
    p = generate_projects(firms, 1, args.year, n=args.projects,
                          as_of=quarter_end(args.year, args.quarter))
    print(f"generated {len(p.projects)} projects, {len(p.monthly)} monthly rows, "
          f"{p.monthly['month'].nunique()} months, {len(p.plans)} plan rows, "
          f"{len(p.stages)} stage rows in {time.perf_counter() - t0:.1f} s (not timed)")
    config = load_config()
    as_of = quarter_end(args.year, args.quarter)
    prev = previous_quarter(args.year, args.quarter)
    steps: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = fn()
        steps.setdefault(name, []).append(time.perf_counter() - t)
        return out

    for _ in range(args.repeat):
        p.__dict__.pop("_wide", None)  # each repeat starts cold (no wide stage tables kept)
        facts = timed("facts and money per project", lambda: project_facts(p, config, as_of))
        timed("(not in the 晾晒) class rules with reasons",
              lambda f=facts: classify_facts(f, config))
        now = timed("黄牌/红旗 with reasons", lambda f=facts: showing(
            p, config, args.year, args.quarter, facts=f))
        before = timed("previous quarter (for 回头看)", lambda: showing(p, config, *prev))
        timed("回头看", lambda n=now, b=before: look_back(b, n))
        timed("KPIs with formulas (county + per town)", lambda: (
            kpi_table(p, config, as_of), kpi_table(p, config, as_of, unit="town_name")))
        timed("money per town, 专班, industry", lambda f=facts: [
            unit_money(p, f[["project_id", *[c for c in f.columns if c in (
                "year_plan", "schedule_target", "ytd_invest", "invest_cum", "funds_cum",
                "invest_rate", "schedule_ratio", "funds_rate", "year_invest_share")]]], u)
            for u in ("town", "team", "industry")])
        timed("town and 专班 scores", lambda f=facts: [
            unit_scores(p, config, f, as_of, u) for u in ("town", "team")])
    total = 0.0
    for name, times in steps.items():
        med = statistics.median(times)
        total += 0.0 if name.startswith("(not") else med
        print(f"  {name:<42} median {med * 1000:8.1f} ms (min {min(times) * 1000:.1f})")
    flags = now.flags["flag"].value_counts().to_dict()
    print(f"quarterly 晾晒 {args.year} Q{args.quarter} for {len(p.projects)} projects: "
          f"{total:.2f} s (sum of medians; target ≤ 2 s); in scope {len(now.flags)}, "
          f"flags {flags}")


if __name__ == "__main__":
    main()
