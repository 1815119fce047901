"""The review loop end to end on real files: intake → analyst fills review_<year>.xlsx →
`tiangong review` → intake again (this year) → next year's exports reuse the decisions.

The generator's exports are made harder on purpose (records written with another firm's valid
code, names no matcher can place, a firm that is in no register), the analyst's decisions are
taken from the generator's truth in _truth/, and two entries are wrong on purpose (two
decisions in one row, a valid code that is in no register) besides one left empty.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.demo import generate
from tiangong.demo.exports import ExportManifest, write_exports
from tiangong.errors import DataError
from tiangong.identity import make_usccs
from tiangong.identity.crosswalk import load_crosswalk
from tiangong.identity.names import parse_names, trade_similarity
from tiangong.intake.assemble import REASON_REJECTED, IntakeResult, assemble
from tiangong.intake.candidates import candidates
from tiangong.intake.review import apply_review

SEED = 9
GHOST = "宁波市海曙远方贸易商行"  # in no register: the analyst rejects it
ODD = ("甲乙丙丁", "戊己庚辛", "壬癸子丑", "寅卯辰巳", "午未申酉", "戌亥天地")  # unplaceable trades


def _read_csv(path: Path) -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(path.read_bytes().decode("gbk"),
                                                    newline=""))]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))


@dataclass
class Case:
    file: str
    row: int
    uscc: str  # the truth
    kind: str  # mismatch | odd | both | unknown | pending | ghost
    name: str = ""
    code: str = ""


def _tamper(manifest: ExportManifest, cases: list[Case]) -> None:
    """Write each case's name and code into its row of the tax CSVs (GBK), and the ghost."""
    for file in sorted({c.file for c in cases}):
        path = manifest.out_dir / file
        rows = _read_csv(path)
        for c in cases:
            if c.file == file and c.kind != "ghost":
                rows[c.row - 1][0], rows[c.row - 1][1] = c.code, c.name
        year = manifest.year
        ghost = [c for c in cases if c.file == file and c.kind == "ghost"]
        if ghost:
            total = next(i for i, r in enumerate(rows) if r and r[0] == "合计")
            rows.insert(total, ["", GHOST, str(year), "12.00", "34.00"])
            ghost[0].row = total + 1
        _write_csv(path, rows)


def _plan(manifest: ExportManifest) -> list[Case]:
    truth = pd.read_parquet(manifest.truth_rows)
    totals = pd.read_parquet(manifest.truth_totals)
    tax = truth[(truth["source"] == "tax") & (truth["code_quirk"] == "")
                & (truth["name_quirk"] == "")].sort_values(["file", "row"])
    names = totals.set_index("uscc")["name"]
    trades = parse_names(totals["name"])["trade"]
    picks = tax.iloc[np.linspace(0, len(tax) - 1, 10).astype(int)]
    cases = []
    kinds = ["mismatch"] * 3 + ["odd"] * 3 + ["both", "unknown", "pending"]
    for (_, r), kind in zip(picks.iterrows(), kinds, strict=False):
        name = str(names[r["uscc"]])
        if kind == "mismatch":  # another firm's valid code, with a plainly different trade name
            # and a name that is no roster firm's exactly (a 分厂 of it): the exact name of
            # another firm would decide by itself (issue 14), this one needs the analyst
            mine = parse_names(pd.Series([name]))["trade"].iat[0]
            name = name + "分厂"
            other = next(u for u, t in zip(totals["uscc"], trades, strict=True)
                         if u != r["uscc"] and trade_similarity(mine, t) < 0.3)
            cases.append(Case(r["file"], int(r["row"]), r["uscc"], kind, name, other))
        else:
            odd = ODD[len(cases) - 3]
            cases.append(Case(r["file"], int(r["row"]), r["uscc"], kind,
                              f"台州市黄岩{odd}贸易有限公司", ""))
    cases.append(Case(str(picks["file"].iat[0]), 0, "", "ghost", GHOST))
    return cases


@dataclass
class Setup:
    root: Path
    m22: ExportManifest
    m23: ExportManifest
    cases: list[Case]
    first: IntakeResult


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    root = tmp_path_factory.mktemp("review")
    tables = generate(400, SEED, year=2023, years=2)
    m22 = write_exports(tables, root / "exports_2022", SEED, 2022)
    m23 = write_exports(tables, root / "exports_2023", SEED, 2023)
    cases = _plan(m22)
    _tamper(m22, cases)
    first = assemble(m22.out_dir, 2022, root / "canonical_2022",
                     crosswalk=root / "crosswalk.parquet")
    return Setup(root, m22, m23, cases, first)


def _sheet_rows(result: IntakeResult) -> dict[tuple[str, int], pd.Series]:
    return {(r["file"], int(r["row"])): r for _, r in result.review_sheet.iterrows()}


