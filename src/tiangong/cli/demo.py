"""`tiangong demo`: the main job on a synthetic county, and the demo data generator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tiangong.cli.common import (
    StoreOpt,
    command_name,
    err,
    out,
    print_class_counts,
    progress_bar,
    say_waiting,
)

demo_app = typer.Typer(help="Generate synthetic regions and run the whole job on one.",
                       rich_markup_mode=None)

DEMO_SCHEME = "huangyan_2022"
DEMO_YEAR = 2022


@demo_app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for data and outputs.")] = Path(
        "demo_out"),
    scale: Annotated[str, typer.Option(help="county, city, province or nation.")] = "county",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same region).")] = 1,
    store: StoreOpt = None,
) -> None:
    """Without a subcommand: generate a county and its departmental exports, run intake on
    the exports, evaluate the result with the built-in 黄岩 2022 scheme, store the run, write
    the 公示 workbook and print a summary."""
    if ctx.invoked_subcommand is not None:
        return
    from tiangong.demo.exports import write_exports
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.publish import publish
    from tiangong.evaluation.scheme.loader import load_scheme
    from tiangong.intake.assemble import assemble
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import save_intake

    exports_dir, data_dir = out_dir / "exports", out_dir / "canonical"
    with progress_bar(f"generating a {scale}") as update:
        update("generate", 0, 2)
        tables = generate(scale, seed, year=DEMO_YEAR, years=1)
        update("departmental exports", 1, 2)
        manifest = write_exports(tables, exports_dir, seed, DEMO_YEAR)
    out.print(f"generated a {scale} (seed {seed}): {tables['enterprises'].num_rows} enterprises;"
              f" {len(manifest.files)} departmental files ({manifest.rows} data rows) in "
              f"{exports_dir}")
    with err.status("intake: reading, linking and reconciling the exports…"):
        intake = assemble(exports_dir, DEMO_YEAR, data_dir)
    rec = intake.reconciliation
    files = rec[rec["file"] != "合计"]
    out.print(f"intake: {int(files['rows_read'].sum())} rows read, {int(files['rows_used'].sum())}"
              f" used, {int(files['rows_quarantined'].sum())} quarantined, "
              f"{int(files['rows_excluded'].sum())} excluded (totals, notes, blanks); "
              f"{len(intake.review)} awaiting review; quality report {data_dir / 'quality.xlsx'}")
    loaded = load_scheme(DEMO_SCHEME)
    with progress_bar("evaluating") as update:
        ev = evaluate(loaded, data_dir, DEMO_YEAR, progress=update)
    with RunStore(store, on_wait=say_waiting) as st:
        kept = save_intake(st, intake)
        ev.fingerprints["intake"] = kept.id  # the run names its intake, as `evaluate` does
        record = st.save(ev, label=f"demo {scale} seed {seed}, intake {kept.id}")
        store_path = st.path
    paths = publish(ev.results, loaded.scheme, DEMO_YEAR, record.id, out_dir,
                    ["parquet", "csv", "xlsx"], exclusions=ev.exclusions)
    for w in ev.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    print_class_counts(ev.class_counts(), [c.code for c in loaded.scheme.classification.classes],
                       {g.id: g.label for g in loaded.scheme.groups})
    out.print(f"intake {kept.id} and run {record.id} stored in {store_path}: "
              f"{ev.results.num_rows} enterprises evaluated under {loaded.scheme.name}")
    for p in paths:
        out.print(f"  wrote {p}")
    example = next((r["uscc"] for r in ev.results.select(["uscc", "class"]).to_pylist()
                    if r["class"] == "B"), ev.results["uscc"][0].as_py())
    me = command_name()
    store_opt = f" --store {store_path}" if store is not None else ""
    out.print("next:", markup=False)
    out.print(f"  {me} explain --run {record.id} --enterprise {example}{store_opt}", markup=False)
    out.print(f"  {me} runs list{store_opt}; {me} intakes list{store_opt}", markup=False)
    _platform(Path(store_path), record.id)


def _platform(store_path: Path, run_id: str) -> None:
    """The platform database beside the run store, with the published demo run and logins."""
    import json
    import os
    import subprocess
    import sys

    db = store_path.resolve().parent / "tiangong_platform.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "tiangong.platform.settings"
    with err.status("platform: database, demo county, publication, accounts…"):
        done = subprocess.run([sys.executable, "-m", "tiangong.platform.demo", str(db),
                               str(store_path.resolve()), run_id], env=env,
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        err.print(done.stderr[-3000:], markup=False)
        raise typer.Exit(1)
    built = json.loads(done.stdout.strip().splitlines()[-1])
    out.print(f"platform database {db}:")
    for note in built["notes"]:
        out.print(f"  {note}", markup=False)
    here = Path.cwd().resolve()
    prefix = "" if store_path.resolve().parent == here else (
        f"TIANGONG_STORE={store_path.resolve()} TIANGONG_PLATFORM_DB={db} ")
    out.print(f"start the platform: {prefix}python3 -m uv run tiangong serve  →  "
              "http://127.0.0.1:8000", markup=False)
    out.print("demo logins (no password change needed):")
    for label, username, password in built["logins"]:
        out.print(f"  {label:<12} {username:<12} {password}", markup=False)


@demo_app.command("generate")
def demo_generate(
    scale: Annotated[str, typer.Option(help="county (~3,000), city (~20,000), province "
                                            "(~120,000) or nation (~2,500,000).")] = "county",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same tables).")] = 1,
    year: Annotated[int, typer.Option(help="The last data year.")] = DEMO_YEAR,
    years: Annotated[int, typer.Option(help="How many consecutive years.")] = 2,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the canonical tables.")] = Path(
        "demo_data"),
    exports: Annotated[bool, typer.Option(
        "--exports", help="Also write the departmental exports of the last year (messy xlsx/CSV "
                          "as counties receive them) into OUT/exports, with the truth in "
                          "OUT/exports/_truth.")] = False,
) -> None:
    """Write canonical tables (enterprises, events, tenancies) of a synthetic region."""
    from tiangong.demo.generator import generate, write_canonical

    with progress_bar(f"generating a {scale}") as update:
        update("generate", 0, 3)
        tables = generate(scale, seed, year=year, years=years)
        update("write", 1, 3)
        paths = write_canonical(tables, out_dir)
        if exports:
            from tiangong.demo.exports import write_exports

            update("exports", 2, 3)
            manifest = write_exports(tables, out_dir / "exports", seed, year)
    for name, path in paths.items():
        out.print(f"wrote {path} ({tables[name].num_rows} rows)")
    if exports:
        for f in manifest.files:
            out.print(f"wrote {f.path} ({f.data_rows} data rows, {f.encoding or 'xlsx'})")
