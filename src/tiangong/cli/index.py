"""`tiangong index`: build a composite regional index and show how robust its ranking is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tiangong.cli.common import out

if TYPE_CHECKING:
    import pandas as pd

index_app = typer.Typer(help="Composite indices for regions: build, and rank uncertainty.",
                        no_args_is_help=True, rich_markup_mode=None)

ConfigOpt = Annotated[Path, typer.Option("--config", help="Index configuration (YAML).")]
DataOpt = Annotated[Path, typer.Option(
    "--data", help="Regional indicator table (xlsx or CSV, one row per region and year).")]
YearOpt = Annotated[int | None, typer.Option(help="Use the rows of this year.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Output folder.")]
UnitDataOpt = Annotated[Path | None, typer.Option(
    "--unit-data", help="Table of unit attributes (the denominators and group column the "
                        "configuration names), keyed like --data; default: --data itself.")]


def _write(frame: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{stem}.csv"
    frame.to_csv(csv, encoding="utf-8-sig", float_format="%.10g")
    return [csv]


@index_app.command("build")
def index_build(config: ConfigOpt, data: DataOpt, out_dir: OutOpt = Path("out"),
                year: YearOpt = None, unit_data: UnitDataOpt = None) -> None:
    """Denominate, impute, treat, normalise, weight and aggregate; writes every aggregate and
    the rank."""
    import pandas as pd

    from tiangong.index import composite
    from tiangong.index.config import load_index_config, read_index_data

    loaded = load_index_config(config)
    read = read_index_data(data, loaded, year, unit_data)
    for note in read.notes:
        out.print(f"note: {note}")
    result = composite(read.values, loaded.hierarchy, loaded.directions, loaded.spec,
                       read.groups)
    table = result.aggregates.copy()
    table.insert(0, "name", read.names.reindex(table.index))
    table["rank"] = result.rank
    table = table.sort_values(["rank"], kind="mergesort")
    paths = _write(table, out_dir, f"{loaded.config.id}_index")
    weights = pd.concat({p: w for p, w in result.weights.items()}, names=["parent", "child"])
    paths += _write(weights.rename("weight").to_frame(), out_dir, f"{loaded.config.id}_weights")
    out.print(f"{loaded.config.name}: {len(table)} units")
    for unit, row in table.head(10).iterrows():
        out.print(f"  {int(row['rank']):>3}  {unit}  {row['name'] if pd.notna(row['name']) else ''}"
                  f"  {row[loaded.hierarchy.root]:.4f}")
    for p in paths:
        out.print(f"wrote {p}")


@index_app.command("uncertainty")
def index_uncertainty(
    config: ConfigOpt, data: DataOpt, out_dir: OutOpt = Path("out"), year: YearOpt = None,
    unit_data: UnitDataOpt = None,
    runs: Annotated[int, typer.Option(help="Monte Carlo replications.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same result).")] = 0,
    sobol: Annotated[int, typer.Option(
        help="Sobol base sample size (a power of 2); 0 skips the sensitivity analysis.")] = 0,
    report: Annotated[bool, typer.Option(
        "--report", help="Also write an offline HTML report with the rank-interval and Sobol "
                         "charts (and their SVGs).")] = False,
) -> None:
    """Median rank and 5–95 % rank interval per unit under the declared uncertainty; with
    --sobol, first-order and total Sobol indices per uncertain choice."""
    from tiangong.index import monte_carlo, sobol_indices
    from tiangong.index.config import load_index_config, read_index_data

    loaded = load_index_config(config)
    read = read_index_data(data, loaded, year, unit_data)
    for note in read.notes:
        out.print(f"note: {note}")
    values = read.values
    mc = monte_carlo(values, loaded.spec, loaded.uncertainty, runs, seed,
                     hierarchy=loaded.hierarchy, directions=loaded.directions,
                     groups=read.groups)
    summary = mc.summary.copy()
    summary.insert(0, "name", read.names.reindex(summary.index))
    summary = summary.sort_values(["median", "nominal"], kind="mergesort")
    paths = _write(summary, out_dir, f"{loaded.config.id}_rank_uncertainty")
    out.print(f"{loaded.config.name}: {runs} replications, seed {seed}")
    for unit, row in summary.head(10).iterrows():
        out.print(f"  {unit}  nominal {row['nominal']:.0f}  median {row['median']:.1f}  "
                  f"5–95 % [{row['q05']:.1f}, {row['q95']:.1f}]")
    sens = None
    if sobol:
        sens = sobol_indices(values, loaded.spec, loaded.uncertainty, sobol, seed,
                             hierarchy=loaded.hierarchy, directions=loaded.directions,
                             groups=read.groups,
                             estimator=loaded.config.uncertainty.sobol_estimator)
        paths += _write(sens.indices, out_dir, f"{loaded.config.id}_sobol")
        out.print(sens.indices.round(4).to_string())
    if report:
        from tiangong.report import (
            rank_interval_chart,
            rank_summary_table,
            save_chart,
            sobol_chart,
            sobol_table,
            write_html_report,
        )

        stem = out_dir / loaded.config.id
        ranks = rank_interval_chart(mc.summary, summary["name"].dropna())
        sections: list[tuple[str | None, object]] = [
            (f"{runs}次蒙特卡洛模拟的排名区间", ranks),
            ("排名汇总", rank_summary_table(summary))]
        paths.append(save_chart(ranks, stem.with_name(f"{stem.name}_rank_intervals.svg")))
        if sens is not None:
            bars = sobol_chart(sens.indices)
            sections += [("各不确定选择的Sobol指数", bars),
                         ("Sobol指数", sobol_table(sens.indices))]
            paths.append(save_chart(bars, stem.with_name(f"{stem.name}_sobol.svg")))
        paths.append(write_html_report(stem.with_name(f"{stem.name}_report.html"),
                                       f"{loaded.config.name}：排名稳健性", sections))
    for p in paths:
        out.print(f"wrote {p}")
