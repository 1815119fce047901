"""The `tiangong` command: a thin shell over the library.

Every command calls one library function and prints what it returns. Library errors
(`TiangongError`) become their messages, one problem per line, and exit code 2; nothing prints a
traceback at a user. Listing commands print a table, JSON or CSV. This module only assembles the
command modules (each imports `tiangong.cli.common`, never another command module).
"""

from __future__ import annotations

import tiangong.cli.evaluate  # noqa: F401  (registers evaluate and explain on the app)
from tiangong.cli.common import app, err
from tiangong.cli.demo import demo_app
from tiangong.cli.index import index_app
from tiangong.cli.intake import register as register_intake
from tiangong.cli.regions import award_command, regions_app
from tiangong.cli.runs import intakes_app, runs_app
from tiangong.cli.scheme import scheme_app
from tiangong.cli.serve import register as register_serve
from tiangong.errors import TiangongError

app.add_typer(scheme_app, name="scheme")
app.add_typer(runs_app, name="runs")
app.add_typer(intakes_app, name="intakes")
app.add_typer(demo_app, name="demo")
app.add_typer(regions_app, name="regions")
app.command("award")(award_command)
app.add_typer(index_app, name="index")
register_intake(app)
register_serve(app)


def main() -> None:
    try:
        app()
    except TiangongError as error:
        err.print(f"[red]error:[/red] {error.title}" if error.title else "[red]error:[/red]")
        for p in error.problems:
            err.print(f"  {p}", markup=False)
        raise SystemExit(2) from None
