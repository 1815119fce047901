"""The fast paths taken for large regions give exactly what the plain paths give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tiangong.demo.generator import generate
from tiangong.engines.duckdb_engine import DuckDBEngine, _aggregates
from tiangong.evaluate import Evaluation, evaluate, sorted_rows
from tiangong.outputs import write_results_tables


@pytest.fixture(scope="module")
def county() -> tuple[dict[str, pa.Table], Evaluation]:
    data = generate("county", 11, year=2022)
    return data, evaluate("huangyan_2022", data, 2022)


def test_results_tables_from_arrow_equal_those_from_pandas(county, tmp_path: Path) -> None:
    results = county[1].results
    shuffled = results.take(np.random.default_rng(3).permutation(results.num_rows))
    score = shuffled.column("score").to_numpy(zero_copy_only=False).copy()
    score[::7] = np.nan  # pandas holds NaN and null alike: both must come out as null
    with_nan = shuffled.set_column(shuffled.schema.get_field_index("score"), "score",
                                   pa.array(score))
    for i, table in enumerate((results, shuffled, with_nan)):
        from_arrow = write_results_tables(table, tmp_path / f"arrow{i}")
        from_pandas = write_results_tables(table.to_pandas(), tmp_path / f"pandas{i}")
        assert [p.read_bytes() for p in from_arrow] == [p.read_bytes() for p in from_pandas]


def test_kept_inputs_are_the_rows_of_the_evaluated_years(county) -> None:
    for name, table in county[1].inputs.items():
        source = county[0][name].filter(pc.equal(county[0][name]["year"], 2022))
        assert table.num_rows == source.num_rows
        assert sorted_rows(table).equals(sorted_rows(source.select(table.column_names))), name


def test_row_level_steps_are_views_and_aggregates_tables(county) -> None:
    eng = DuckDBEngine()
    try:
        ev = evaluate("huangyan_2022", county[0], 2022, engine=eng, keep_inputs=False)
        kinds = dict(eng.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables").fetchall())
    finally:
        eng.close()
    assert kinds["group_stats"] == kinds["item_means"] == "BASE TABLE"
    assert kinds["ranked"] == kinds["final"] == kinds["population"] == "VIEW"
    assert ev.results.equals(county[1].results)


def test_aggregate_detection_skips_subqueries_and_quotes() -> None:
    assert _aggregates("SELECT g, COUNT(*) FROM t GROUP BY g")
    assert _aggregates("select g from t group\n  by g")
    assert not _aggregates("SELECT * FROM (SELECT g FROM t GROUP BY g) s")
    assert not _aggregates("SELECT 'GROUP BY' AS x, \"group by\" FROM t")
    assert not _aggregates("SELECT 'it''s GROUP BY' FROM t")
    assert not _aggregates("SELECT my_group by_x FROM t")
