"""`tiangong regions`: regional totals, ratios, class shares and ranks from a stored run, joined
with regional indicator tables, and the regional report (class-share bars, map, HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tiangong.cli.common import FormatOpt, StoreOpt, open_store, out, print_rows

if TYPE_CHECKING:
    import pandas as pd

    from tiangong.regions import JoinReport

regions_app = typer.Typer(help="Aggregate enterprise results to towns, counties and cities; "
                          "join regional indicators; draw the regional report.",
                          no_args_is_help=True, rich_markup_mode=None)


LevelOpt = Annotated[str, typer.Option(
    help="town, county, city, province, or a region attribute (e.g. mountain_county); "
         "default town in every command.")]
RegionsOpt = Annotated[Path | None, typer.Option(
    help="Regions table (CSV/xlsx: code, name, level, parent, attributes); default: derived "
         "from the codes.")]
PriorOpt = Annotated[str | None, typer.Option(help="An earlier run for year-on-year change.")]
IndicatorsOpt = Annotated[Path | None, typer.Option(
    help="Regional indicator table (xlsx/CSV, one row per region and year, region by code or "
         "name) to join to the aggregates on region code and year.")]
IndicatorsYearOpt = Annotated[int | None, typer.Option(
    help="Year of every row of the indicator table, when it has no year column.")]
JoinOpt = Annotated[str, typer.Option(
    "--join", help="left: the run's regions only (other rows of the table are listed); outer: "
                   "also the table's other rows, with empty aggregates.")]


def _table(run: str, level: str, regions: Path | None, prior_run: str | None,
           indicators: Path | None, indicators_year: int | None, join: str,
           store: Path | None) -> tuple[pd.DataFrame, JoinReport | None, str]:
    """The aggregate of a stored run, joined with the indicator table if one is given."""
    from tiangong.errors import TiangongError
    from tiangong.regions import aggregate_run, aggregate_with_indicators, read_regions

    if join not in ("left", "outer"):
        raise TiangongError(f"--join must be left or outer, not {join!r}")
    regs = read_regions(regions) if regions is not None else None
    with open_store(store) as st:
        run_id = st.get(run).id
        if indicators is None:
            return aggregate_run(st, run, level, regs, prior_run), None, run_id
        table, report = aggregate_with_indicators(
            st, run, level, indicators, regs, year=indicators_year,
            how="outer" if join == "outer" else "left", prior_run=prior_run)
    return table, report, run_id


@regions_app.command("aggregate")
def regions_aggregate(
    run: Annotated[str, typer.Option(help="Run id (R0001), or latest.")],
    level: LevelOpt = "town",
    regions: RegionsOpt = None,
    prior_run: PriorOpt = None,
    indicators: IndicatorsOpt = None,
    indicators_year: IndicatorsYearOpt = None,
    join: JoinOpt = "left",
    store: StoreOpt = None,
    output: Annotated[Path | None, typer.Option(
        "--out", help="Write the table to .csv or .parquet (identifiers as "
        "headers) or .xlsx (Chinese headers; with --indicators: identifiers as headers, ready "
        "for `index build --data`, and a 列说明 sheet).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Totals, per-mu figures (from sums), class counts and shares, and ranks per region;
    with --indicators, joined with a regional indicator table."""
    from tiangong.regions import describe_columns, write_table

    table, report, run_id = _table(run, level, regions, prior_run, indicators,
                                   indicators_year, join, store)
    if report is not None:
        for line in report.lines():
            out.print(line)
    if output is not None:
        if report is not None or output.suffix.lower() != ".xlsx":
            write_table(table, output, describe_columns(table, report, run_id))
        else:  # a workbook for people: Chinese headers and group labels, fixed creation stamp
            with open_store(store) as st:
                groups = {g.id: g.label for g in st.scheme(run).scheme.groups}
            write_table(table, output, labels=True, group_labels=groups)
        out.print(f"wrote {output} ({len(table)} regions)")
    shown = ["year", "region_code", "region_name", "n_evaluated", "land", "tax", "tax_per_mu",
             "tax_per_mu_rank", "share_A", "share_D",
             *(report.table.indicators if report is not None else [])]
    cols = [c for c in shown if c in table.columns] if fmt == "table" else list(table.columns)
    rows = [{str(k): v for k, v in r.items()} for r in table[cols].to_dict("records")]
    print_rows(rows, fmt, f"regions by {level}")


