"""A realistic synthetic portfolio of major projects whose enterprises are the demo region's.

Every page of the project module needs something true to show: projects in every stage, some
ahead and some late, plans and monthly figures, 黄牌 and 红旗, and a hand-over that can be
checked — a project whose firm enters the 规上 roster in the next intake (新升规), one whose
达产 commitment holds and one whose does not. So the generator takes the demo's canonical
enterprises (several years) and links projects in production to real firms of that table:
firms that were 规下 (or absent) the year before and 规上 in the last year become the 新升规
cases, firms 规下 in both years the "not yet" cases, 规上 firms the 技改/扩产 investors. Same
arguments, same portfolio (all randomness from `numpy.random.default_rng(seed)`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from tiangong.projects.portfolio import Portfolio

STAGES = ("sign", "land", "start", "complete", "production", "capacity")
# planned days from the previous stage: (low, high)
DURATIONS = {"land": (45, 180), "start": (30, 150), "complete": (270, 600),
             "production": (20, 120), "capacity": (300, 600)}
PACE = {"ahead": (0.75, 0.9), "on_time": (0.95, 1.08), "late": (1.3, 1.9)}
TEAMS = {"34": "装备制造专班", "35": "装备制造专班", "36": "汽车零部件专班",
         "37": "汽车零部件专班", "38": "电气新能源专班", "39": "数字经济专班",
         "26": "新材料专班", "27": "生物医药专班", "29": "新材料专班", "33": "金属制品专班"}
KINDS = ("生产线", "智能化改造", "扩建", "新建厂房", "数字化车间", "研发及产业化基地")


def _team(code: str) -> str:
    return TEAMS.get(code[:2], "综合招商专班")


def _firms(enterprises: pa.Table | pd.DataFrame, end_year: int) -> dict[str, pd.DataFrame]:
    """Candidate firms by what their roster history will show."""
    df = enterprises if isinstance(enterprises, pd.DataFrame) else enterprises.select(
        ["uscc", "name", "year", "town_name", "industry_code", "size_class", "eval_tax",
         "land_area"]).to_pandas()
    now = df[df["year"] == end_year].set_index("uscc")
    before = df[df["year"] == end_year - 1].set_index("uscc")["size_class"]
    was = before.reindex(now.index)
    now = now.assign(was=was.fillna("absent").to_numpy()).sort_index()
    manufacturing = now["industry_code"].astype(str).str[:2].between("13", "43")
    now = now[manufacturing]
    return {"upgrade": now[(now["size_class"] == "above") & (now["was"] != "above")],
            "below": now[(now["size_class"] == "below") & (now["was"] == "below")],
            "above": now[(now["size_class"] == "above") & (now["was"] == "above")]}


def generate_projects(enterprises: pa.Table | pd.DataFrame, seed: int, end_year: int,
                      n: int = 100, as_of: dt.date | None = None,
                      county_code: str = "") -> Portfolio:
    """`n` projects, four in five signed from mid `end_year - 3` to shortly before `as_of`
    (default 30 September of `end_year`), one in five earlier (so some have reached 达产), with
    plans for every year and monthly figures up to `as_of`."""
    rng = np.random.default_rng(seed)
    as_of = as_of or dt.date(end_year, 9, 30)
    firms = {k: v.iloc[rng.permutation(len(v))] for k, v in _firms(enterprises, end_year).items()}
    taken = dict.fromkeys(firms, 0)
    towns = sorted(set(firms["below"]["town_name"].dropna()) | set(
        firms["above"]["town_name"].dropna()))
    first, early = dt.date(end_year - 3, 7, 1), dt.date(end_year - 4, 1, 1)
    span = (as_of - first).days - 30
    projects: list[dict[str, object]] = []
    stages: list[dict[str, object]] = []
    plans: list[dict[str, object]] = []
    monthly: list[dict[str, object]] = []
    commitments: list[dict[str, object]] = []
    for i in range(n):
        pid = f"XM{end_year % 100:02d}{i + 1:04d}"
        pace = rng.choice(list(PACE), p=[0.15, 0.6, 0.25])
        stall = rng.random() < 0.06
        signed = (early + dt.timedelta(days=int(rng.integers(0, (first - early).days)))
                  if rng.random() < 0.2 else first + dt.timedelta(days=int(rng.integers(0, span))))
        planned, actual = {"sign": signed}, {"sign": signed}
        day_p = day_a = signed
        stopped = reached = False  # stopped: a stalled project (停滞) stops at a stage
        for stage in STAGES[1:]:
            lo, hi = DURATIONS[stage]
            gap = int(rng.integers(lo, hi))
            day_p = day_p + dt.timedelta(days=gap)
            planned[stage] = day_p
            factor = rng.uniform(*PACE[pace])
            day_a = day_a + dt.timedelta(days=int(gap * factor))
            if stall and stage in ("start", "complete") and rng.random() < 0.6:
                stopped = True
            if not (stopped or reached) and day_a <= as_of:
                actual[stage] = day_a
            else:
                reached = True
        total = float(np.round(_total(rng), -1))
        fixed = round(total * rng.uniform(0.6, 0.9), 1)
        intensity = rng.uniform(250, 620)
        land = round(fixed / intensity, 1)
        firm = _link(rng, firms, actual, end_year, taken)
        if firm is not None:
            town, code, investor, uscc = (firm["town_name"], str(firm["industry_code"]),
                                          str(firm["name"]), str(firm.name))
        else:
            town = towns[int(rng.integers(0, len(towns)))] if towns else "城关镇"
            code = str(rng.choice(["3421", "3484", "3670", "3825", "3891", "2929", "3352",
                                   "3973", "2651", "3581"]))
            word = str(rng.choice(["智造", "精工", "新能", "科创"]))
            investor, uscc = f"{town}{word}投资有限公司", None
        name = f"{investor.split('有限')[0][:8]}{KINDS[int(rng.integers(0, len(KINDS)))]}项目"
        projects.append({"project_id": pid, "name": name, "county_code": county_code,
                         "town_code": "", "town_name": town, "team": _team(code),
                         "industry_code": code, "investor": investor, "uscc": uscc,
                         "total_investment": total, "fixed_investment": fixed,
                         "land_mu": land, "origin": str(rng.choice(["省外", "省内", "县内"]))})
        for s in STAGES:
            stages.append({"project_id": pid, "stage": s, "planned": planned[s],
                           "actual": actual.get(s)})
        _money(rng, pid, fixed, total, planned, actual, pace, stopped, as_of, plans, monthly)
        if uscc is not None and "production" in actual:
            commitments.append({"project_id": pid, "indicator": "investment_intensity",
                                "value": round(intensity * rng.uniform(0.85, 1.1), 1)})
            tax, area = ((float(firm["eval_tax"]), float(firm["land_area"]))
                         if firm is not None else (np.nan, np.nan))
            if tax == tax and area > 0:  # the firm's data are there
                # committed near what the firm pays, some above (fails the 达产复核), some below
                actual_tax = max(tax / area, 0.5)
                commitments.append({"project_id": pid, "indicator": "tax_per_mu",
                                    "value": round(actual_tax * rng.uniform(0.8, 1.3), 1)})
    return Portfolio(pd.DataFrame(projects), pd.DataFrame(stages), pd.DataFrame(plans),
                     pd.DataFrame(monthly), pd.DataFrame(commitments,
                                                         columns=["project_id", "indicator",
                                                                  "value"])).normalised()


def _total(rng: np.random.Generator) -> float:
    """Total investment (万元): most 0.5–3亿, some 3–10亿, a few ≥ 10亿 and ≥ 50亿."""
    band = rng.choice(4, p=[0.6, 0.26, 0.11, 0.03])
    lo, hi = [(5000, 30000), (30000, 100000), (100000, 500000), (500000, 1200000)][band]
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _link(rng: np.random.Generator, firms: dict[str, pd.DataFrame],
          actual: dict[str, dt.date], end_year: int, taken: dict[str, int]) -> pd.Series | None:
    """The firm a project is linked to: in production before `end_year` → mostly a firm that
    turns 规上 in `end_year` (新升规) or is still 规下; in production later → a 规下 firm;
    before production → half an existing 规上 investor (技改/扩产), half not yet known.
    `firms` pools are in a seeded random order and `taken` counts what each pool gave out, so
    no firm gets two projects."""
    produced = actual.get("production")
    if produced is not None and produced.year < end_year:
        pool = str(rng.choice(["upgrade", "below", "above"], p=[0.6, 0.25, 0.15]))
    elif produced is not None:
        pool = str(rng.choice(["below", "above"], p=[0.7, 0.3]))
    elif rng.random() < 0.5:
        pool = "above"
    else:
        return None
    for name in (pool, *(k for k in ("below", "above", "upgrade") if k != pool)):
        if taken[name] < len(firms[name]):  # a small region runs out of one kind: next one
            taken[name] += 1
            return firms[name].iloc[taken[name] - 1]
    return None


def _money(rng: np.random.Generator, pid: str, fixed: float, total: float,
           planned: dict[str, dt.date], actual: dict[str, dt.date], pace: str, stopped: bool,
           as_of: dt.date, plans: list[dict[str, object]],
           monthly: list[dict[str, object]]) -> None:
    """Plans spread the fixed investment over the planned land → completion months; actual
    months follow the real dates at the project's pace, with funds in place around them."""
    months = pd.period_range(planned["land"], planned["complete"], freq="M")
    per_month = fixed / len(months)
    years, counts = np.unique(np.asarray(months.year), return_counts=True)
    for year, count in zip(years.tolist(), counts.tolist(), strict=True):
        plans.append({"project_id": pid, "year": year, "plan": round(per_month * count, 1)})
    start = actual.get("land")
    if start is None:
        return
    monthly.append({"project_id": pid, "month": actual["sign"].strftime("%Y-%m"),
                    "invest": 0.0, "funds": round(total * rng.uniform(0.03, 0.08), 1)})
    # spending follows the planned months once the land is there, at the project's pace; a
    # late project goes on spending until it is completed
    speed = {"ahead": 1.2, "on_time": 1.0, "late": 0.75}[pace] * (0.3 if stopped else 1.0)
    end = actual.get("complete", as_of)
    first = max(pd.Period(start, freq="M"), months[0])
    last = min(pd.Period(as_of, freq="M"), max(months[-1], pd.Period(end, freq="M")))
    done = 0.0
    spans = list(pd.period_range(first, last, freq="M")) if first <= last else []
    for period in spans:
        amount = min(per_month * speed * rng.uniform(0.8, 1.2), fixed * 1.05 - done)
        if amount <= 0:
            break
        done += amount
        monthly.append({"project_id": pid, "month": str(period),
                        "invest": round(amount, 1),
                        "funds": round(amount * rng.uniform(0.7, 1.05), 1)})
