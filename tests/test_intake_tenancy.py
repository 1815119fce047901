"""Tenancies at intake: both parties linked, the land rules, the land-area list, event levels.

A hand-made county of five firms (real CSV and xlsx files written here) whose every expected
number is worked out by hand in the comments; then the generator's tenancy export, checked
against the canonical tenancies it was written from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tiangong.demo import generate
from tiangong.demo.exports import write_exports
from tiangong.identity import make_usccs
from tiangong.intake.assemble import IntakeResult, assemble
from tiangong.intake.severity import map_severity

YEAR = 2022
A, B, C, D, E = make_usccs(np.random.default_rng(7), 5, ["331003"])
NAMES = {A: "台州市黄岩东方塑料有限公司", B: "台州市黄岩南华模具有限公司",
         C: "台州市黄岩西林机械有限公司", D: "台州市黄岩北辰电子有限公司",
         E: "台州市黄岩中和阀门有限公司"}
TOWN = {A: ("331003001", "东城街道"), B: ("331003001", "东城街道"), C: ("331003002", "西城街道"),
        D: ("331003002", "西城街道"), E: ("331003003", "南城街道")}
GHOST = "台州市黄岩无名贸易有限公司"
TAX = {A: 30.0, B: 12.0, C: 6.0, D: 9.0, E: 10.0}  # 万元


def _csv(path: Path, lines: list[list[str]]) -> None:
    path.write_text("\n".join(",".join(r) for r in lines) + "\n", encoding="utf-8")


def _xlsx(path: Path, title: str, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    ws.append([title])
    for r in rows:
        ws.append(r)
    wb.save(path)


def write_county(folder: Path) -> Path:
    """名录, 税收, 宗地 (m²), 租赁 (m², one tenant written by name only, one unknown tenant),
    事件 with levels; row numbers in comments are the file rows intake reports."""
    folder.mkdir(parents=True, exist_ok=True)
    _csv(folder / "01_名录.csv", [["统一社会信用代码", "企业名称", "乡镇代码", "所属乡镇", "规模"]]
         + [[u, NAMES[u], *TOWN[u], "规上"] for u in NAMES])
    _csv(folder / "02_税收.csv", [["纳税人识别号", "纳税人名称", "年度", "实缴税金(万元)"]]
         + [[u, NAMES[u], str(YEAR), f"{TAX[u]:.2f}"] for u in NAMES])
    # A: two parcels 6000 + 4000 m² = 15 亩; C 2000 m² = 3 亩; D 3000 = 4.5; E 5000 = 7.5; B none
    parcels = [("0001", 2015, 2, A, "6000"), ("0002", 2016, 1, A, "4000"),
               ("0003", 2017, 3, C, "2000"), ("0004", 2018, 4, D, "3000"),
               ("0005", 2019, 5, E, "5000")]
    _csv(folder / "04_用地_宗地.csv",
         [["宗地号", "不动产权证号", "单位名称", "统一社会信用代码", "用地面积(平方米)"]]
         + [[no, f"浙({y})黄岩区不动产权第{k:07d}号", NAMES[u], u, m2]
            for no, y, k, u, m2 in parcels])
    # A lets 2000 m² (3 亩) to B and 1000 m² (1.5 亩) to C; E lets 500 m² (0.75 亩) to C, whose
    # code is left out (linked by name); row 6 names a tenant in no register.
    _xlsx(folder / "08_用地_租赁.xlsx", f"{YEAR}年度土地厂房出租情况", [
        ["出租方名称", "出租方统一社会信用代码", "承租方名称", "承租方统一社会信用代码",
         "租赁用地面积(平方米)", "租赁建筑面积(平方米)"],
        [NAMES[A], A, NAMES[B], B, 2000, 2500],  # row 3
        [NAMES[A], A, NAMES[C], C, "1,000", 1200],  # row 4
        [NAMES[E], E, NAMES[C], None, 500, 600],  # row 5
        [NAMES[D], D, GHOST, None, 300, 300],  # row 6
        ["合计", None, None, None, 3800, 4600]])
    _xlsx(folder / "07_事件.xlsx", f"{YEAR}年度企业违法违规事件", [
        ["企业名称", "统一社会信用代码", "事件类型", "等级", "发生日期"],
        [NAMES[C], C, "安全生产事故", "一般", "2022-03-01"],  # row 3
        [NAMES[A], A, "安全生产事故", "较大事故", "2022-04-01"],  # row 4
        [NAMES[D], D, "环境违法", "严重 ", "2022-05-01"],  # row 5
        [NAMES[E], E, "严重失信", "中等", "2022-06-01"],  # row 6: not a known level
        [NAMES[D], D, "违法用地", None, "2022-07-01"]])  # row 7: no level given
    return folder


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_county(tmp_path_factory.mktemp("county") / "exports")


def _intake(county: Path, tmp: Path, rule: str) -> IntakeResult:
    return assemble(county, YEAR, tmp / f"canonical_{rule}", land_rule=rule)


@pytest.fixture(scope="module")
def separate(county: Path, tmp_path_factory: pytest.TempPathFactory) -> IntakeResult:
    return _intake(county, tmp_path_factory.mktemp("separate"), "separate")


def test_both_parties_linked(separate: IntakeResult) -> None:
    got = pd.read_parquet(separate.out_dir / "tenancies.parquet")
    rows = {(r.landlord_uscc, r.tenant_uscc): (r.land_area, r.floor_area_m2)
            for r in got.itertuples()}
    assert set(rows) == {(A, B), (A, C), (E, C)}
    assert rows[(A, B)] == pytest.approx((3.0, 2500.0))
    assert rows[(A, C)] == pytest.approx((1.5, 1200.0))
    assert rows[(E, C)] == pytest.approx((0.75, 600.0))
    assert (got["year"] == YEAR).all()
    status = separate.record_status()
    lets = status[status["source"] == "tenancy"].set_index("row")
    assert lets.loc[6, "status"] == "tenant not linked"
    assert lets.loc[[3, 4, 5], "status"].tolist() == ["used"] * 3
    rec = separate.reconciliation.set_index("file").loc["08_用地_租赁.xlsx"]
    # every physical row: title, header, 4 lettings, the 合计 row; the tenant of row 6 is in no
    # register
    assert (rec["rows_read"], rec["rows_used"], rec["rows_quarantined"],
            rec["rows_excluded"]) == (7, 3, 1, 3)
    sheet = separate.review_sheet
    ghost = sheet[sheet["name_written"] == GHOST]
    assert ghost[["row", "role", "status"]].values.tolist() == [[6, "承租方", "未匹配"]]


def test_scheme_deducts_land_let_out_and_penalises_tenants(separate: IntakeResult) -> None:
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.scheme.loader import parse_scheme

    scheme = parse_scheme("""\
