"""Benchmark: the direct service's library over a province-year of requests.

Target (issue 12): a province-year of 140,000 requests with ~1.5 M events; the KPI report for
the province ≤ 2 s. Measured here, with the library only (DuckDB over Arrow):
- generating the year (`tiangong.demo.requests`, 120,000-firm province roster);
- the KPI report (8 KPIs × month, with the province total) by department, by town and by
  category, each timed `--repeat` times (median printed);
- importing a 12345 export of `--import-rows` rows (CSV as hotline systems write it: a title
  line, 90 % of rows with the firm's USCC, 10 % with the name only, linked by Splink).
The platform's database import and the queue page under load are measured by the platform's
own benchmark (PostgreSQL / SQLite), not here.
Run: uv run python benchmarks/bench_services.py [--requests 140000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from tiangong.demo.generator import generate
from tiangong.demo.requests import generate_requests
from tiangong.services.calendar import chinese_calendar
from tiangong.services.config import load_categories
from tiangong.services.importer import import_export
from tiangong.services.kpi import formulas, kpi_report
from tiangong.services.routing import load_rules


def _export(path: Path, req, roster, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    df = req.to_pandas().head(rows)
    names = dict(zip(roster["uscc"], roster["name"], strict=True))
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["12345热线涉企工单导出"])
        w.writerow(["工单编号", "受理时间", "企业名称", "统一社会信用代码", "诉求类型", "诉求内容",
                    "承办单位"])
        for i, r in enumerate(df.itertuples()):
            code = r.uscc if rng.random() < 0.9 else ""
            w.writerow([f"GD{i:07d}", f"{r.received_at:%Y/%m/%d %H:%M}", names[r.uscc], code,
                        r.category, r.text, r.lead_department or ""])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=140_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--import-rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    config = load_categories()
    rules = load_rules(config)
    cal = chinese_calendar([2025, 2026])
    t = time.perf_counter()
    ent = generate("province", args.seed, year=2025, years=1)["enterprises"].to_pandas()
    ent["class"] = np.array(list("ABCD"))[np.random.default_rng(1).choice(4, len(ent))]
    roster = ent[["uscc", "name", "town_name", "industry_code", "class"]]
    t_roster = time.perf_counter() - t
    t = time.perf_counter()
    req, ev = generate_requests(roster, config, rules, cal, args.requests, seed=args.seed)
    t_gen = time.perf_counter() - t
    print(f"roster {len(roster):,} firms in {t_roster:.1f} s; generated {req.num_rows:,} "
          f"requests and {ev.num_rows:,} events in {t_gen:.1f} s")
    print(formulas())
    as_of = dt.date(2025, 12, 31)
    for by in ("department", "town", "category"):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            rep = kpi_report(req, ev, cal, as_of, by=by)
            times.append(time.perf_counter() - t)
        print(f"KPI report by {by:<10} {len(rep):>7,} rows: median {statistics.median(times):.2f} s"
              f" (min {min(times):.2f}, max {max(times):.2f})")
    year = kpi_report(req, ev, cal, as_of, by="all", period="year")
    year = year[year.group == "全部"]
    print(year[["label", "numerator", "denominator", "value"]].round(4).to_string(index=False))
    if args.import_rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "12345.csv"
            _export(path, req, roster, args.import_rows, args.seed)
            t = time.perf_counter()
            res = import_export(path, roster, config, cal)
            t_imp = time.perf_counter() - t
        conf = int(res.requests.column("needs_confirmation").to_numpy().sum())
        print(f"import {args.import_rows:,} rows: {t_imp:.1f} s; taken {res.requests.num_rows:,},"
              f" rejected {len(res.rejected):,}, to confirm {conf:,}")


if __name__ == "__main__":
    main()
