"""Awards: top k per peer group per year, membership by year, ties and streaks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tiangong.errors import DataError
from tiangong.regions import AwardConfig, PeerGroup, award, read_regions, tiangong_ding
from tiangong.regions.awards import history_from_winners
from tiangong.regions.divisions import ZHEJIANG_MOUNTAIN_VERSIONS, Regions

DATA = Path("/work/shared/data")


@pytest.fixture
def regions() -> Regions:
    # 330127 is a mountain county until 2023 and not from 2024; 330182 the other way round
    table = pd.DataFrame({
        "code": ["330100", "330200", "330300", "330102", "330105", "330127", "330182",
                 "330203"],
        "name": ["杭州市", "宁波市", "温州市", "上城区", "拱墅区", "淳安县", "建德市", "海曙区"],
        "level": ["city"] * 3 + ["county"] * 5,
        "parent_code": ["330000"] * 3 + ["330100"] * 4 + ["330200"],
        "m2021": [None, None, None, 0, 0, 1, 0, 1],
        "m2024": [None, None, None, 0, 0, 0, 1, 1],
    })
    return read_regions(table, versions={"mountain": [("m2021", 2021), ("m2024", 2024)]})


def config(**kw: object) -> AwardConfig:
    spec = {
        "name": "鼎", "measure": "score", "streak": 3, "streak_award": "金鼎",
        "groups": [
            {"id": "city", "k": 1, "level": "city"},
            {"id": "plain", "k": 1, "level": "county", "exclude": {"mountain": 1}},
            {"id": "mountain", "k": 1, "level": "county", "where": {"mountain": "是"}},
        ],
        **kw,
    }
    return AwardConfig.from_dict(spec)


def scores(rows: dict[int, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"region_code": c, "year": y, "score": s}
                         for y, by in rows.items() for c, s in by.items()])


def winners(out: pd.DataFrame, year: int, group: str) -> list[str]:
    sel = out[(out["year"] == year) & (out["peer_group"] == group) & out["awarded"]]
    return sel["region_code"].tolist()


def test_membership_changes_by_year(regions: Regions) -> None:
    s = scores({2023: {"330102": 50, "330105": 40, "330127": 90, "330182": 80, "330203": 10},
                2024: {"330102": 50, "330105": 40, "330127": 90, "330182": 80, "330203": 10}})
    out = award(s, regions, config())
    # 2023: mountain = 330127, 330203 → 330127 wins; plain = 330102, 330105, 330182 → 330182
    assert winners(out, 2023, "mountain") == ["330127"]
    assert winners(out, 2023, "plain") == ["330182"]
    # 2024: 330127 left the list (plain, 90 wins), 330182 joined (mountain, 80 wins)
    assert winners(out, 2024, "plain") == ["330127"]
    assert winners(out, 2024, "mountain") == ["330182"]
    m24 = out[(out["year"] == 2024) & (out["peer_group"] == "mountain")]
    assert m24["region_code"].tolist() == ["330182", "330203"]
    assert m24["n_peers"].tolist() == [2, 2]
    assert out["region_name"].iloc[0] is not None


def test_ties_at_the_kth_place(regions: Regions) -> None:
    s = scores({2022: {"330100": 7.0, "330200": 7.0, "330300": 5.0}})
    strict = award(s, regions, config())
    assert winners(strict, 2022, "city") == ["330100"]  # equal values: lower code first
    rows = strict[strict["peer_group"] == "city"]
    assert rows["rank"].tolist() == [1, 2, 3]
    assert rows["rank_tied"].tolist() == [1, 1, 3]
    inclusive = award(s, regions, config(ties="include"))
    assert winners(inclusive, 2022, "city") == ["330100", "330200"]
    lower = award(s, regions, config(higher_is_better=False))
    assert winners(lower, 2022, "city") == ["330300"]


def test_streaks_continue_or_reset(regions: Regions) -> None:
    years = range(2019, 2027)
    # 杭州 wins every year 2019–2026 except 2022; 宁波 wins 2022
    s = scores({y: {"330100": 2.0 if y != 2022 else 1.0, "330200": 1.5} for y in years})
    out = award(s, regions, config())
    hz = out[out["region_code"] == "330100"].set_index("year")
    assert hz["streak"].tolist() == [1, 2, 3, 0, 1, 2, 3, 4]
    assert hz["streak_award"].tolist() == [False, False, True, False, False, False, True, True]
    reset = award(s, regions, config(after_streak="reset", streak=2)).query(
        "region_code == '330100'").set_index("year")
    assert reset["streak_award"].tolist() == [False, True, False, False, False, True, False,
                                              True]


def test_history_seeds_streaks(regions: Regions) -> None:
    s = scores({2024: {"330100": 3.0, "330200": 2.0}})
    history = pd.DataFrame({"region_code": ["330100", "330100", "330200"],
                            "year": [2022, 2023, 2022]})
    out = award(s, regions, config(), history=history).set_index("region_code")
    assert out.loc["330100", "streak"] == 3
    assert bool(out.loc["330100", "streak_award"])
    assert out.loc["330200", "streak"] == 0  # not awarded in 2024


def test_bad_config_is_reported_in_full() -> None:
    with pytest.raises(DataError) as info:
        AwardConfig(groups=(PeerGroup("a", 0), PeerGroup("a", 1)), ties="coin",
                    after_streak="never")
    assert len(info.value.problems) == 4


def test_missing_measure_is_a_data_error(regions: Regions) -> None:
    with pytest.raises(DataError, match="score"):
        award(pd.DataFrame({"region_code": ["330100"], "year": [2022]}), regions, config())


def test_tiangong_ding_preset() -> None:
    ding = tiangong_ding()
    assert [(g.id, g.k, g.level) for g in ding.groups] == [
        ("city", 6, "city"), ("county", 20, "county"), ("mountain", 6, "county")]
    assert (ding.streak, ding.streak_award) == (3, "金鼎")


@pytest.mark.skipif(not (DATA / "tiangong_ding_winners.csv").exists()
                    or not (DATA / "zhejiang_divisions.csv").exists(),
                    reason="shared Zhejiang award and division files not present")
def test_published_gold_list_follows_from_the_streak_rule() -> None:
    regs = read_regions(DATA / "zhejiang_divisions.csv", versions=ZHEJIANG_MOUNTAIN_VERSIONS)
    published = pd.read_csv(DATA / "tiangong_ding_winners.csv", dtype=str)
    gold = published[(published["eval_year"] == "2024")
                     & published["level"].str.contains("金鼎")]["region_code"].tolist()
    history = history_from_winners(published[published["eval_year"] != "2024"])
    # a made-up 2024 score where the 20 gold holders lead; k = their count per group
    units = regs.units[regs.units["level"].isin(["city", "county"])]
    s = pd.DataFrame({"region_code": units["code"], "year": 2024,
                      "score": units["code"].isin(gold).map({True: 100.0, False: 1.0})})
    m2024 = regs.attribute("mountain_county", [2024])
    in_mountain = set(m2024[m2024["value"] == "1"]["code"])
    n_mountain = sum(c in in_mountain for c in gold)
    n_city = int(units[units["code"].isin(gold)]["level"].eq("city").sum())
    ding = tiangong_ding()
    sized = AwardConfig(groups=(
        PeerGroup("city", n_city, level="city"),
        PeerGroup("county", len(gold) - n_city - n_mountain, level="county",
                  exclude={"mountain_county": 1}),
        PeerGroup("mountain", n_mountain, level="county", where={"mountain_county": 1})),
        streak=ding.streak, streak_award=ding.streak_award)
    out = award(s, regs, sized, history=history)
    assert (n_city, n_mountain) == (6, 2)  # 柯城 left the list in 2024: plain group then
    assert sorted(out[out["streak_award"]]["region_code"]) == sorted(gold)


def test_award_command_ranks_peers_and_gives_the_streak_award(tmp_path) -> None:
    from typer.testing import CliRunner

    from tiangong.cli.main import app

    rows = ["region_code,year,score"]
    for year in (2022, 2023, 2024):
        rows += [f"330101,{year},90", f"330102,{year},{80 + year - 2022}", f"330103,{year},70"]
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "award.yaml").write_text(
        "name: 示例奖\nmeasure: score\nstreak: 3\nstreak_award: 金奖\n"
        "groups:\n  - {id: all, k: 1, label: 全部}\n", encoding="utf-8")
    result = CliRunner().invoke(app, [
        "award", "--config", str(tmp_path / "award.yaml"), "--scores",
        str(tmp_path / "scores.csv"), "--years", "2022-2024", "--out",
        str(tmp_path / "awards.csv")])
    assert result.exit_code == 0, result.output
    # 330101 scores 90 every year and wins all three; the third win in a row is the 金奖
    assert "2022 示例奖 all: 330101" in result.output
    assert "2024 金奖: 330101" in result.output and "2023 金奖" not in result.output


def test_award_command_writes_a_real_workbook_for_xlsx(tmp_path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from tiangong.cli.main import app

    rows = ["region_code,year,score", "330101,2024,90", "330102,2024,80"]
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "award.yaml").write_text(
        "name: 示例奖\nmeasure: score\ngroups:\n  - {id: all, k: 1, label: 全部}\n",
        encoding="utf-8")
    out = tmp_path / "awards.xlsx"
    result = CliRunner().invoke(app, [
        "award", "--config", str(tmp_path / "award.yaml"), "--scores",
        str(tmp_path / "scores.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    body = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(
        min_row=2)]
    assert {r["region_code"] for r in body} == {"330101", "330102"}
    assert [r["region_code"] for r in body if r["awarded"]] == ["330101"]


@pytest.mark.skipif(not (DATA / "zhejiang_divisions.csv").exists(),
                    reason="shared Zhejiang division file not present")
def test_award_command_uses_the_mountain_list_in_force_each_year(tmp_path) -> None:
    # The shared divisions table holds three versions of the 山区26县 list: mountain_county
    # (2021), shanhai_2024 and shanhai_2025. 柯城区 330802 is on the 2021 list only; 江山市
    # 330881 on the 2021 and 2024 lists; 上城区 330102 on none. With the default 天工鼎 config
    # the counties' peer group must follow the list of the award year.
    from typer.testing import CliRunner

    from tiangong.cli.main import app

    rows = ["region_code,year,score"] + [f"{c},{y},{s}" for y in (2023, 2024, 2025)
                                         for c, s in (("330802", 3), ("330881", 2),
                                                      ("330102", 1))]
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "awards.csv"
    result = CliRunner().invoke(app, [
        "award", "--scores", str(tmp_path / "scores.csv"), "--regions",
        str(DATA / "zhejiang_divisions.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"region_code": str})
    group = {(r.region_code, r.year): r.peer_group for r in table.itertuples()}
    assert group == {
        ("330802", 2023): "mountain", ("330881", 2023): "mountain", ("330102", 2023): "county",
        ("330802", 2024): "county", ("330881", 2024): "mountain", ("330102", 2024): "county",
        ("330802", 2025): "county", ("330881", 2025): "county", ("330102", 2025): "county"}


def test_award_without_the_mountain_list_says_what_is_missing(tmp_path, monkeypatch,
                                                                capsys) -> None:
    from tiangong.cli.main import main

    (tmp_path / "scores.csv").write_text("region_code,year,score\n330802,2024,3\n",
                                         encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["tiangong", "award", "--scores",
                                     str(tmp_path / "scores.csv"), "--out",
                                     str(tmp_path / "a.csv")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    text = capsys.readouterr().err.replace("\n", "")
    assert "mountain_county" in text and "--regions" in text and "shanhai_2024" in text
    assert "Traceback" not in text
    assert not (tmp_path / "a.csv").exists()


def test_a_region_missing_from_the_list_is_named(regions: Regions) -> None:
    # 330106 is a county by its code but not in the regions table: is it a 山区 county or not?
    # The award cannot tell, and says so instead of putting it in the plain group.
    s = scores({2024: {"330102": 50, "330106": 40}})
    regs = regions.with_codes(["330106"])
    with pytest.raises(DataError) as err:
        award(s, regs, config())
    assert "330106（2024年）" in str(err.value)
    # a where-filter that accepts a missing value places it without complaint
    lenient = config(groups=[{"id": "plain", "k": 1, "level": "county",
                              "where": {"mountain": [0, None]}}])
    assert set(award(s, regs, lenient)["region_code"]) == {"330102", "330106"}