def test_review_sheet_lists_the_uncertain_records(setup: Setup) -> None:
    rows = _sheet_rows(setup.first)
    for c in setup.cases:
        assert (c.file, c.row) in rows, c
        r = rows[(c.file, c.row)]
        assert r["status"] == ("待确认" if c.kind == "mismatch" else "未匹配")
        if c.kind == "mismatch":  # proposal: the firm whose code was written; the truth next
            assert r["cand1_uscc"] == c.code and r["flag"].startswith("代码有效")
            assert c.uscc in {r["cand2_uscc"], r["cand3_uscc"]}
    book = openpyxl.load_workbook(setup.first.out_dir / "review_2022.xlsx")
    header = [c.value for c in book["待审核"][1]]
    for h in ("原始名称", "原始代码", "候选1名称", "候选1代码", "候选1乡镇", "置信度",
              "决定：确认候选(填1、2或3)", "决定：改为统一社会信用代码",
              "决定：不是本地企业(填“是”)"):
        assert h in header
    status = setup.first.record_status()
    linked = status[(status["status"] == "used") & (status["source"] != "registry")]
    assert linked["method"].isin(["uscc", "org_code", "name_exact", "probabilistic"]).all()


def _fill(setup: Setup, path: Path) -> dict[str, int]:
    """Decide from the truth; return the workbook row of each special case."""
    book = openpyxl.load_workbook(path)
    ws = book["待审核"]
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    fake = make_usccs(np.random.default_rng(3), 1, ["110105"])[0]  # valid, in no register
    by_row = {(c.file, c.row): c for c in setup.cases}
    special: dict[str, int] = {}
    for n in range(2, ws.max_row + 1):
        key = (ws.cell(n, col["文件"]).value, int(ws.cell(n, col["行号"]).value or 0))
        case = by_row.get(key)  # type: ignore[arg-type]
        if case is None:
            continue  # uncertain records of the generator's own: left pending
        cands = [ws.cell(n, col[f"候选{i}代码"]).value for i in (1, 2, 3)]
        accept, other = col["决定：确认候选(填1、2或3)"], col["决定：改为统一社会信用代码"]
        reject = col["决定：不是本地企业(填“是”)"]
        if case.kind in ("mismatch", "odd"):
            if case.uscc in cands:
                ws.cell(n, accept).value = str(cands.index(case.uscc) + 1)
            else:
                ws.cell(n, other).value = case.uscc
            ws.cell(n, col["审核人"]).value = "王分析"
        elif case.kind == "ghost":
            ws.cell(n, reject).value = "是"
        elif case.kind == "both":
            ws.cell(n, accept).value = "1"
            ws.cell(n, other).value = case.uscc
        elif case.kind == "unknown":
            ws.cell(n, other).value = fake
        special[case.kind] = n
    book.save(path)
    return special


