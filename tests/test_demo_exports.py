"""Departmental exports of the demo data: real files, read back by the intake."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.demo import generate
from tiangong.demo.exports import ExportManifest, write_exports
from tiangong.intake import Intake, load, read_table
from tiangong.intake.headers import SOURCES

SEED, YEAR = 11, 2022


@pytest.fixture(scope="module")
def tables() -> dict:
    return generate(500, SEED, year=YEAR)


@pytest.fixture(scope="module")
def manifest(tables: dict, tmp_path_factory: pytest.TempPathFactory) -> ExportManifest:
    return write_exports(tables, tmp_path_factory.mktemp("exports"), SEED, YEAR,
                         environment_layout="rows")


@pytest.fixture(scope="module")
def loaded(manifest: ExportManifest) -> dict[Path, Intake]:
    return {f.path: load(f.path, f.source) for f in manifest.files}


@pytest.fixture(scope="module")
def truth(manifest: ExportManifest) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(manifest.truth_rows), pd.read_parquet(manifest.truth_totals)


def _sum(manifest: ExportManifest, loaded: dict[Path, Intake], source: str, col: str) -> float:
    return sum(float(loaded[f.path].frame[col].sum()) for f in manifest.by_source(source))


def test_every_source_is_written_and_loads(manifest: ExportManifest,
                                           loaded: dict[Path, Intake]) -> None:
    assert {f.source for f in manifest.files} == set(SOURCES)
    for f in manifest.files:
        assert f.path.exists()
        intake = loaded[f.path]
        assert len(intake.frame) == f.data_rows
        assert len(intake.raw.excluded) == f.excluded_rows
        assert intake.raw.header_rows == f.header_rows
        assert intake.raw.title  # a title row above the header
        reasons = {e.reason for e in intake.raw.excluded}
        assert {"total", "footnote", "blank"} <= reasons
        assert not [q for q in intake.quality if q.rule == "unknown_unit"]


def test_formats_encodings_and_units(manifest: ExportManifest,
                                     loaded: dict[Path, Intake]) -> None:
    tax = manifest.by_source("tax")
    assert {f.units["eval_tax"] for f in tax} == {"元", "万元"}
    for f in tax:
        assert f.path.suffix == ".csv"
        assert read_table(f.path).encoding == "gb18030"  # GBK detected
        f.path.read_bytes().decode("gbk")
    env = manifest.by_source("environment")[0]
    assert env.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert loaded[env.path].raw.encoding == "utf-8-sig"
    assert {f.units["electricity"] for f in manifest.by_source("electricity")} == {
        "千瓦时", "万千瓦时"}
    stats = manifest.by_source("statistics")[0]
    assert len(stats.header_rows) == 2  # two-row merged header
    assert manifest.by_source("land")[0].units == {"land_area": "平方米"}
    for f in manifest.files:
        assert f.path.suffix == (".csv" if f.encoding else ".xlsx")


def test_quirks_are_in_the_files(manifest: ExportManifest, loaded: dict[Path, Intake],
                                 truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    raw = pd.concat([loaded[f.path].raw.frame.stack() for f in manifest.files])
    text = raw.astype(str)
    assert text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").any()  # thousands separators
    assert text.str.contains("[０-９]").any()  # full-width digits
    rows, _ = truth
    quirks = rows[rows["source"] != "registry"]
    share = quirks["code_quirk"].value_counts(normalize=True)
    assert 0.005 < share["missing"] < 0.05 and 0.003 < share["org_code"] < 0.03
    assert "typo" in share
    assert 0.05 < (quirks["name_quirk"] != "").mean() < 0.16
    org = quirks[quirks["code_quirk"] == "org_code"]
    written = org["code_written"].str.replace("-", "")
    assert (written.str.len() == 9).all()
    assert (written == org["uscc"].str.slice(8, 17)).all()
    typo = quirks[quirks["code_quirk"] == "typo"]
    diff = [sum(a != b for a, b in zip(w, u, strict=True))
            for w, u in zip(typo["code_written"], typo["uscc"], strict=True)]
    assert set(diff) == {1}
    # IDs with leading zeros survive as text
    for source, col in (("electricity", "account"), ("land", "parcel_no")):
        ids = pd.concat([loaded[f.path].frame[col] for f in manifest.by_source(source)])
        assert ids.str.startswith("0").all() and ids.notna().all()
    accounts = truth[1]["accounts"]
    assert (accounts > 1).mean() > 0.04 and (truth[1]["parcels"] > 1).mean() > 0.08


def test_truth_rows_cover_every_data_row(manifest: ExportManifest, loaded: dict[Path, Intake],
                                         truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rows, _ = truth
    assert len(rows) == manifest.rows
    for f in manifest.files:
        mine = rows[rows["file"] == f.path.name]
        assert (mine["sheet"] == (f.sheet or "")).all()
        frame = loaded[f.path].frame
        assert list(mine["row"]) == list(frame.index)
        clean = (mine["code_quirk"] == "").to_numpy()
        assert (frame["uscc"].to_numpy()[clean] == mine["uscc"].to_numpy()[clean]).all()
        wide = (mine["code_quirk"] == "fullwidth").to_numpy()
        assert (frame["uscc"].to_numpy()[wide] == mine["uscc"].to_numpy()[wide]).all()
        assert frame["uscc"].isna().sum() == (mine["code_quirk"] == "missing").sum()


@pytest.mark.parametrize(("source", "column"), [
    ("tax", "eval_tax"), ("tax", "revenue"), ("land", "land_area"),
    ("electricity", "electricity"), ("environment", "emissions"),
    ("statistics", "value_added"), ("statistics", "employees")])
def test_intake_sums_equal_the_truth(manifest: ExportManifest, loaded: dict[Path, Intake],
                                     truth: tuple[pd.DataFrame, pd.DataFrame], source: str,
                                     column: str) -> None:
    totals = truth[1]
    expected = totals[column]
    if source == "statistics":
        expected = expected[totals["size_class"] == "above"]
    if source == "tax" and column == "revenue":
        expected = expected[totals["eval_tax"].notna()]
    got = _sum(manifest, loaded, source, column)
    assert got == pytest.approx(float(expected.sum()), rel=1e-6)


def test_per_enterprise_electricity_over_accounts(manifest: ExportManifest,
                                                  loaded: dict[Path, Intake],
                                                  truth: tuple[pd.DataFrame, pd.DataFrame]
                                                  ) -> None:
    rows, totals = truth
    parts = []
    for f in manifest.by_source("electricity"):
        frame = loaded[f.path].frame
        mine = rows[rows["file"] == f.path.name].set_index("row")
        parts.append(pd.DataFrame({"uscc": mine.loc[frame.index, "uscc"].to_numpy(),
                                   "value": frame["electricity"].to_numpy()}))
    got = pd.concat(parts).groupby("uscc")["value"].sum()
    want = totals.set_index("uscc")["electricity"].dropna()
    assert set(got.index) == set(want.index)
    np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-9, atol=1e-9)


def test_columns_layout_of_environment(tables: dict, tmp_path: Path) -> None:
    small = {k: v for k, v in tables.items() if k != "events"}
    m = write_exports(small, tmp_path, SEED, YEAR, environment_layout="columns")
    env = m.by_source("environment")[0]
    intake = load(env.path, "environment")
    # each pollutant column is its own variable (issue 14), the total the stated 排放总量
    assert intake.columns["emission_cod"] == "COD(吨)"
    assert intake.columns["emission_nox"] == "NOx(吨)"
    assert not [q for q in intake.quality if q.rule == "pollutant_sum_mismatch"]
    want = pd.read_parquet(m.truth_totals)["emissions"].sum()
    assert float(intake.frame["emissions"].sum()) == pytest.approx(want, rel=1e-6)
    parts = intake.frame[["emission_cod", "emission_nh3n", "emission_so2", "emission_nox"]]
    assert float(parts.to_numpy().sum()) == pytest.approx(want, rel=1e-6)
    assert m.by_source("events")[0].data_rows == 0


def test_deterministic_per_seed(tables: dict, manifest: ExportManifest, tmp_path: Path) -> None:
    again = write_exports(tables, tmp_path / "a", SEED, YEAR, environment_layout="rows")
    other = write_exports(tables, tmp_path / "b", SEED + 1, YEAR, environment_layout="rows")
    for f, g in zip(manifest.files, again.files, strict=True):
        assert f.path.name == g.path.name
        if f.encoding:
            assert f.path.read_bytes() == g.path.read_bytes()
        else:
            pd.testing.assert_frame_equal(read_table(f.path).frame, read_table(g.path).frame)
    pd.testing.assert_frame_equal(pd.read_parquet(manifest.truth_rows),
                                  pd.read_parquet(again.truth_rows))
    assert not pd.read_parquet(manifest.truth_rows).equals(pd.read_parquet(other.truth_rows))


def test_names_differ_only_in_documented_ways(truth: tuple[pd.DataFrame, pd.DataFrame],
                                              manifest: ExportManifest,
                                              loaded: dict[Path, Intake]) -> None:
    rows, totals = truth
    names = totals.set_index("uscc")["name"]
    for f in manifest.files:
        mine = rows[rows["file"] == f.path.name]
        written = loaded[f.path].frame["name"].to_numpy()
        true = names.loc[mine["uscc"]].to_numpy()
        same = mine["name_quirk"].to_numpy() == ""
        assert (written[same] == true[same]).all()
        norm = [unicodedata.normalize("NFKC", str(w)).replace(" ", "") for w in written[~same]]
        assert all(n != t for n, t, q in zip(norm, true[~same], mine["name_quirk"][~same],
                                            strict=True) if q in ("no_prefix", "legal_form"))
