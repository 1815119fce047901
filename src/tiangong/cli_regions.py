"""`tiangong regions`: regional totals, ratios, class shares and ranks from a stored run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tiangong.cli import FormatOpt, StoreOpt, out, print_rows

regions_app = typer.Typer(help="Aggregate enterprise results to towns, counties and cities.",
                          no_args_is_help=True, rich_markup_mode=None)


@regions_app.command("aggregate")
def regions_aggregate(
    run: Annotated[str, typer.Option(help="Run id (R0001), or latest.")],
    level: Annotated[str, typer.Option(
        help="town, county, city, province, or a region attribute (e.g. mountain_county).")
    ] = "town",
    regions: Annotated[Path | None, typer.Option(
        help="Regions table (CSV/xlsx: code, name, level, parent, attributes); default: "
             "derived from the codes.")] = None,
    prior_run: Annotated[str | None, typer.Option(
        help="An earlier run for year-on-year change.")] = None,
    store: StoreOpt = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Write the table to .csv, .parquet or .xlsx (Chinese headers).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Totals, per-mu figures (from sums), class counts and shares, and ranks per region."""
    from tiangong.regions import aggregate_run, read_regions, with_labels
    from tiangong.runs import RunStore

    regs = read_regions(regions) if regions is not None else None
    with RunStore(store) as st:
        table = aggregate_run(st, run, level, regs, prior_run)
    if output is not None:
        suffix = output.suffix.lower()
        if suffix == ".xlsx":
            with_labels(table).to_excel(output, index=False)
        elif suffix == ".parquet":
            table.to_parquet(output, index=False)
        else:
            table.to_csv(output, index=False, encoding="utf-8-sig")
        out.print(f"wrote {output} ({len(table)} regions)")
    shown = ["year", "region_code", "region_name", "n_evaluated", "land", "tax", "tax_per_mu",
             "tax_per_mu_rank", "share_A", "share_D"]
    cols = [c for c in shown if c in table.columns] if fmt == "table" else list(table.columns)
    rows = [{str(k): v for k, v in r.items()} for r in table[cols].to_dict("records")]
    print_rows(rows, fmt, f"regions by {level}")


def award_command(
    config: Annotated[Path | None, typer.Option(
        "--config", help="Award YAML (name, measure, higher_is_better, ties, streak, "
                         "streak_award, groups: [{id, k, label, level, where, exclude}]); "
                         "default: 天工鼎 (6 cities, 20 counties outside / 6 inside 山区26县, "
                         "3 in a row = 金鼎).")] = None,
    scores: Annotated[Path, typer.Option(
        help="Table (CSV/xlsx) with region_code, year and the measure.")] = Path("scores.csv"),
    regions: Annotated[Path | None, typer.Option(
        help="Regions table with levels and attributes (e.g. mountain_county by year).")] = None,
    years: Annotated[str | None, typer.Option(
        help="Years to award, e.g. 2022-2024 (default: every year in the scores).")] = None,
    output: Annotated[Path, typer.Option("--output", help="Where to write every ranking.")
                      ] = Path("awards.csv"),
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
    result.to_csv(output, index=False, encoding="utf-8-sig")
    winners = result[result["awarded"]]
    for (year, group), part in winners.groupby(["year", "peer_group"], sort=True):
        out.print(f"{year} {cfg.name} {group}: {', '.join(part['region_code'].astype(str))}")
    if cfg.streak:
        streaks = result[result["streak_award"].astype(bool)]
        for r in streaks.itertuples():
            out.print(f"{r.year} {cfg.streak_award}: {r.region_code}")
    out.print(f"wrote {output} ({len(result)} rankings)")
