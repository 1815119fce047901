"""Issue 14.3: the scheme's emission total computed from the pollutants the scheme names.

Intake writes each known pollutant as a column of the canonical enterprise table (吨), in the
folder and in the intake kept in the run store; a scheme declares the ones it names under
`variables:` and sums them in an indicator. The exports are a real xlsx written here; the
expected sums are worked by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tiangong.errors import DataError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import parse_scheme
from tiangong.identity.uscc import make_usccs
from tiangong.intake.assemble import assemble
from tiangong.runs import RunStore, intake_table, list_intakes
from tiangong.runs.encode import write_parquet
from tiangong.runs.intakes import intake_inputs, save_intake

YEAR = 2022
A, B, C = make_usccs(np.random.default_rng(1403), 3, ["331003"])
NAMES = {A: "台州市黄岩东方塑料有限公司", B: "台州市黄岩南华模具有限公司",
         C: "台州市黄岩西林机械有限公司"}

SCHEME = """\
id: cod_nox
name: 化学需氧量与氮氧化物
variables:
  emission_cod: {label: 化学需氧量排放量, type: number, unit: 吨}
  emission_nox: {label: 氮氧化物排放量, type: number, unit: 吨}
indicators:
  cod_nox: {label: 化学需氧量与氮氧化物排放量, expr: emission_cod + emission_nox, unit: 吨}
defaults: {missing: zero, zero_denominator: zero}
groups:
  - id: g
    label: 工业企业
    select: {}
    items:
      - {indicator: cod_nox, method: ratio, weight: 10, benchmark: 1}
classification:
  classes: [{code: A, label: A}]
  method: quota
  quotas: {A: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
"""


def exports(folder: Path) -> Path:
    folder.mkdir(parents=True)
    lines = ["统一社会信用代码,企业名称"] + [f"{u},{n}" for u, n in NAMES.items()]
    (folder / "名单.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    rows: list[list[Any]] = [["排污单位名称", "统一社会信用代码", "化学需氧量(吨)", "氨氮(吨)",
                 "二氧化硫(千克)", "氮氧化物(吨)"],
                [NAMES[A], A, 1.5, 0.25, 500, 2],  # COD + NOx = 1.5 + 2 = 3.5 吨
                [NAMES[B], B, 4, 1, 3000, 0.5]]  # 4 + 0.5 = 4.5 吨 (SO2 3 吨 not named)
    for row in rows:
        ws.append(row)
    wb.save(folder / "环保.xlsx")
    return folder


def indicator(data: Path | dict[str, pa.Table]) -> dict[str, float | None]:
    ev = evaluate(parse_scheme(SCHEME, "cod_nox.yaml"), data, YEAR, accept_implausible=True)
    return {r["uscc"]: r["value_cod_nox"] for r in ev.results.to_pylist()}


@pytest.fixture(scope="module")
def taken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pollutant_columns")
    res = assemble(exports(root / "exports"), YEAR, root / "canonical")
    store = root / "runs.duckdb"
    with RunStore(store) as st:
        save_intake(st, res)
    return res.out_dir, store


def test_the_enterprise_table_carries_each_pollutant(taken: tuple[Path, Path]) -> None:
    out, _ = taken
    ent = pq.read_table(out / "enterprises.parquet").to_pandas().set_index("uscc")
    assert ent.loc[A, ["emission_cod", "emission_nh3n", "emission_so2", "emission_nox"]
                   ].tolist() == pytest.approx([1.5, 0.25, 0.5, 2.0])  # SO2 500 千克 = 0.5 吨
    assert np.isnan(ent.loc[C, "emission_cod"])  # C reported nothing: empty, not zero


def test_a_scheme_sums_the_pollutants_it_names_from_the_folder(
        taken: tuple[Path, Path]) -> None:
    got = indicator(taken[0])
    assert (got[A], got[B]) == pytest.approx((3.5, 4.5))


def test_a_scheme_sums_the_pollutants_it_names_from_the_store(
        taken: tuple[Path, Path]) -> None:
    got = indicator(intake_inputs(taken[1], YEAR).tables)
    assert (got[A], got[B]) == pytest.approx((3.5, 4.5))


def test_an_intake_stored_before_the_pollutant_columns(taken: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    """An older intake: enterprises without pollutant columns, no ledger nor pollutants
    table. The tables it has are read; the ones it lacks, and a scheme naming a pollutant,
    get a message saying to run intake again — never a KeyError."""
    store = tmp_path / "old.duckdb"
    old = tmp_path / "enterprises.parquet"
    with RunStore(taken[1], read_only=True) as st:
        (rec,) = list_intakes(st)
        ent = intake_table(st, rec, "enterprises")
        others = {t: intake_table(st, rec, t) for t in ("events", "tenancies")}
    write_parquet(ent.drop_columns([c for c in ent.column_names
                                    if c.startswith("emission_")]), old)
    keys = {"enterprises": "old-enterprises", "events": "old-events", "tenancies": "old-ten"}
    with RunStore(store) as st:
        save_intake_like_before(st, rec.year, keys, old, others, tmp_path)
        (stored,) = list_intakes(st)
        with pytest.raises(DataError, match="has no 'ledger' table: it was stored before"):
            intake_table(st, stored, "ledger")
    tables = intake_inputs(store, YEAR).tables
    with pytest.raises(DataError, match=r"no column 'emission_cod'.*run 'tiangong intake' again"):
        indicator(tables)


def save_intake_like_before(st: RunStore, year: int, keys: dict[str, str], ent: Path,
                            others: dict[str, pa.Table], tmp: Path) -> None:
    from tiangong.runs.intakes import _SCHEMA

    st.con.execute(_SCHEMA)
    paths = {"enterprises": ent}
    for t, table in others.items():
        paths[t] = tmp / f"{t}.parquet"
        write_parquet(table, paths[t])
    for t, key in keys.items():
        st.con.execute("INSERT INTO input_data SELECT ?, content FROM read_blob(?)",
                       [key, str(paths[t])])
        st.con.execute("INSERT INTO input_blobs VALUES (?, ?, ?)", [key, t, 0])
    st.con.execute("INSERT INTO intakes VALUES ('I0001', 1, ?, '', '', '', '[]', 'none', '', "
                   "'', '', '{}', ?, '0.1')", [year, json.dumps(keys)])