@pytest.fixture(scope="module")
def reviewed(setup: Setup) -> tuple[Setup, dict[str, int], str]:
    path = setup.first.out_dir / "review_2022.xlsx"
    special = _fill(setup, path)
    res = CliRunner().invoke(app, ["review", str(path), "--by", "李科长"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return setup, special, res.output + f"\nexit={res.exit_code}"


def test_review_reports_bad_entries_and_stores_the_rest(
        reviewed: tuple[Setup, dict[str, int], str]) -> None:
    setup, special, output = reviewed
    assert output.endswith("exit=1")
    path = setup.first.out_dir / "review_2022.xlsx"
    assert f"{path}:{special['both']} [决定：确认候选(填1、2或3)]: more than one decision" in output
    assert f"{path}:{special['unknown']} [决定：改为统一社会信用代码]: unknown USCC" in output
    assert "6 record(s) linked and 1 rejected" in output
    cw = load_crosswalk(setup.root / "crosswalk.parquet")
    assert len(cw) == 7
    assert set(cw["decision"]) == {"link", "reject"}
    linked = cw[cw["decision"] == "link"]
    assert set(linked["uscc"]) == {c.uscc for c in setup.cases if c.kind in ("mismatch", "odd")}
    assert set(linked["decided_by"]) == {"王分析"}
    assert cw.loc[cw["decision"] == "reject", "decided_by"].tolist() == ["李科长"]
    assert cw["decided_at"].str.match(r"\d{4}-\d\d-\d\dT").all()
    assert cw["origin"].str.startswith("review_2022.xlsx:").all()


def test_intake_again_uses_the_decisions(reviewed: tuple[Setup, dict[str, int], str]) -> None:
    setup = reviewed[0]
    out = setup.root / "canonical_2022"
    res = CliRunner().invoke(app, ["intake", str(setup.m22.out_dir), "--year", "2022",
                                   "--out", str(out)])  # default crosswalk: next to --out
    # records still undecided stay quarantined, and the tax files' 合计 rows no longer match
    # their rows after the setup added records: both need attention, so exit status 1
    assert res.exit_code == 1, res.output
    assert "needs attention" in res.output and "合计行与明细不符" in res.output
    assert "crosswalk" in res.output and (out / "enterprises.parquet").is_file()
    again = assemble(setup.m22.out_dir, 2022, setup.root / "check_2022",
                     crosswalk=setup.root / "crosswalk.parquet")
    rows = again.record_status().set_index(["file", "row"])
    for c in setup.cases:
        got = rows.loc[(c.file, c.row)]
        if c.kind in ("mismatch", "odd"):
            assert (got["status"], got["uscc"], got["method"]) == ("used", c.uscc, "crosswalk")
        elif c.kind == "ghost":
            assert got["status"] == REASON_REJECTED
        else:  # invalid or empty decisions stay pending
            assert got["status"] != "used"
            assert (c.file, c.row) in _sheet_rows(again)
    ent = again.enterprises.set_index("uscc")
    first = setup.first.enterprises.set_index("uscc")
    moved = {c.uscc for c in setup.cases if c.kind in ("mismatch", "odd")}
    assert all(ent.loc[u, "eval_tax"] > np.nan_to_num(first.loc[u, "eval_tax"]) for u in moved)
    assert any(q.rule == "quarantined_rejected_in_review_(not_a_local_firm)"
               for q in again.quality)


def test_next_year_reuses_the_decisions(reviewed: tuple[Setup, dict[str, int], str]) -> None:
    setup = reviewed[0]
    truth = pd.read_parquet(setup.m23.truth_rows)
    tax = truth[truth["source"] == "tax"].set_index("uscc")
    cases = []
    for c in setup.cases:
        if c.kind in ("mismatch", "odd") and c.uscc in tax.index:
            where = tax.loc[c.uscc]
            cases.append(Case(str(where["file"]), int(where["row"]), c.uscc, c.kind, c.name,
                              c.code))
    cases.append(Case(sorted(set(tax["file"]))[0], 0, "", "ghost", GHOST))
    assert len(cases) >= 5
    _tamper(setup.m23, cases)
    res = assemble(setup.m23.out_dir, 2023, setup.root / "canonical_2023",
                   crosswalk=setup.root / "crosswalk.parquet")
    rows = res.record_status().set_index(["file", "row"])
    for c in cases:
        got = rows.loc[(c.file, c.row)]
        if c.kind == "ghost":
            assert got["status"] == REASON_REJECTED
        else:
            assert (got["status"], got["uscc"], got["method"]) == ("used", c.uscc, "crosswalk")
    assert not {(c.file, c.row) for c in cases} & set(_sheet_rows(res))


def test_review_of_an_unfilled_workbook_stores_nothing(setup: Setup, tmp_path: Path) -> None:
    out = assemble(setup.m22.out_dir, 2022, tmp_path / "canonical",
                   crosswalk=tmp_path / "cw.parquet")
    outcome = apply_review(out.out_dir / "review_2022.xlsx")
    assert outcome.crosswalk_path == (tmp_path / "cw.parquet").resolve()
    assert outcome.stored.empty and not outcome.problems
    assert len(outcome.pending) == len(out.review_sheet) > 0
    assert not (tmp_path / "cw.parquet").exists()


def test_candidates_put_the_proposal_first_then_the_closest_names() -> None:
    firms = generate(3000, 4, year=2022, years=1)["enterprises"].to_pandas()
    roster = firms[["uscc", "name", "town_name"]]
    sample = firms.iloc[::150]
    written = sample["name"].str.replace("有限公司", "").str.replace("台州市", "")
    proposal = pd.Series([firms["uscc"].iat[0]] + [None] * (len(sample) - 1))
    picks = candidates(written.reset_index(drop=True), proposal, roster)
    assert picks[0][0] == 0
    codes = roster["uscc"].to_numpy()
    found = [u in set(codes[p]) for u, p in zip(sample["uscc"], picks, strict=True)]
    assert all(found) and all(len(p) == 3 for p in picks)


def test_two_rows_deciding_one_record_differently(setup: Setup, tmp_path: Path) -> None:
    out = assemble(setup.m22.out_dir, 2022, tmp_path / "canonical",
                   crosswalk=tmp_path / "cw.parquet")
    path = out.out_dir / "review_2022.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["待审核"]
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    copy = ws.max_row + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(copy, c).value = ws.cell(2, c).value
    ws.cell(2, col["决定：确认候选(填1、2或3)"]).value = "1"
    ws.cell(copy, col["决定：不是本地企业(填“是”)"]).value = "是"
    book.save(path)
    outcome = apply_review(path)
    assert [(q.line, q.field) for q in outcome.problems] == [(2, "记录键(勿改)"),
                                                             (copy, "记录键(勿改)")]
    assert outcome.stored.empty and not (tmp_path / "cw.parquet").exists()


def test_review_of_a_foreign_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "待审核"
    ws.append(["企业名称", "决定"])
    book.save(path)
    with pytest.raises(DataError, match="not a review workbook") as err:
        apply_review(path)
    assert f"{path}:1 [决定：确认候选(填1、2或3)]: column" in str(err.value)
