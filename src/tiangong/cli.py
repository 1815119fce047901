"""The `tiangong` command: a thin shell over the library.

Every command calls one library function and prints what it returns. Library errors
(`TiangongError`) become their messages, one problem per line, and exit code 2; nothing prints a
traceback at a user. Listing commands print a table, JSON or CSV.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tiangong.errors import TiangongError

app = typer.Typer(help="天工 tiangong: evaluate manufacturing enterprises by land, energy and "
                  "emissions (亩均论英雄), reproducibly.", rich_markup_mode=None,
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
scheme_app = typer.Typer(help="Check, list and show evaluation schemes.", no_args_is_help=True,
                         rich_markup_mode=None)
app.add_typer(scheme_app, name="scheme")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="Run store (a DuckDB file). Default: $TIANGONG_STORE or ./tiangong.duckdb.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json or csv.")]


@contextmanager
def progress_bar(title: str) -> Iterator[Any]:
    """A progress bar on stderr; yields a callback (step name, done, total)."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} {task.fields[step]}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(title, total=1, step="")

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, step=step)

        yield update


def print_rows(rows: list[dict[str, Any]], fmt: str, title: str = "") -> None:
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
    elif fmt == "csv":
        sys.stdout.write(pd.DataFrame(rows).to_csv(index=False, lineterminator="\n"))
    elif fmt == "table":
        table = Table(title=title or None)
        for key in rows[0] if rows else []:
            table.add_column(str(key))
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        out.print(table)
    else:
        raise TiangongError(f"unknown --format {fmt!r}; choose table, json or csv")


def print_class_counts(counts: dict[str, dict[str, int]], order: list[str],
                       labels: dict[str, str] | None = None) -> None:
    """Class counts per group; enterprises outside every group are shown as 未参评."""
    labels = labels or {}
    codes = [c for c in order if any(c in v for v in counts.values())]
    codes += sorted({c for v in counts.values() for c in v} - set(codes) - {"(none)"})
    if any("(none)" in v for v in counts.values()):
        codes.append("(none)")
    table = Table(title="等级分布 (class counts)")
    table.add_column("组 group")
    for c in codes:
        table.add_column("无等级" if c == "(none)" else c, justify="right")
    table.add_column("合计", justify="right")
    for group, by_class in counts.items():
        name = "未参评" if group == "(none)" else labels.get(group, group)
        table.add_row(name, *(str(by_class.get(c, 0)) for c in codes),
                      str(sum(by_class.values())))
    out.print(table)


# -- scheme ----------------------------------------------------------------------------------

@scheme_app.command("check")
def scheme_check(scheme: Annotated[str, typer.Argument(help="A scheme YAML file or built-in id.")]
                 ) -> None:
    """Validate a scheme; every problem is reported at once with its file and line."""
    from tiangong.scheme.loader import load_scheme

    loaded = load_scheme(scheme)
    s = loaded.scheme
    out.print(f"[green]OK[/green] {loaded.source}: {s.name} ({s.id})")
    for g in s.groups:
        items = ", ".join(f"{s.indicators[i.indicator].label} {i.method} {i.weight:g}"
                          for i in g.items)
        out.print(f"  group {g.id} {g.label}: {items}")
    out.print(f"  classes: {', '.join(f'{c.code} {c.label}' for c in s.classification.classes)}"
              f"; method {s.classification.method}; partition by "
              f"{', '.join(s.classification.partition_by)}")
    for a in s.assumptions:
        out.print(f"  assumption: {a}")
    out.print(f"  hash {loaded.hash[:16]}")


@scheme_app.command("list")
def scheme_list(fmt: FormatOpt = "table") -> None:
    """List the built-in schemes."""
    from tiangong.scheme.loader import builtin_ids, load_scheme

    rows = []
    for sid in builtin_ids():
        s = load_scheme(sid).scheme
        rows.append({"id": sid, "name": s.name, "region": s.region, "data_year": s.data_year})
    print_rows(rows, fmt, "built-in schemes")


@scheme_app.command("show")
def scheme_show(scheme: Annotated[str, typer.Argument(help="Built-in id or file.")]) -> None:
    """Print a scheme's YAML (e.g. to start a new county's file from a built-in)."""
    from tiangong.scheme.loader import load_scheme

    sys.stdout.write(load_scheme(scheme).text)


