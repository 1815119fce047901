"""Shared fixtures: small hand-made canonical tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from tiangong.evaluation.sources import empty_table

DEFAULTS: dict[str, Any] = {
    "year": 2022, "county_code": "331003", "town_code": "331003001", "town_name": "东城街道",
    "industry_code": "3311", "founded_date": dt.date(2010, 1, 1), "production_date": None,
    "land_area": None, "eval_tax": None, "value_added": None, "revenue": None,
    "energy_tce": None, "electricity": None, "emissions": None, "water": None,
    "employees": None, "rd_expense": None, "tech_invest": None,
}


def enterprise_table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = empty_table("enterprises").schema
    full = [{**DEFAULTS, "name": f"企业{r['uscc'][-4:]}", **r} for r in rows]
    return pa.Table.from_pylist([{f.name: row.get(f.name) for f in schema} for row in full],
                                schema=schema)


def tables(rows: list[dict[str, Any]], events: list[dict[str, Any]] | None = None,
           tenancies: list[dict[str, Any]] | None = None) -> dict[str, pa.Table]:
    ev_schema = empty_table("events").schema
    te_schema = empty_table("tenancies").schema
    return {
        "enterprises": enterprise_table(rows),
        "events": pa.Table.from_pylist(
            [{f.name: e.get(f.name) for f in ev_schema} for e in events or []], schema=ev_schema),
        "tenancies": pa.Table.from_pylist(
            [{f.name: t.get(f.name) for f in te_schema} for t in tenancies or []],
            schema=te_schema),
    }


@pytest.fixture
def make_tables():
    return tables


@pytest.fixture(autouse=True, scope="session")
def _store_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory):
    """Commands run without --store (`tiangong intake` keeps every intake) write
    $TIANGONG_STORE: a temporary file, never a tiangong.duckdb in the working directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIANGONG_STORE", str(tmp_path_factory.mktemp("store") / "tiangong.duckdb"))
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `seeds` (many generated counties, minutes) run only when selected by name:
    `pytest -m seeds`; the default suite skips them."""
    if "seeds" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="many-seed property test: select with -m seeds")
    for item in items:
        if "seeds" in item.keywords:
            item.add_marker(skip)
