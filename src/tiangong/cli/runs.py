"""`tiangong runs`: list, show and compare stored runs; `tiangong intakes`: the intakes kept
in the same store, which runs evaluated without --data read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tiangong.cli.common import (
    FormatOpt,
    StoreOpt,
    open_store,
    out,
    print_class_counts,
    print_rows,
)

runs_app = typer.Typer(help="List, show and compare stored runs.", no_args_is_help=True,
                       rich_markup_mode=None)
intakes_app = typer.Typer(help="List and show the intakes kept in the run store.",
                          no_args_is_help=True, rich_markup_mode=None)


@runs_app.command("list")
def runs_list(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """List stored runs, oldest first."""
    with open_store(store) as st:
        print_rows([r.summary() for r in st.list()], fmt, f"runs in {st.path}")


@runs_app.command("show")
def runs_show(
    run: Annotated[str, typer.Argument(help="Run id, or latest.")],
    store: StoreOpt = None,
    statements: Annotated[bool, typer.Option(help="Also print every SQL statement.")] = False,
) -> None:
    """Show a run: scheme, inputs, benchmarks, class counts, and optionally its statements."""
    with open_store(store) as st:
        r = st.get(run)
        bench = st.benchmarks(r.id).to_pylist()
        stored = st.scheme(r.id).scheme
        order = [c.code for c in stored.classification.classes]
        labels = {g.id: g.label for g in stored.groups}
    out.print(f"run {r.id}  {r.created_at}  engine {r.engine}  tiangong {r.tiangong_version}")
    out.print(f"scheme {r.scheme_id} ({r.scheme_name}) from {r.scheme_source}, hash "
              f"{r.scheme_hash[:16]}; year {r.year}")
    for table, fp in r.fingerprints.items():
        if table == "intake":  # evaluated without --data: the stored intake(s) read
            out.print(f"inputs from intake {fp} (tiangong intakes show {fp.split(',')[0]})")
        else:
            out.print(f"input {table}: sha256 {fp[:16]}")
    out.print(f"results: {r.n_results} rows, sha256 {r.results_sha256}")
    print_class_counts(r.class_counts, order, labels)
    print_rows([{k: v for k, v in b.items()} for b in bench], "table", "基准值 (benchmarks)")
    for w in r.warnings:
        out.print(f"warning: {w}")
    if statements:
        for s in r.statements:
            out.print(f"-- {s['step']}\n{s['sql']};")


@runs_app.command("diff")
def runs_diff(
    run_a: Annotated[str, typer.Argument(help="The earlier run.")],
    run_b: Annotated[str, typer.Argument(help="The later run.")],
    store: StoreOpt = None, fmt: FormatOpt = "table",
    output: Annotated[Path | None, typer.Option(
        "--out", help="Also write the changes to this .csv or .xlsx file.")] = None,
) -> None:
    """Who changed class between two runs, and which inputs or rules caused it."""
    from tiangong.runs import diff_runs

    with open_store(store) as st:
        d = diff_runs(st, run_a, run_b)
    frame = d.to_frame()
    if fmt == "table":
        out.print(f"{d.a.id} → {d.b.id}: {len(d.changes)} enterprises changed class; "
                  f"{d.score_changes} scores changed")
        for line in d.input_changes + d.scheme_changes[:50] + d.benchmark_changes:
            out.print(f"  {line}")
    if fmt == "table":  # one block per enterprise: the causes are too long for a table cell
        for c in d.changes:
            out.print(f"{c.uscc} {c.name} [{c.group}] {c.class_a} → {c.class_b}  score "
                      f"{_num(c.score_a)} → {_num(c.score_b)}  rank {c.rank_a or '—'} → "
                      f"{c.rank_b or '—'}", markup=False)
            for cause in c.causes:
                out.print(f"    {cause}", markup=False)
    else:
        rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
        print_rows(rows, fmt, "等级变化 (class changes)")
    if output is not None:
        if output.suffix.lower() == ".xlsx":
            frame.to_excel(output, index=False)
        else:
            frame.to_csv(output, index=False, encoding="utf-8-sig")
        out.print(f"wrote {output}")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


@intakes_app.command("list")
def intakes_list(
    store: StoreOpt = None, fmt: FormatOpt = "table",
    year: Annotated[int | None, typer.Option(help="Only the intakes of this year.")] = None,
) -> None:
    """List stored intakes, oldest first; evaluate reads the latest of a year."""
    from tiangong.runs.intakes import list_intakes

    with open_store(store) as st:
        print_rows([r.summary() for r in list_intakes(st, year)], fmt, f"intakes in {st.path}")


@intakes_app.command("show")
def intakes_show(
    intake: Annotated[str, typer.Argument(help="Intake id (I0001), or latest.")],
    store: StoreOpt = None,
) -> None:
    """Show an intake: the export files read (size, SHA-256), land rule, crosswalk, manifest,
    counts, and the tables kept."""
    from tiangong.runs.intakes import get_intake

    with open_store(store) as st:
        r = get_intake(st, intake)
    out.print(f"intake {r.id}  year {r.year}  {r.created_at}  tiangong {r.tiangong_version}")
    out.print(f"exports {r.exports} → {r.out_dir}; land rule {r.land_rule}; crosswalk "
              f"{r.crosswalk or '—'}; manifest {r.manifest_path or '—'}", markup=False)
    print_rows([{"file": f["name"], "source": f["source"], "bytes": f["bytes"],
                 "sha256": f["sha256"][:16]} for f in r.files], "table", "export files")
    out.print(", ".join(f"{k} {v}" for k, v in r.counts.items()))
    out.print("tables kept: " + ", ".join(r.table_keys))
