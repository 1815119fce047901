"""Intakes kept in the run store: the same tables as the folder, read by evaluate without --data,
listed, and left untouched by an intake that fails."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.demo import generate
from tiangong.demo.exports import ExportManifest, write_exports
from tiangong.runs import RunStore, intake_table, list_intakes
from tiangong.runs.diff import diff_runs

SEED, YEAR = 11, 2022
runner = CliRunner()


@dataclass
class Setup:
    root: Path
    store: Path
    exports: dict[int, ExportManifest]
    blobs_before_repeat: int  # input_blobs rows before the unchanged 2022 intake ran again


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def blob_count(store: Path) -> int:
    with RunStore(store, read_only=True) as st:
        return int(st.con.execute("SELECT COUNT(*) FROM input_blobs").fetchone()[0])  # type: ignore[index]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """Two years of a small county's exports taken in (I0001 2021, I0002 2022), then the
    unchanged 2022 exports again (I0003)."""
    root = tmp_path_factory.mktemp("intake_store")
    tables = generate(300, SEED, year=YEAR, years=2)
    exports = {y: write_exports(tables, root / f"exports_{y}", SEED, y) for y in (YEAR - 1, YEAR)}
    store = root / "runs.duckdb"
    for y in (YEAR - 1, YEAR):
        run("intake", str(exports[y].out_dir), "--year", str(y), "--out",
            str(root / f"canonical_{y}"), "--store", str(store))
    before = blob_count(store)
    run("intake", str(exports[YEAR].out_dir), "--year", str(YEAR), "--out",
        str(root / "canonical_again"), "--store", str(store))
    return Setup(root, store, exports, before)


def test_stored_tables_equal_the_folder(setup: Setup) -> None:
    with RunStore(setup.store, read_only=True) as st:
        records = list_intakes(st)
        assert [(r.id, r.year) for r in records] == [("I0001", 2021), ("I0002", 2022),
                                                     ("I0003", 2022)]
        for r in records[:2]:
            folder = setup.root / f"canonical_{r.year}"
            for table in ("enterprises", "events", "tenancies"):
                stored = intake_table(st, r, table)
                assert stored.equals(pq.read_table(folder / f"{table}.parquet")), table
            assert r.counts["enterprises"] == pq.read_metadata(
                folder / "enterprises.parquet").num_rows
            quality = intake_table(st, r, "quality")
            assert quality.num_rows == r.counts["quality_rows"] > 0
            recon = intake_table(st, r, "reconciliation").to_pandas()
            assert set(recon["file"]) >= {f.path.name for f in setup.exports[r.year].files}
            files = {f["name"]: f for f in r.files}
            for f in setup.exports[r.year].files:
                data = f.path.read_bytes()
                assert files[f.path.name]["sha256"] == hashlib.sha256(data).hexdigest()
                assert files[f.path.name]["bytes"] == len(data)
            assert r.exports == str(setup.exports[r.year].out_dir.resolve())


def test_an_unchanged_intake_adds_a_row_and_no_data(setup: Setup) -> None:
    with RunStore(setup.store, read_only=True) as st:
        first, again = list_intakes(st, YEAR)
    assert first.table_keys == again.table_keys
    assert blob_count(setup.store) == setup.blobs_before_repeat


def test_evaluate_without_data_reads_the_latest_intake(setup: Setup) -> None:
    text = run("evaluate", "--scheme", "huangyan_2022", "--year", str(YEAR), "--out",
               str(setup.root / "out_store"), "--store", str(setup.store), "--formats",
               "parquet")
    assert "intake I0003 of 2022" in text
    run("evaluate", "--scheme", "huangyan_2022", "--year", str(YEAR), "--data",
        str(setup.root / f"canonical_{YEAR}"), "--out", str(setup.root / "out_folder"),
        "--store", str(setup.store), "--formats", "parquet")
    from_store = pq.read_table(setup.root / "out_store" / "results.parquet")
    from_folder = pq.read_table(setup.root / "out_folder" / "results.parquet")
    assert from_store.num_rows == 300
    assert from_store.equals(from_folder)
    with RunStore(setup.store, read_only=True) as st:
        a, b = st.get("previous"), st.get("latest")
    assert a.results_sha256 == b.results_sha256
    assert a.fingerprints["intake"] == "I0003" and a.label == "intake I0003"
    assert "intake" not in b.fingerprints
    shown = run("runs", "show", a.id, "--store", str(setup.store))
    assert "inputs from intake I0003" in shown
    # Same rows reached two ways (the intake in the store, the folder): no input changed.
    assert a.input_keys != b.input_keys
    with RunStore(setup.store, read_only=True) as st:
        assert diff_runs(st, a.id, b.id).input_changes == []


def test_prior_year_comes_from_its_own_intake(setup: Setup) -> None:
    both = setup.root / "both_years"
    both.mkdir()
    for table in ("enterprises", "events", "tenancies"):
        parts = [pq.read_table(setup.root / f"canonical_{y}" / f"{table}.parquet")
                 for y in (YEAR - 1, YEAR)]
        pq.write_table(pa.concat_tables(parts), both / f"{table}.parquet")
    common = ["--scheme", "huaian_2024", "--year", str(YEAR), "--store", str(setup.store),
              "--formats", "parquet", "--no-store"]
    text = run("evaluate", *common, "--out", str(setup.root / "huaian_store"))
    assert "intake I0003 of 2022" in text and "intake I0001 of 2021" in text
    run("evaluate", *common, "--data", str(both), "--out", str(setup.root / "huaian_folder"))
    assert pq.read_table(setup.root / "huaian_store" / "results.parquet").equals(
        pq.read_table(setup.root / "huaian_folder" / "results.parquet"))


def test_a_year_without_intake_is_one_clear_error(setup: Setup, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from tiangong.cli.main import main

    nowhere = tmp_path / "none.duckdb"
    for store, held in ((setup.store, "2021, 2022"), (nowhere, "no run store here")):
        monkeypatch.setattr("sys.argv", ["tiangong", "evaluate", "--scheme", "huangyan_2022",
                                         "--year", "2019", "--store", str(store), "--out",
                                         str(tmp_path / "out")])
        with pytest.raises(SystemExit) as stop:
            main()
        assert stop.value.code == 2
        captured = capsys.readouterr()
        err = captured.err.replace("\n", " ")
        assert str(store) in err and held in err and "2019" in err
        assert "Traceback" not in captured.out + captured.err
    assert not nowhere.exists()


def test_a_failed_intake_leaves_the_store_as_it_was(setup: Setup, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from tiangong.cli.main import main

    exports = tmp_path / "exports"
    shutil.copytree(setup.exports[YEAR].out_dir, exports)
    tax = exports / "02_税收_补充.xlsx"
    tax.write_bytes(b"")  # a copy that never arrived: 0 bytes
    with RunStore(setup.store, read_only=True) as st:
        before = list_intakes(st)
    blobs = blob_count(setup.store)
    monkeypatch.setattr("sys.argv", ["tiangong", "intake", str(exports), "--year", str(YEAR),
                                     "--out", str(tmp_path / "canonical"), "--store",
                                     str(setup.store)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert tax.name in err and "0 字节" in err
    with RunStore(setup.store, read_only=True) as st:
        assert list_intakes(st) == before
    assert blob_count(setup.store) == blobs
    assert not (tmp_path / "canonical").exists()


def test_no_store_writes_the_folder_only(setup: Setup, tmp_path: Path) -> None:
    store = tmp_path / "untouched.duckdb"
    run("intake", str(setup.exports[YEAR - 1].out_dir), "--year", str(YEAR - 1), "--out",
        str(tmp_path / "canonical"), "--store", str(store), "--no-store")
    assert (tmp_path / "canonical" / "enterprises.parquet").is_file()
    assert not store.exists()


def test_intakes_list_and_show(setup: Setup) -> None:
    text = run("intakes", "list", "--store", str(setup.store), "--format", "csv")
    lines = text.splitlines()
    assert lines[0] == "id,year,created_at,enterprises,events,tenancies,files,land_rule"
    assert lines[1].startswith("I0001,2021,") and lines[2].startswith("I0002,2022,")
    assert ",300," in lines[2]
    only = run("intakes", "list", "--store", str(setup.store), "--year", "2021", "--format",
               "csv")
    assert len(only.splitlines()) == 2
    shown = run("intakes", "show", "I0002", "--store", str(setup.store))
    assert "intake I0002  year 2022" in shown and "01_企业名录.xlsx" in shown