id: land_rule_test
name: 出租扣减测试
indicators:
  tax_per_net_mu:
    {label: 扣除出租后亩均税收, expr: eval_tax / (land_area - leased_out_area), unit: 万元/亩}
defaults: {missing: zero, zero_denominator: zero}
groups:
  - id: all
    label: 规上
    select: {size_class: [above]}
    items:
      - {indicator: tax_per_net_mu, method: ratio, weight: 100, benchmark: 1, floor: 0}
    penalties:
      - {id: tenants, label: 出租扣分, expr: tenant_count, per_unit: 5}
classification:
  classes: [{code: A, label: 优先发展类}, {code: B, label: 提升发展类}]
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""", "inline.yaml")
    res = {r["uscc"]: r for r in evaluate(scheme, separate.out_dir, YEAR).results.to_pylist()}
    # A: 30 / (15 - 4.5) × 100 = 285.714285…, 2 tenants × 5 = 10 points off
    assert res[A]["penalty"] == pytest.approx(10.0)
    assert res[A]["score"] == pytest.approx(3000 / 10.5 - 10)
    # E: 10 / (7.5 - 0.75) × 100 − 5; D lets nothing (its tenant is quarantined): 9 / 4.5 × 100
    assert res[E]["score"] == pytest.approx(1000 / 6.75 - 5)
    assert res[D]["score"] == pytest.approx(200.0)


def test_leased_rule(county: Path, tmp_path: Path) -> None:
    res = _intake(county, tmp_path, "leased")
    land = res.enterprises.set_index("uscc")["land_area"]
    # B has no parcel: evaluated on the 3 亩 it rents; C's 3 亩 of parcels ≥ its 2.25 rented
    assert land[B] == pytest.approx(3.0)
    assert land[C] == pytest.approx(3.0)
    assert land[A] == pytest.approx(15.0)
    adj = res.reconciliation.set_index(["source", "measure"]).loc[("land_rule", "land_area")]
    assert (adj["before"], adj["after"], adj["difference"]) == pytest.approx((30.0, 33.0, -3.0))
    assert [q.rule for q in res.quality if q.rule == "land_from_tenancy"] == ["land_from_tenancy"]


def test_merge_rule(county: Path, tmp_path: Path) -> None:
    res = _intake(county, tmp_path, "merge")
    ent = res.enterprises.set_index("uscc")
    assert set(ent.index) == {A, D, E}
    # A + B + C: tax 30 + 12 + 6; land 15 + (B: 0 beyond its 3 亩 rented) + (C: 3 − 1.5)
    assert ent.loc[A, "eval_tax"] == pytest.approx(48.0)
    assert ent.loc[A, "land_area"] == pytest.approx(16.5)
    ten = pd.read_parquet(res.out_dir / "tenancies.parquet")
    assert list(zip(ten["landlord_uscc"], ten["tenant_uscc"], strict=True)) == [(E, C)]
    merged = pd.read_csv(res.out_dir / "merged_tenants.csv", dtype=str, encoding="utf-8-sig")
    assert sorted(zip(merged["承租方统一社会信用代码"], merged["并入出租方统一社会信用代码"],
                      strict=True)) == sorted([(B, A), (C, A)])
    events = pd.read_parquet(res.out_dir / "events.parquet")
    assert C not in set(events["uscc"])  # C's accident counts for A now
    assert (events["uscc"] == A).sum() == 2
    adj = res.reconciliation.set_index(["source", "measure"])
    assert adj.loc[("land_rule", "eval_tax"), "reasons"].startswith("2 tenants merged")
    assert adj.loc[("land_rule", "eval_tax"), "difference"] == pytest.approx(0.0)
    land = pd.read_excel(res.out_dir / f"land_list_{YEAR}.xlsx", header=2)
    land = land.set_index("统一社会信用代码")
    assert land.loc[A, "备注"] == "含并入合并评价的承租方 2 户"
    assert land.loc[B, "备注"] == f"并入出租方 {NAMES[A]}({A}) 合并评价"
    assert land.loc[A, "评价用地面积(亩)"] == pytest.approx(16.5)
    # 15 + 3 + 4.5 + 7.5 = 30 亩 before; 16.5 + 4.5 + 7.5 after: the 1.5 亩 C rents from A was
    # both A's parcel and C's
    assert adj.loc[("land_rule", "land_area"), "difference"] == pytest.approx(1.5)


def test_land_list(separate: IntakeResult) -> None:
    path = separate.out_dir / f"land_list_{YEAR}.xlsx"
    sheet = pd.read_excel(path, sheet_name="用地面积公示", header=2,
                          dtype={"统一社会信用代码": str})
    assert sheet.columns[:5].tolist() == ["序号", "统一社会信用代码", "企业名称", "乡镇(街道)",
                                          "宗地数"]
    # sorted by town code, then code
    expected = sorted(NAMES, key=lambda u: (TOWN[u][0], u))
    assert sheet["统一社会信用代码"].tolist() == expected
    row = sheet.set_index("统一社会信用代码")
    assert row.loc[A, "宗地数"] == 2
    assert row.loc[A, "不动产权证号"] == ("浙(2015)黄岩区不动产权第0000002号、"
                                      "浙(2016)黄岩区不动产权第0000001号")
    assert row.loc[A, "宗地面积(亩)"] == pytest.approx(15.0)
    assert row.loc[A, "出租用地面积(亩)"] == pytest.approx(4.5)
    assert row.loc[A, "承租户数"] == 2
    assert row.loc[C, "租入用地面积(亩)"] == pytest.approx(2.25)
    assert row.loc[B, "宗地数"] == 0 and np.isnan(row.loc[B, "评价用地面积(亩)"])
    assert row.loc[E, "评价用地面积(亩)"] == pytest.approx(7.5)


def test_outputs_are_deterministic(county: Path, tmp_path: Path) -> None:
    names = (f"land_list_{YEAR}.xlsx", f"review_{YEAR}.xlsx", "tenancies.parquet")
    first = _intake(county, tmp_path, "merge")
    before = {n: (first.out_dir / n).read_bytes() for n in names}
    again = _intake(county, tmp_path, "merge")  # the same folder, replaced
    for name in names:
        assert (again.out_dir / name).read_bytes() == before[name], name


def test_event_levels(separate: IntakeResult) -> None:
    ev = separate.events.set_index(["uscc", "event_type"])["severity"]
    assert ev[(C, "safety_accident")] == "general"
    assert ev[(A, "safety_accident")] == "major"
    assert ev[(D, "env_violation")] == "major"
    assert pd.isna(ev[(E, "credit_default")])
    assert pd.isna(ev[(D, "illegal_land_use")])
    bad = [q for q in separate.quality if q.rule == "unknown_severity"]
    assert [(Path(q.file).name, q.row, q.column, q.value) for q in bad] == [
        ("07_事件.xlsx", 6, "等级", "中等")]


def test_severity_words() -> None:
    words = pd.Series(["一般", "较大事故", "重大", "特别重大事故", "严重违法", " 严重失信 ",
                       "一般违法行为", "ＭＡＪＯＲ", "中等", "", None])
    assert map_severity(words).tolist() == ["general", "major", "major", "major", "major",
                                            "major", "general", "major", None, None, None]


def test_floor_area_in_another_unit_is_not_loaded(county: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(county, exports)
    wb = openpyxl.load_workbook(exports / "08_用地_租赁.xlsx")
    ws = wb.active
    assert ws is not None
    ws.cell(row=2, column=6).value = "租赁建筑面积(亩)"
    wb.save(exports / "08_用地_租赁.xlsx")
    res = assemble(exports, YEAR, tmp_path / "out")
    assert res.tenancies["floor_area_m2"].isna().all()
    assert [q.rule for q in res.quality if q.column == "租赁建筑面积(亩)"] == ["floor_area_unit"]


def test_lease_outside_the_year_is_quarantined(county: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(county, exports)
    wb = openpyxl.load_workbook(exports / "08_用地_租赁.xlsx")
    ws = wb.active
    assert ws is not None
    ws.cell(row=2, column=7).value = "租赁到期日期"
    ws.cell(row=5, column=7).value = f"{YEAR - 1}-06-30"  # E → C ended last year
    ws.cell(row=3, column=7).value = f"{YEAR + 3}年12月31日"
    wb.save(exports / "08_用地_租赁.xlsx")
    res = assemble(exports, YEAR, tmp_path / "out")
    pairs = set(zip(res.tenancies["landlord_uscc"], res.tenancies["tenant_uscc"], strict=True))
    assert pairs == {(A, B), (A, C)}
    status = res.record_status().set_index(["source", "row"])
    assert status.loc[("tenancy", 5), "status"] == "tenancy outside the year"


def test_generated_tenancy_export(tmp_path: Path) -> None:
    tables = generate(600, 21, year=YEAR, years=1)
    manifest = write_exports(tables, tmp_path / "exports", 21, YEAR)
    [tenancy_file] = manifest.by_source("tenancy")
    assert tenancy_file.units == {"land_area": "平方米", "floor_area_m2": "平方米"}
    truth = tables["tenancies"].to_pandas()
    rows = pd.read_parquet(manifest.truth_rows)
    mine = rows[rows["source"] == "tenancy"]
    assert len(mine) == len(truth) == tenancy_file.data_rows > 10
    assert (mine["tenant_uscc"].notna()).all()
    res = assemble(manifest.out_dir, YEAR, tmp_path / "canonical")
    status = res.record_status()
    used = mine.merge(status, on=["file", "row"], suffixes=("_true", ""))
    used = used[used["status"] == "used"]
    assert len(used) >= 0.9 * len(mine)
    assert (used["uscc"] == used["uscc_true"]).all()  # the landlord
    got = res.tenancies.merge(truth, on=["landlord_uscc", "tenant_uscc"], suffixes=("", "_true"))
    assert len(got) == len(res.tenancies)  # every pair intake wrote is a true letting
    np.testing.assert_allclose(got["land_area"], got["land_area_true"], atol=1e-4)
    np.testing.assert_allclose(got["floor_area_m2"], got["floor_area_m2_true"])
    assert len(res.tenancies) >= 0.9 * len(truth)
