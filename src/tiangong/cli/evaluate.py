"""`tiangong evaluate`: a run from a scheme and data, stored and written out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tiangong.cli.common import (
    StoreOpt,
    app,
    err,
    out,
    print_class_counts,
    progress_bar,
    say_waiting,
)
from tiangong.errors import TiangongError


@app.command()
def evaluate(
    scheme: Annotated[str, typer.Option(help="Scheme YAML file or built-in id.")],
    data: Annotated[Path | None, typer.Option(
        help="Folder with enterprises/events/tenancies (.parquet or .csv). Default: the latest "
             "intake of --year kept in --store by `tiangong intake` (and of the year before, "
             "when a benchmark needs it).")] = None,
    year: Annotated[int | None, typer.Option(help="Data year; default: the scheme's.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the output files.")] = Path(
        "out"),
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark.")] = "duckdb",
    formats: Annotated[str, typer.Option(
        help="Comma-separated: parquet, csv, xlsx (公示 workbook), sheets (一企一单). The "
             "workbooks are written only when asked: at province scale they take many seconds.")
    ] = "parquet,csv",
    hide_ranks: Annotated[bool, typer.Option(
        "--hide-ranks", help="排名不分先后: the 公示 hides ranks and lists by class.")] = False,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep the run.")] = False,
    label: Annotated[str, typer.Option(help="A note kept with the run.")] = "",
    stability: Annotated[int, typer.Option(
        help="Monte Carlo replications of the class under benchmark and weight uncertainty "
             "(0: skip); writes stability.csv with each enterprise's chance to keep its class.")
    ] = 0,
    uncertainty: Annotated[float, typer.Option(
        help="Relative uncertainty of every benchmark and weight for --stability (uniform).")
    ] = 0.10,
    accept_implausible: Annotated[bool, typer.Option(
        "--accept-implausible", help="Evaluate input values that are possible but implausible "
        "(land below 0.01 亩, emissions, energy or electricity below 1e-6) as they are; they "
        "are kept as warnings of the run. Impossible values are always refused.")] = False,
) -> None:
    """Evaluate every enterprise: scores, ranks, classes; store the run and write outputs."""
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    check_evaluate_options(fmts, engine, year, stability, uncertainty, data, out_dir)
    from tiangong.evaluation.scheme.refs import scheme_file

    scheme_file(scheme)  # a mistyped scheme is refused before the heavy imports
    from tiangong.evaluation.evaluate import evaluate as run_evaluation
    from tiangong.evaluation.outputs.folder import OutputFolder
    from tiangong.evaluation.publish import write_outputs
    from tiangong.evaluation.scheme.loader import load_scheme
    from tiangong.runs.store import save_run

    loaded = load_scheme(scheme)
    the_year = year or loaded.scheme.data_year
    if the_year is None:
        raise TiangongError("--year is needed (the scheme states no data_year)")
    source: Path | dict[str, Any]
    intakes = None
    if data is not None:
        source = data
    else:  # what `tiangong intake` kept for the year (and the year before, when needed)
        from tiangong.evaluation.pipeline.scores import needs_prior_year
        from tiangong.runs.intakes import intake_inputs

        intakes = intake_inputs(store, the_year, prior_year=needs_prior_year(loaded.scheme))
        source = intakes.tables
        for r in intakes.intakes:
            out.print(f"inputs: intake {r.id} of {r.year} ({r.created_at}, "
                      f"{r.counts.get('enterprises', 0)} enterprises, from {r.exports})",
                      markup=False)
    run_id = "unsaved"
    # Every output is staged and published together (OutputFolder): a run killed half-way
    # leaves the previous outputs whole, never mixed with its own.
    with progress_bar("evaluate") as update, OutputFolder(out_dir) as folder:
        # --stability reads the inputs too (tiebreak keys such as eval_tax are not in results)
        ev = run_evaluation(loaded, source, the_year, engine=engine,
                            keep_inputs=not no_store or stability > 0, progress=update,
                            accept_implausible=accept_implausible)
        if intakes is not None:  # `runs show` names the intake; the tables' own digests stay
            ev.fingerprints["intake"] = intakes.label()
            label = label or f"intake {intakes.label()}"
        # the store encodes results.parquet once for the run and for the output folder
        staged = folder.file("results.parquet") if "parquet" in fmts and not no_store else None
        if not no_store:
            update("storing the run", 0, 1)
            saved = save_run(store, ev, label, results_file=staged, on_wait=say_waiting)
            run_id = saved.record.id
        written = write_outputs(ev.results, loaded.scheme, the_year, run_id, folder.staging,
                                fmts, hide_ranks=hide_ranks, staged_parquet=staged,
                                progress=update, exclusions=ev.exclusions)
        stable_line = ""
        if stability:
            update(f"{stability} stability replications", 0, 1)
            stable_line = _write_stability(ev, stability, uncertainty,
                                           folder.file("stability.csv"), out_dir)
            written.append(folder.file("stability.csv"))
        update("publishing", 0, 1)
        folder.commit()
    paths = [out_dir / p.name for p in written]
    for w in ev.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    order = [c.code for c in loaded.scheme.classification.classes]
    print_class_counts(ev.class_counts(), order, {g.id: g.label for g in loaded.scheme.groups})
    out.print(f"run {run_id}: {ev.results.num_rows} enterprises, scheme {loaded.scheme.id}, "
              f"year {the_year}, engine {ev.engine}")
    for p in paths:
        out.print(f"  wrote {p}")
    if stable_line:
        out.print(stable_line)


def check_evaluate_options(fmts: list[str], engine: str, year: int | None, stability: int,
                           uncertainty: float, data: Path | None, out_dir: Path) -> None:
    """Every option of `evaluate` checked before any work: a mistyped format must not surface
    after the run has been computed and stored."""
    from tiangong.evaluation.formats import format_problem

    problems: list[Any] = []
    if format_problem(fmts):
        problems.append(f"--formats: {format_problem(fmts)}")
    if engine not in ("duckdb", "spark"):
        problems.append(f"--engine: {engine!r} is not an engine; choose duckdb or spark")
    if year is not None and not 1949 <= year <= 2100:
        problems.append(f"--year: {year} is not a data year (a four-digit year)")
    if stability < 0:
        problems.append(f"--stability: {stability} replications; give 0 (skip) or more")
    if not 0 <= uncertainty < 1:
        problems.append(f"--uncertainty: {uncertainty:g} must be a fraction from 0 to below 1 "
                        "(0.10 = ±10 %)")
    if data is not None and not data.exists():
        problems.append(f"--data: data folder not found: {data}")
    if out_dir.exists() and not out_dir.is_dir():
        problems.append(f"--out: {out_dir} is a file, not a folder")
    if problems:
        from tiangong.errors import Problem

        raise TiangongError([Problem(p) for p in problems], "invalid options; nothing was run")


def _write_stability(ev: Any, n: int, uncertainty: float, path: Path, out_dir: Path) -> str:
    from tiangong.evaluation.stability import ClassUncertainty, class_stability

    stab = class_stability(ev, ClassUncertainty(benchmark=uncertainty, weight=uncertainty), n=n)
    stab.insert(1, "name", ev.results.column("name").to_pylist())
    stab.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.6g")
    borderline = int((stab["p_keep"] < 0.95).sum())
    return (f"class stability (±{uncertainty:.0%} on benchmarks and weights, {n} "
            f"replications): {borderline} enterprises keep their class in fewer than 95 % "
            f"of replications; wrote {out_dir / path.name}")