# -- evaluate ------------------------------------------------------------------------------

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
        help="Comma-separated: parquet, csv, xlsx (公示 workbook), sheets (一企一单).")
    ] = "parquet,csv,xlsx",
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
) -> None:
    """Evaluate every enterprise: scores, ranks, classes; store the run and write outputs."""
    from tiangong.evaluate import evaluate as run_evaluation
    from tiangong.publish import publish
    from tiangong.runs import RunStore
    from tiangong.scheme.loader import load_scheme

    loaded = load_scheme(scheme)
    the_year = year or loaded.scheme.data_year
    if the_year is None:
        raise TiangongError("--year is needed (the scheme states no data_year)")
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    source: Path | dict[str, Any]
    intakes = None
    if data is not None:
        source = data
    else:  # what `tiangong intake` kept for the year (and the year before, when needed)
        from tiangong.pipeline.scores import needs_prior_year
        from tiangong.runs.intakes import intake_inputs

        intakes = intake_inputs(store, the_year, prior_year=needs_prior_year(loaded.scheme))
        source = intakes.tables
        for r in intakes.intakes:
            out.print(f"inputs: intake {r.id} of {r.year} ({r.created_at}, "
                      f"{r.counts.get('enterprises', 0)} enterprises, from {r.exports})",
                      markup=False)
    with progress_bar("evaluating") as update:
        # --stability reads the inputs too (tiebreak keys such as eval_tax are not in results)
        ev = run_evaluation(loaded, source, the_year, engine=engine,
                            keep_inputs=not no_store or stability > 0, progress=update)
    if intakes is not None:  # `runs show` names the intake; the tables' own digests stay
        ev.fingerprints["intake"] = intakes.label()
        label = label or f"intake {intakes.label()}"
    run_id = "unsaved"
    # the store encodes results.parquet once for the run and for the output folder
    staged = out_dir / ".results.parquet.staged" if "parquet" in fmts and not no_store else None
    try:
        if not no_store:
            with RunStore(store) as st:
                run_id = st.save(ev, label=label, results_file=staged).id
        paths = publish(ev.results, loaded.scheme, the_year, run_id, out_dir, fmts,
                        hide_ranks=hide_ranks, staged_parquet=staged)
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
    for w in ev.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    order = [c.code for c in loaded.scheme.classification.classes]
    print_class_counts(ev.class_counts(), order, {g.id: g.label for g in loaded.scheme.groups})
    out.print(f"run {run_id}: {ev.results.num_rows} enterprises, scheme {loaded.scheme.id}, "
              f"year {the_year}, engine {ev.engine}")
    for p in paths:
        out.print(f"  wrote {p}")
    if stability:
        from tiangong.stability import ClassUncertainty, class_stability

        with err.status(f"{stability} replications of every class…"):
            stab = class_stability(ev, ClassUncertainty(benchmark=uncertainty, weight=uncertainty),
                                   n=stability)
        stab.insert(1, "name", ev.results.column("name").to_pylist())
        path = out_dir / "stability.csv"
        stab.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.6g")
        borderline = int((stab["p_keep"] < 0.95).sum())
        out.print(f"class stability (±{uncertainty:.0%} on benchmarks and weights, {stability} "
                  f"replications): {borderline} enterprises keep their class in fewer than 95 % "
                  f"of replications; wrote {path}")


# -- explain -------------------------------------------------------------------------------

@app.command()
def explain(
    run: Annotated[str, typer.Option(help="Run id (R0001), or latest.")],
    enterprise: Annotated[str, typer.Option(help="The enterprise's USCC.")],
    store: StoreOpt = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if/--no-what-if", help="Search the smallest change that lifts the class.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How one enterprise's score and class arose in a stored run, and what would lift it."""
    from tiangong.explain import explain as explain_one
    from tiangong.runs import RunStore

    with RunStore(store) as st, err.status("re-evaluating to find what would lift the class…"
                                           if what_if else "reading the run…"):
        ex = explain_one(st, run, enterprise, what_if=what_if)
    if as_json:
        out.print_json(json.dumps(ex.to_dict(), ensure_ascii=False, default=str))
    else:
        for line in ex.lines():
            out.print(line)


def main() -> None:
    try:
        app()
    except TiangongError as error:
        err.print(f"[red]error:[/red] {error.title}" if error.title else "[red]error:[/red]")
        for p in error.problems:
            err.print(f"  {p}", markup=False)
        raise SystemExit(2) from None


from tiangong.cli_demo import demo_app  # noqa: E402  (these use the helpers above)
from tiangong.cli_runs import intakes_app, runs_app  # noqa: E402

app.add_typer(runs_app, name="runs")
app.add_typer(intakes_app, name="intakes")
app.add_typer(demo_app, name="demo")

from tiangong.cli_regions import award_command, regions_app  # noqa: E402

app.add_typer(regions_app, name="regions")
app.command("award")(award_command)

from tiangong.cli_index import index_app  # noqa: E402

app.add_typer(index_app, name="index")

from tiangong.cli_intake import register as register_intake  # noqa: E402

register_intake(app)

from tiangong.cli_serve import register as register_serve  # noqa: E402

register_serve(app)
