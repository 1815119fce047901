"""A stored run's results read in part: the lookup columns of every firm, and one firm's whole
row from the row group whose USCC range holds it (`runs.stored_results`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import tables

from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.outputs import results_table
from tiangong.runs import RunStore

FIRMS = [dict(uscc=f"91331003MA0001{i:04d}", size_class="below", land_area=30.0 + i,
              eval_tax=20.0 + 10 * i, electricity=100.0) for i in range(11)]


def test_one_row_from_its_row_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_table, "ROW_GROUP_ROWS", 3)  # 11 firms: four row groups
    ev = evaluate("huangyan_2022", tables(FIRMS), 2022)
    with RunStore(tmp_path / "runs.duckdb") as st:
        rid = st.save(ev).id
        stored = st.stored_results(rid)
        whole = st.results(rid)
    import pyarrow as pa
    import pyarrow.parquet as pq

    assert stored.parquet is not None
    assert pq.ParquetFile(pa.BufferReader(stored.parquet)).metadata.num_row_groups == 4
    expected = {r["uscc"]: r for r in whole.to_pylist()}
    assert len(expected) == 11
    for uscc, row in expected.items():
        assert stored.row(uscc) == row
    assert stored.row("91331003MA00019999") is None
    assert stored.row("0") is None
    narrow = stored.columns(["uscc", "class"])
    assert narrow.column_names == ["uscc", "class"] and narrow.num_rows == 11
    assert stored.all().equals(whole)
