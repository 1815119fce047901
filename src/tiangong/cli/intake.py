"""`tiangong intake` and `tiangong review`: departmental exports → canonical tables, and the
analyst's decisions on uncertain links back into the crosswalk.

`register(app)` adds the commands to the main app; errors (`DataError` naming the files) are
left to the main app's handler, which prints one problem per line and exits with code 2.
`intake` keeps its tables in the run store too (`tiangong.runs.intakes`), after the folder is
written, so `tiangong evaluate` without --data reads them; `tiangong intakes` lists them.
`review` stores the valid decisions and, when some entries are invalid, lists them (file, row,
column) and exits with code 1: they stay pending.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiangong.cli.common import LazyConsole

if TYPE_CHECKING:
    from rich.progress import TaskID

    from tiangong.intake.result import IntakeResult
    from tiangong.runs.intakes import IntakeRecord

console: Any = LazyConsole(stderr=False)  # rich is imported on first use (fast --help)
err_console: Any = LazyConsole(stderr=True)

# tiangong.cli.common.StoreOpt, repeated: this module is also used on its own
# (its commands registered on another app by `register`).
StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="Run store (a DuckDB file). Default: $TIANGONG_STORE or ./tiangong.duckdb.")]


def _num(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{float(v):,.4f}" if isinstance(v, float) else str(v)


def intake_command(
    exports: Annotated[Path, typer.Argument(help="Folder of departmental exports (名录, 税收, "
                                            "用电, 用地, 租赁, 统计, 环境, 事件 files).")],
    year: Annotated[int, typer.Option(help="Data year of the exports.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the canonical tables and the "
                                      "reports; replaced only when intake succeeds.")] = Path(
        "canonical"),
    crosswalk: Annotated[Path | None, typer.Option(
        "--crosswalk", help="The analyst's decisions (Parquet, written by `tiangong review`), "
                            "applied before any matching. Default: crosswalk.parquet next to "
                            "--out (in its parent folder), so every year's intake shares it; a "
                            "missing file means no decisions yet.")] = None,
    land_rule: Annotated[str, typer.Option(
        "--land-rule", help="Tenancies: separate (each firm on its own record; schemes deduct "
                            "leased_out_area or penalise tenant_count), leased (a tenant is "
                            "evaluated on at least the land it rents) or merge (tenants merged "
                            "into their landholder).")] = "separate",
    land_use: Annotated[str, typer.Option(
        "--land-use", help="Which land parcels count by their 土地用途: industrial (工业, 工矿, "
                           "仓储, 采矿, 厂房), all, or the uses that count, comma-separated "
                           "(e.g. 工业 to leave 仓储用地 out, 工业,仓储,物流 to add logistics "
                           "land). Parcels of other uses are excluded (非工业用地).")
    ] = "industrial",
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="YAML saying which file is which source, which header is which "
                           "column, units, sheets and encodings, where intake's own recognition "
                           "does not fit (docs/intake-manifest.md).")] = None,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option(
        "--no-store", help="Write the folder only; keep nothing in the run store.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 on warnings too (duplicate rows excluded, codes to check...), "
                         "not only on what needs attention.")] = False,
) -> None:
    """Link every record to the registry, aggregate per enterprise and write enterprises /
    events / tenancies.parquet, quality.xlsx, reconciliation.csv, review_<year>.xlsx (records
    to decide, for `tiangong review`) and land_list_<year>.xlsx (用地面积公示表). The tables,
    quality rows and reconciliation are also kept in the run store as a new intake (with the
    export files' fingerprints), which `tiangong evaluate` reads when no --data is given."""
    cw = crosswalk if crosswalk is not None else default_crosswalk(out)
    try:
        result, stored, store_path = _run_intake(exports, year, out, cw, land_rule, manifest,
                                                 store, no_store, land_use)
    except KeyboardInterrupt:
        err_console.print("已中断 (interrupted): nothing was written; the output folder and the "
                          "run store are as they were")
        raise typer.Exit(130) from None
    rec = result.reconciliation
    rule_rows = rec[rec["source"] == "land_rule"]
    rec = rec[rec["source"] != "land_rule"]
    files = rec[rec["file"] != "合计"]
    from rich.table import Table

    table = Table(title=f"intake {year}: {files['file'].nunique()} files, {len(files)} sheets "
                        "(read = used + quarantined + excluded)")
    for head in ("file", "sheet", "source", "read", "used", "quarantined", "excluded",
                 "reasons"):
        table.add_column(head, justify="right" if head in
                         ("read", "used", "quarantined", "excluded") else "left")
    for r in files.itertuples():
        table.add_row(str(r.file), str(r.sheet), str(r.source) or "-", str(r.rows_read),
                      str(r.rows_used),
                      str(r.rows_quarantined), str(r.rows_excluded), str(r.reasons))
    console.print(table)
    sums = Table(title="sums (canonical units)")
    for head in ("measure", "unit", "before", "after", "quarantined", "unexplained"):
        sums.add_column(head, justify="left" if head in ("measure", "unit") else "right")
    for r in rec[rec["file"] == "合计"].itertuples():
        sums.add_row(str(r.measure), str(r.unit), _num(r.before), _num(r.after),
                     _num(r.quarantined), _num(r.difference))
    console.print(sums)
    if not rule_rows.empty:
        console.print(f"land rule {land_rule}: {rule_rows['reasons'].iloc[0]}; "
                      + ", ".join(f"{r.measure} {_num(r.before)} → {_num(r.after)} {r.unit}"
                                  for r in rule_rows.itertuples()))
    n_review = len(result.review)
    n_sheet = len(result.review_sheet)
    console.print(f"{len(result.enterprises)} enterprises, {len(result.events)} events, "
                  f"{len(result.tenancies)} tenancies; {n_review} record(s) awaiting review, "
                  f"{n_sheet - n_review} not linked, both in {out / f'review_{year}.xlsx'} "
                  f"(decide there, then: tiangong review); crosswalk {cw}; land list "
                  f"{out / f'land_list_{year}.xlsx'}; {len(result.quality)} quality rows in "
                  f"{out / 'quality.xlsx'} ({result.seconds:.1f} s)")
    if stored is not None:
        console.print(f"intake {stored.id} ({year}) stored in {store_path}; evaluate it with: "
                      f"tiangong evaluate --scheme SCHEME --year {year}")
    code = _verdict(result, strict)
    if code:
        raise typer.Exit(code)


def _run_intake(exports: Path, year: int, out: Path, cw: Path, land_rule: str,
                manifest: Path | None, store: Path | None, no_store: bool,
                land_use: str = "industrial"
                ) -> tuple[IntakeResult, IntakeRecord | None, Path | None]:
    """assemble with progress bars (reading files, linking, writing), then the store."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from tiangong.intake.assemble import assemble

    labels = {"read": "reading files", "link": "linking records", "write": "writing outputs"}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console.get(), transient=True,
                  disable=not err_console.is_terminal) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(labels.get(stage, stage), total=total)
            bars.update(tasks[stage], completed=done, total=total)

        result = assemble(exports, year, out, crosswalk=cw, land_rule=land_rule,
                          manifest=manifest, progress=progress, land_uses=land_use)
        stored, store_path = None, None
        if not no_store:
            from tiangong.runs import RunStore
            from tiangong.runs.intakes import save_intake

            task = bars.add_task("keeping the intake in the run store", total=1)
            with RunStore(store, on_wait=lambda m: err_console.print(
                    m, style="yellow", markup=False)) as st:
                stored = save_intake(st, result)
                store_path = st.path
            bars.update(task, completed=1)
    return result, stored, store_path


def _verdict(result: IntakeResult, strict: bool) -> int:
    """The closing block: what needs attention (then exit 1), what is only noted (exit 1
    with --strict), in the words and numbers of quality.xlsx's 概况 sheet."""
    from tiangong.intake.attention import LABELS

    report = result.out_dir / "quality.xlsx"
    if result.attention:
        console.print(f"[bold red]needs attention (需要处理)[/bold red], see {report}:")
        for key, n in result.attention.items():
            console.print(f"  {n:>8,}  {LABELS[key]} ({key.replace('_', ' ')})")
        for u in [u for u in result.unread if u.reason == "sheet_not_recognised"][:10]:
            where = u.path.name + (f" [{u.sheet}]" if u.sheet else "")
            heads = "、".join(u.headers[:12]) or "(none)"
            console.print(f"            {where}: {len(u.rows)} rows, headers: {heads}",
                          markup=False)
        for u in [u for u in result.unread if u.reason == "file_not_supported"][:10]:
            console.print(f"            {u.path.name}: {u.note}", markup=False)
        for q in [q for q in result.quality if q.rule in ("not_a_number", "not_a_date")][:5]:
            console.print(f"            e.g. {Path(q.file).name} row {q.row} {q.column}: "
                          f"{q.value!r} could not be read", markup=False)
    if result.warnings:
        console.print("noted (提示): " + "; ".join(f"{n:,} {LABELS[k]}"
                                                  for k, n in result.warnings.items()))
    if result.attention:
        return 1
    if strict and result.warnings:
        console.print("--strict: warnings make the exit status 1")
        return 1
    console.print("nothing needs attention (无需处理的问题)")
    return 0


def default_crosswalk(out: Path) -> Path:
    """crosswalk.parquet in the parent of the canonical folder: outside the folder intake
    replaces, and shared by the canonical folders of every year kept side by side."""
    return out.resolve().parent / "crosswalk.parquet"


def review_command(
    workbook: Annotated[Path, typer.Argument(help="review_<year>.xlsx written by `tiangong "
                                             "intake`, with the 决定 columns filled in.")],
    crosswalk: Annotated[Path | None, typer.Option(
        "--crosswalk", help="Where to store the decisions (Parquet). Default: the crosswalk "
                            "the intake used, named in the workbook's 说明 sheet.")] = None,
    canonical: Annotated[Path | None, typer.Option(
        "--canonical", help="The intake's output folder, whose enterprises.parquet is the "
                            "register codes are checked against. Default: the folder named in "
                            "the 说明 sheet.")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Who decided, for rows whose 审核人 is empty. Default: the user running "
                     "the command.")] = None,
) -> None:
    """Check the analyst's decisions in a review workbook and store the valid ones in the
    crosswalk (who and when included); a re-run of `tiangong intake` then links those records
    (method crosswalk), and later years reuse them. Rows without a decision stay pending;
    invalid ones (unknown code, two decisions in a row, no such candidate) are listed with
    file, row and column, stay pending, and make the exit code 1."""
    from tiangong.intake.review import apply_review

    outcome = apply_review(workbook, crosswalk=crosswalk, canonical=canonical, decided_by=by)
    n = outcome.counts()
    console.print(f"{n['accepted']} record(s) linked and {n['rejected']} rejected (不是本地企业) "
                  f"stored in {outcome.crosswalk_path}; {n['pending']} row(s) without a "
                  "decision stay pending")
    if outcome.problems:
        console.print(f"{len(outcome.problems)} invalid entr{'y' if n['invalid'] == 1 else 'ies'}"
                      " (left pending; correct them and run tiangong review again):")
        for p in outcome.problems:
            console.print(f"  {p}", markup=False)
        raise typer.Exit(1)
    if n["accepted"] or n["rejected"]:
        console.print("next: run tiangong intake again; the decided records are then linked "
                      "by the crosswalk")


def register(app: typer.Typer) -> None:
    """Add `intake` and `review` to the main app."""
    app.command("intake")(intake_command)
    app.command("review")(review_command)
