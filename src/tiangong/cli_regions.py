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
