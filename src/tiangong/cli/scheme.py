"""`tiangong scheme check | list | show`: validate, list and print evaluation schemes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tiangong.cli.common import FormatOpt, out, print_rows

scheme_app = typer.Typer(help="Check, list and show evaluation schemes.", no_args_is_help=True,
                         rich_markup_mode=None)


@scheme_app.command("check")
def scheme_check(scheme: Annotated[str, typer.Argument(help="A scheme YAML file or built-in id.")]
                 ) -> None:
    """Validate a scheme; every problem is reported at once with its file and line."""
    from tiangong.evaluation.scheme.loader import load_scheme

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
    from tiangong.evaluation.scheme.loader import builtin_ids, load_scheme

    rows = []
    for sid in builtin_ids():
        s = load_scheme(sid).scheme
        rows.append({"id": sid, "name": s.name, "region": s.region, "data_year": s.data_year})
    print_rows(rows, fmt, "built-in schemes")


@scheme_app.command("show")
def scheme_show(scheme: Annotated[str, typer.Argument(help="Built-in id or file.")]) -> None:
    """Print a scheme's YAML (e.g. to start a new county's file from a built-in)."""
    from tiangong.evaluation.scheme.loader import load_scheme

    sys.stdout.write(load_scheme(scheme).text)


