"""The demo generator: canonical schemas, determinism, identifiers, realism, evaluability."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tiangong.demo import SCALES, generate, write_canonical
from tiangong.demo.names import make_names
from tiangong.demo.regions import build_layout, place_firms
from tiangong.demo.vocabulary import INDUSTRIES
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.sources import empty_table
from tiangong.identity import is_valid_uscc

YEAR = 2022
CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")


@pytest.fixture(scope="module")
def county() -> dict[str, pa.Table]:
    return generate("county", 1)


@pytest.fixture(scope="module")
def city() -> pd.DataFrame:
    return generate("city", 3)["enterprises"].to_pandas()


def _this_year(tables: dict[str, pa.Table]) -> pd.DataFrame:
    frame = tables["enterprises"].to_pandas()
    return frame[frame.year == YEAR]


def test_schemas_are_canonical(county: dict[str, pa.Table]) -> None:
    for name in ("enterprises", "events", "tenancies"):
        assert county[name].schema.equals(empty_table(name).schema), name


def test_deterministic_per_seed(county: dict[str, pa.Table]) -> None:
    again = generate("county", 1)
    other = generate("county", 2)
    for name in county:
        assert county[name].equals(again[name]), name
    assert not county["enterprises"].equals(other["enterprises"])


def test_scale_sizes_and_years(county: dict[str, pa.Table], city: pd.DataFrame) -> None:
    frame = county["enterprises"].to_pandas()
    assert (frame.year == YEAR).sum() == SCALES["county"]
    assert set(frame.year) == {YEAR - 1, YEAR}
    assert frame.county_code.nunique() == 1 and frame.town_code.nunique() >= 15
    assert (city.year == YEAR).sum() == SCALES["city"]
    assert city.county_code.nunique() >= 7
    small = generate(500, 4, year=2023, years=3)["enterprises"].to_pandas()
    assert (small.year == 2023).sum() == 500
    assert set(small.year) == {2021, 2022, 2023}
    assert generate(200, 4, years=1)["enterprises"].num_rows == 200


def test_identifiers_valid_unique_and_stable(county: dict[str, pa.Table]) -> None:
    frame = county["enterprises"].to_pandas()
    for _, rows in frame.groupby("year"):
        assert rows.uscc.is_unique and rows.name.is_unique
    firms = frame.drop_duplicates(["uscc", "name"])
    assert firms.uscc.is_unique and firms.name.is_unique  # same name every year
    assert all(is_valid_uscc(c) for c in firms.uscc)
    assert all(CHINESE.match(n) for n in firms.name)
    assert firms.name.str.endswith(("公司", "厂")).all()
    assert firms.name.str.contains("黄岩").mean() > 0.5
    assert (firms.uscc.str[2:8].isin(["331003", "331000"])).all()


def test_identifiers_unique_at_city_scale(city: pd.DataFrame) -> None:
    firms = city.drop_duplicates(["uscc", "name"])
    assert firms.uscc.is_unique and firms.name.is_unique
    assert all(is_valid_uscc(c) for c in firms.uscc.iloc[::50])


def test_population_shape(city: pd.DataFrame) -> None:
    now = city[city.year == YEAR]
    above, below = now[now.size_class == "above"], now[now.size_class == "below"]
    assert 0.3 < len(above) / len(now) < 0.4
    assert 20 < above.land_area.median() < 45
    assert 4 < below.land_area.median() < 9
    assert 0.05 < (below.land_area < 3).mean() < 0.35
    end = pd.Timestamp(f"{YEAR}-12-31")
    young = (end - pd.to_datetime(now.founded_date)).dt.days < 730
    assert 0.015 < young.mean() < 0.05
    assert 0.005 < now.industry_code.str[:2].isin(["44", "45", "46"]).mean() < 0.025
    assert 0.005 < (now.eval_tax < 0).mean() < 0.02
    assert (above.energy_tce == 0).sum() > 0 and (above.emissions == 0).sum() > 0
    # values hang together: more value added, more tax and more energy
    assert above[["value_added", "eval_tax"]].corr().iloc[0, 1] > 0.5
    assert above[["revenue", "energy_tce"]].corr(method="spearman").iloc[0, 1] > 0.5


def test_missing_rates(city: pd.DataFrame) -> None:
    now = city[city.year == YEAR]
    above, below = now[now.size_class == "above"], now[now.size_class == "below"]
    assert 0.18 < above.emissions.isna().mean() < 0.32
    assert below.emissions.isna().mean() > 0.8
    for col in ("value_added", "energy_tce", "employees", "rd_expense"):
        assert below[col].isna().mean() > 0.5, col
        assert 0.0 < above[col].isna().mean() < 0.06, col
    for col in ("eval_tax", "land_area", "revenue", "electricity"):
        assert now[col].isna().mean() < 0.08, col


def _mean_ratio(rows: pd.DataFrame, num: str, den: str) -> float:
    ok = rows[num].notna() & (rows[den] > 0)
    return float((rows.loc[ok, num] / rows.loc[ok, den]).mean())


@pytest.mark.parametrize(("group", "num", "den", "benchmark"), [
    ("above", "eval_tax", "land_area", 24.097),
    ("above", "value_added", "land_area", 136.16),
    ("above", "value_added", "energy_tce", 2.694),
    ("above", "value_added", "emissions", 4929.81),
    ("above", "value_added", "employees", 18.14),
    ("above", "rd_expense", "revenue", 0.0302),
    ("below", "eval_tax", "land_area", 11.5932),
    ("below", "eval_tax", "electricity", 0.2352),
])
def test_indicator_means_near_huangyan_benchmarks(city: pd.DataFrame, group: str, num: str,
                                                  den: str, benchmark: float) -> None:
    rows = city[(city.year == YEAR) & (city.size_class == group)]
    if group == "below":
        rows = rows[rows.land_area >= 3]
    mean = _mean_ratio(rows, num, den)
    assert benchmark / 1.5 < mean < benchmark * 1.5


def test_events_and_tenancies(county: dict[str, pa.Table]) -> None:
    firms = county["enterprises"].to_pandas()
    events = county["events"].to_pandas()
    assert set(events.event_type) <= {"safety_accident", "env_violation", "credit_default",
                                      "illegal_land_use"}
    assert set(events.severity) <= {"major", "general"}
    now = events[events.year == YEAR]
    assert 0.015 < len(now) / SCALES["county"] < 0.04
    assert all(CHINESE.match(d.replace("，", "").replace("1", "")) for d in events.description)
    assert (pd.to_datetime(events.event_date).dt.year == events.year).all()
    keys = set(zip(firms.uscc, firms.year, strict=True))
    assert all(k in keys for k in zip(events.uscc, events.year, strict=True))

    lets = county["tenancies"].to_pandas()
    this = lets[lets.year == YEAR]
    assert 0.03 < this.landlord_uscc.nunique() / SCALES["county"] < 0.08
    assert this.groupby("landlord_uscc").size().max() <= 3
    assert this.tenant_uscc.is_unique
    assert not set(this.tenant_uscc) & set(this.landlord_uscc)
    assert all(k in keys for k in zip(lets.landlord_uscc, lets.year, strict=True))
    assert all(k in keys for k in zip(lets.tenant_uscc, lets.year, strict=True))
    sizes = firms[firms.year == YEAR].set_index("uscc").size_class
    assert (sizes[this.tenant_uscc] == "below").mean() > 0.7
    assert (this.land_area > 0).all() and (this.floor_area_m2 > 0).all()


def test_huangyan_scheme_runs_with_all_classes(county: dict[str, pa.Table]) -> None:
    result = evaluate("huangyan_2022", county, YEAR)
    counts = result.class_counts()
    for group in ("above", "below"):
        assert {"A", "B", "C", "D"} <= set(counts[group]), counts
    assert not result.warnings


def test_write_canonical(county: dict[str, pa.Table], tmp_path: Path) -> None:
    paths = write_canonical(county, tmp_path / "data")
    assert sorted(paths) == ["enterprises", "events", "tenancies"]
    for name, path in paths.items():
        assert path.name == f"{name}.parquet"
        back = pq.read_table(path)
        assert back.schema.equals(empty_table(name).schema)
        assert back.num_rows == county[name].num_rows


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        generate("planet", 1)
    with pytest.raises(ValueError):
        generate(0, 1)
    with pytest.raises(ValueError):
        generate("county", 1, years=0)


def test_nation_layout_codes() -> None:
    rng = np.random.default_rng(0)
    layout = build_layout("nation", 400_000, rng)
    codes = layout.county_code.tolist()
    assert len(codes) == len(set(codes)) >= 300
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(zip(layout.city_short, layout.county_short, strict=True))) == len(codes)
    assert {c[:2] for c in codes} >= {"11", "32", "33", "44", "65"}
    towns = layout.town_code.tolist()
    assert len(towns) == len(set(towns))
    assert all(t[:6] == codes[c] for t, c in zip(towns, layout.town_county, strict=True))
    county, town = place_firms(layout, 50_000, rng)
    assert (layout.town_county[town] == county).all()


def test_names_stay_unique_beyond_the_trade_name_space() -> None:
    """More firms in one county than two-character trade names: repairs keep names unique."""
    rng = np.random.default_rng(0)
    layout = build_layout("county", 1, rng)
    n = 30_000
    names = make_names(rng, layout, np.zeros(n, dtype=np.int64),
                       rng.integers(0, len(INDUSTRIES), n), rng.random(n) < 0.35)
    assert len(pc.unique(names)) == n
    assert all(CHINESE.match(x) for x in names.to_pylist()[::100])
