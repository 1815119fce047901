"""The `tiangong` command: a thin shell over the library.

Every command calls one library function and prints what it returns. Library errors
(`TiangongError`) become their messages, one problem per line, and exit code 2; nothing prints a
traceback at a user. Listing commands print a table, JSON or CSV. This module only assembles the
command modules (each imports `tiangong.cli.common`, never another command module).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

import tiangong.cli.evaluate  # (registers evaluate on the app)
import tiangong.cli.explain  # noqa: F401  (registers explain on the app)
from tiangong.cli.common import app, exit_at_once, exits_at_once, print_error
from tiangong.cli.demo import demo_app
from tiangong.cli.index import index_app
from tiangong.cli.intake import register as register_intake
from tiangong.cli.regions import award_command, regions_app
from tiangong.cli.runs import intakes_app, runs_app
from tiangong.cli.scheme import scheme_app
from tiangong.cli.serve import register as register_serve
from tiangong.errors import TiangongError


def _print_version(value: bool) -> None:
    if value:
        from tiangong import __version__

        print(f"tiangong {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    pass


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
        print_error(error)
        raise SystemExit(2) from None


def run() -> None:
    """The console script: `main`, ended at once when the command asked for it
    (`common.exit_at_once`) and succeeded: its output flushed, the process exits without
    tearing the interpreter down. Tests call `main`, which always returns or raises."""
    exit_at_once(False)
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code in (0, None) and exits_at_once():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe (`| head`): the same as the normal exit's flush
            code = 120
        os._exit(int(code or 0))
    raise SystemExit(code)