@regions_app.command("report")
def regions_report_command(
    run: Annotated[str, typer.Option(help="Run id (R0001), or latest.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    level: LevelOpt = "town",
    regions: RegionsOpt = None,
    geojson: Annotated[Path | None, typer.Option(
        help="Boundary file (GeoJSON FeatureCollection) for a map; regions are matched on "
             "--code-property.")] = None,
    code_property: Annotated[str, typer.Option(
        help="Feature property holding the region code.")] = "adcode",
    name_property: Annotated[str, typer.Option(
        help="Feature property holding the region name (for regions without data).")] = "name",
    value: Annotated[str, typer.Option(
        help="Column to map: a measure of the aggregate (tax_per_mu, va_per_mu, share_A, …) "
             "or an indicator of --indicators.")] = "tax_per_mu",
    year: Annotated[int | None, typer.Option(help="Year shown (default: the latest).")] = None,
    prior_run: PriorOpt = None,
    indicators: IndicatorsOpt = None,
    indicators_year: IndicatorsYearOpt = None,
    join: JoinOpt = "left",
    store: StoreOpt = None,
) -> None:
    """Class shares per region and a map, as SVG and PNG, and an offline HTML report."""
    from tiangong.report import regions_report

    table, report, _ = _table(run, level, regions, prior_run, indicators, indicators_year,
                              join, store)
    notes = report.lines() if report is not None else []
    for line in notes:
        out.print(line)
    label = report.table.headers.get(value) if report is not None else None
    made = regions_report(table, out_dir, level=level, geojson=geojson,
                          code_property=code_property, name_property=name_property or None,
                          value_column=value, year=year, value_label=label, join=report,
                          class_labels=_class_labels(run, store))
    for line in made.lines:
        out.print(line)
    for path in made.files:
        out.print(f"wrote {path}")


def _class_labels(run: str, store: Path | None) -> dict[str, str]:
    """The class labels of the run's scheme (A → 优先发展类), for chart legends."""
    with open_store(store) as st:
        scheme = st.scheme(run).scheme
    return {c.code: c.label for c in scheme.classification.classes}


def award_command(
    config: Annotated[Path | None, typer.Option(
        "--config", help="Award YAML (name, measure, higher_is_better, ties, streak, "
                         "streak_award, groups: [{id, k, label, level, where, exclude}]); "
                         "default: 天工鼎 (6 cities, 20 counties outside / 6 inside 山区26县, "
                         "3 in a row = 金鼎).")] = None,
    scores: Annotated[Path, typer.Option(
        help="Table (CSV/xlsx) with region_code, year and the measure.")] = Path("scores.csv"),
    regions: Annotated[Path | None, typer.Option(
        help="Regions (divisions) table with levels and attributes; its mountain_county, "
             "shanhai_2024 and shanhai_2025 columns give the 山区26县 list in force each "
             "year (needed by the default 天工鼎).")] = None,
    years: Annotated[str | None, typer.Option(
        help="Years to award, e.g. 2022-2024 (default: every year in the scores).")] = None,
    output: Annotated[Path, typer.Option("--out", help="Where to write every ranking "
                                         "(.csv, .parquet or .xlsx).")] = Path("awards.csv"),
) -> None:
    """Top-k per peer group per year and streak awards (e.g. 天工鼎 and 金鼎)."""
    import pandas as pd
    from ruamel.yaml import YAML

    from tiangong.errors import DataError, Problem
    from tiangong.regions import AwardConfig, Regions, award, read_regions, tiangong_ding

    cfg = (tiangong_ding() if config is None
           else AwardConfig.from_dict(YAML(typ="safe").load(config.read_text(encoding="utf-8"))))
    if not scores.is_file():
        raise DataError([Problem("scores table not found", str(scores))])
    if scores.suffix.lower() == ".xlsx":
        import fastexcel

        table = fastexcel.read_excel(str(scores)).load_sheet(0).to_pandas()
        table["region_code"] = table["region_code"].astype(str).str.removesuffix(".0")
    else:
        table = pd.read_csv(scores, dtype={"region_code": str}, encoding="utf-8-sig")
    if years:
        first, _, last = years.partition("-")
        table = table[table["year"].between(int(first), int(last or first))]
    regs = (read_regions(regions) if regions is not None
            else Regions.from_codes(table["region_code"].astype(str).unique()))
    result = award(table, regs, cfg)
    from tiangong.regions.join import write_table

    write_table(result, output)
    winners = result[result["awarded"]]
    for (year, group), part in winners.groupby(["year", "peer_group"], sort=True):
        out.print(f"{year} {cfg.name} {group}: {', '.join(part['region_code'].astype(str))}")
    if cfg.streak:
        streaks = result[result["streak_award"].astype(bool)]
        for r in streaks.itertuples():
            out.print(f"{r.year} {cfg.streak_award}: {r.region_code}")
    out.print(f"wrote {output} ({len(result)} rankings)")
