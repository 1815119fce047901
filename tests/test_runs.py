"""Runs are stored whole, read back unchanged, and compared with their causes."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import tables

from tiangong.errors import RunNotFound
from tiangong.evaluation.evaluate import evaluate, sorted_rows
from tiangong.evaluation.publish import publish
from tiangong.runs import RunStore, diff_runs
from tiangong.runs.store import results_digest


def firms() -> list[dict]:
    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(12)]
    rows += [dict(uscc=f"91331003MA0001{i:04d}", size_class="below", land_area=3.5 + i,
                  eval_tax=10 + 5 * i, electricity=50) for i in range(8)]
    return rows


@pytest.fixture
def store(tmp_path: Path):
    with RunStore(tmp_path / "runs.duckdb") as st:
        yield st


def test_a_stored_run_keeps_everything_needed_to_answer_an_objection(store: RunStore) -> None:
    ev = evaluate("huangyan_2022", tables(firms()), 2022)
    rec = store.save(ev, label="first")
    again = store.get(rec.id)
    assert again.id == "R0001" and again.label == "first"
    assert again.scheme_hash == ev.scheme.hash and "24.097" in again.scheme_text
    assert again.fingerprints == ev.fingerprints
    assert [s["step"] for s in again.statements] == [s.step for s in ev.statements]
    assert any("24.097" in s["sql"] for s in again.statements)
    assert again.started_at <= again.finished_at
    assert store.results(rec.id).equals(ev.results)
    assert store.benchmarks(rec.id).equals(ev.benchmarks)
    assert store.inputs(rec.id)["enterprises"].equals(sorted_rows(ev.inputs["enterprises"]))
    assert again.results_sha256 == results_digest(ev.results)
    assert again.class_counts == ev.class_counts()
    assert store.scheme(rec.id).hash == ev.scheme.hash


def test_identical_inputs_give_byte_identical_results(store: RunStore, tmp_path: Path) -> None:
    first = evaluate("huangyan_2022", tables(firms()), 2022)
    shuffled = tables(list(reversed(firms())))
    second = evaluate("huangyan_2022", shuffled, 2022)
    a, b = store.save(first), store.save(second)
    assert a.results_sha256 == b.results_sha256
    out_a = publish(first.to_pandas(), first.scheme.scheme, 2022, "R0001", tmp_path / "a",
                    ["parquet", "csv"])
    out_b = publish(second.to_pandas(), second.scheme.scheme, 2022, "R0001", tmp_path / "b",
                    ["parquet", "csv"])
    for pa_, pb in zip(out_a, out_b, strict=True):
        assert pa_.read_bytes() == pb.read_bytes()
    assert pq.read_table(out_a[0]).num_rows == 20
    # a run on the very same input reuses the stored input rows instead of copying them again
    blobs_before = store.con.execute("SELECT COUNT(*) FROM input_blobs").fetchone()
    c = store.save(evaluate("huangyan_2022", tables(firms()), 2022))
    assert c.input_keys == a.input_keys
    assert store.con.execute("SELECT COUNT(*) FROM input_blobs").fetchone() == blobs_before


def test_run_ids_and_lookup(store: RunStore) -> None:
    with pytest.raises(RunNotFound, match="no runs yet"):
        store.get("latest")
    for _ in range(3):
        store.save(evaluate("huangyan_2022", tables(firms()), 2022))
    assert [r.id for r in store.list()] == ["R0001", "R0002", "R0003"]
    assert store.get("latest").id == "R0003"
    assert store.get("previous").id == "R0002"
    assert store.get("2").id == "R0002"
    with pytest.raises(RunNotFound, match="R0001, R0002, R0003"):
        store.get("R0009")


def test_diff_names_the_cause_of_each_class_change(store: RunStore) -> None:
    rows = firms()
    store.save(evaluate("huangyan_2022", tables(rows), 2022))
    rows[3]["eval_tax"] = 900  # firm 3 pays much more tax
    events = [dict(uscc=rows[5]["uscc"], year=2022, event_type="env_violation",
                   severity="general")]
    store.save(evaluate("huangyan_2022", tables(rows, events), 2022))
    d = diff_runs(store, "R0001", "R0002")
    by = {c.uscc: c for c in d.changes}
    assert (by[rows[3]["uscc"]].class_a, by[rows[3]["uscc"]].class_b) == ("B", "A")
    assert any("评价税收 160 → 900" in c for c in by[rows[3]["uscc"]].causes)
    assert (by[rows[5]["uscc"]].class_a, by[rows[5]["uscc"]].class_b) == ("B", "C")
    assert any("环境违法" in c for c in by[rows[5]["uscc"]].causes)
    # firm 1 did nothing: it was pushed out of A by firm 3
    pushed = by[rows[1]["uscc"]]
    assert (pushed.class_a, pushed.class_b) == ("A", "B")
    assert any("其他企业" in c for c in pushed.causes)
    assert not any("本企业数据变化" in c for c in pushed.causes)
    assert d.scheme_changes == [] and d.score_changes == 1
    assert set(d.to_frame().columns) >= {"uscc", "class_a", "class_b", "causes"}


def test_diff_reports_scheme_and_benchmark_changes(store: RunStore, tmp_path: Path) -> None:
    from tiangong.evaluation.scheme.loader import load_scheme, parse_scheme

    text = load_scheme("huangyan_2022").text.replace("benchmark: 24.097", "benchmark: 20.0")
    changed = parse_scheme(text, str(tmp_path / "changed.yaml"))
    store.save(evaluate("huangyan_2022", tables(firms()), 2022))
    store.save(evaluate(changed, tables(firms()), 2022))
    d = diff_runs(store, "R0001", "R0002")
    assert any("24.097" in line and "20.0" in line for line in d.scheme_changes)
    assert any("tax_per_mu" in line and "24.097 → 20" in line for line in d.benchmark_changes)
    assert d.score_changes == 12  # every 规上 score moved; 规下 untouched


def test_results_digest_reads_cells_not_the_bytes_under_nulls() -> None:
    import numpy as np
    import pyarrow as pa

    from tiangong.runs.store import results_digest

    valid = pa.array([True, False, True])
    a = pa.Array.from_buffers(pa.float64(), 3, [pa.array([True, False, True]).buffers()[1],
                                                pa.py_buffer(np.array([1.0, 7.0, 3.0]).tobytes())])
    b = pa.Array.from_buffers(pa.float64(), 3, [valid.buffers()[1],
                                                pa.py_buffer(np.array([1.0, 9.0, 3.0]).tobytes())])
    assert a.equals(b) and a.buffers()[1] != b.buffers()[1]
    assert results_digest(pa.table({"x": a})) == results_digest(pa.table({"x": b}))
    other = pa.array([1.0, None, 4.0])
    assert results_digest(pa.table({"x": a})) != results_digest(pa.table({"x": other}))
    zero = pa.array([1.0, 0.0, 3.0])  # a null is not the zero it is settled to
    assert results_digest(pa.table({"x": a})) != results_digest(pa.table({"x": zero}))
