"""`tiangong intake`: departmental exports → canonical tables, with quality and reconciliation.

`register(app)` adds the command to the main app; errors (`DataError` naming the files) are left
to the main app's handler, which prints one problem per line and exits with code 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)


def _num(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{float(v):,.4f}" if isinstance(v, float) else str(v)


def intake_command(
    exports: Annotated[Path, typer.Argument(help="Folder of departmental exports (名录, 税收, "
                                            "用电, 用地, 统计, 环境, 事件 files).")],
    year: Annotated[int, typer.Option(help="Data year of the exports.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the canonical tables and the "
                                      "reports; replaced only when intake succeeds.")] = Path(
        "canonical"),
) -> None:
    """Link every record to the registry, aggregate per enterprise and write enterprises /
    events / tenancies.parquet, quality.xlsx, reconciliation.csv and review_<year>.xlsx."""
    from tiangong.intake.assemble import assemble

    result = assemble(exports, year, out)
    rec = result.reconciliation
    files = rec[rec["file"] != "合计"]
    table = Table(title=f"intake {year}: {len(files)} files")
    for head in ("file", "source", "read", "used", "quarantined", "excluded", "reasons"):
        table.add_column(head, justify="right" if head in
                         ("read", "used", "quarantined", "excluded") else "left")
    for r in files.itertuples():
        table.add_row(str(r.file), str(r.source), str(r.rows_read), str(r.rows_used),
                      str(r.rows_quarantined), str(r.rows_excluded), str(r.reasons))
    console.print(table)
    sums = Table(title="sums (canonical units)")
    for head in ("measure", "unit", "before", "after", "quarantined", "unexplained"):
        sums.add_column(head, justify="left" if head in ("measure", "unit") else "right")
    for r in rec[rec["file"] == "合计"].itertuples():
        sums.add_row(str(r.measure), str(r.unit), _num(r.before), _num(r.after),
                     _num(r.quarantined), _num(r.difference))
    console.print(sums)
    n_review = len(result.review)
    console.print(f"{len(result.enterprises)} enterprises, {len(result.events)} events; "
                  f"{n_review} record(s) awaiting review in {out / f'review_{year}.xlsx'}; "
                  f"{len(result.quality)} quality rows in {out / 'quality.xlsx'} "
                  f"({result.seconds:.1f} s)")


def register(app: typer.Typer) -> None:
    """Add `intake` to the main app."""
    app.command("intake")(intake_command)
