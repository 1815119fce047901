"""`evaluation.arrow_sql`: each use reads its own tables, also when threads use it at once (the
what-if's two searches and the platform's worker share the one in-memory database), and the
Arrow round trip keeps the schema."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa

from tiangong.evaluation.arrow_sql import reading, select, select_rows


def test_each_use_reads_its_own_tables_under_threads() -> None:
    wrong: list[tuple[int, object]] = []

    def work(k: int) -> None:
        table = pa.table({"v": pa.array(np.full(500, k))})
        for _ in range(100):
            with reading(results=table) as con:
                got = con.sql("SELECT min(v), max(v), count(*) FROM results").fetchall()[0]
            if got != (k, k, 500):
                wrong.append((k, got))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_types_and_parameters_survive_the_round_trip() -> None:
    table = pa.table({"uscc": pa.array(["A", "B", None]), "score": pa.array(
        [1.5, None, 3.0]), "n": pa.array([1, 2, 3], pa.int32()),
        "d": pa.array([None, None, None], pa.decimal128(38, 18))})
    got = select("SELECT * FROM t WHERE uscc = ? OR n = ?", ["A", 3], t=table)
    assert got.schema.equals(table.schema)
    assert got.to_pylist() == [table.to_pylist()[0], table.to_pylist()[2]]
    assert select_rows("SELECT count(*) AS c FROM t WHERE uscc IS NULL", t=table) == [{"c": 1}]
