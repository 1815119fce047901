"""What every command module of the CLI shares: the Typer app, the consoles, common options,
progress bars and the table/JSON/CSV printer.

Command modules import from here and never from each other, so the CLI has no import circle;
`tiangong.cli.main` imports the command modules to register them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiangong.errors import TiangongError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help="天工 tiangong: evaluate manufacturing enterprises by land, energy and "
                  "emissions (亩均论英雄), reproducibly.", rich_markup_mode=None,
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  # inherited by every subcommand: `-h` wherever `--help` is
                  context_settings={"help_option_names": ["-h", "--help"]})



class LazyConsole:
    """A rich Console made on first use: importing rich costs a fifth of a second, which
    `tiangong --help` and every error path must not pay (they answer in well under 0.3 s)."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def get(self) -> Console:
        """The rich Console itself (for rich objects that take one)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


out: Any = LazyConsole(stderr=False)
err: Any = LazyConsole(stderr=True)


def print_error(error: TiangongError) -> None:
    """The error as plain lines on stderr, "error:" in red on a terminal. Not through rich:
    importing it costs more than the 0.3 s an error path may take (issue 15.24), and a title
    is text, not markup."""
    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    head = "\x1b[31merror:\x1b[0m" if color else "error:"
    lines = [f"{head} {error.title}" if error.title else head]
    lines += [f"  {p}" for p in error.problems]
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


_exit_at_once = [False]


def exit_at_once(wanted: bool = True) -> None:
    """Let the console script end the process as soon as this command returns, without the
    interpreter's teardown (`main.run`). For commands that only read and print (`explain`):
    they have nothing left to close, and tearing down the modules they imported (pyarrow,
    DuckDB, pydantic, sqlglot, NumPy) costs 0.1 s, a tenth of the second an explanation may
    take (issue 15.22). Not for commands that write or start services: their clean-up
    (temporary folders, Spark's JVM) runs at exit."""
    _exit_at_once[0] = wanted


def exits_at_once() -> bool:
    return _exit_at_once[0]


StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="Run store (a DuckDB file). Default: $TIANGONG_STORE or ./tiangong.duckdb.")]
PRINT_FORMATS = ("table", "json", "csv")


def _check_format(value: str) -> str:
    """`--format` is checked when the command line is read, before any work."""
    if value not in PRINT_FORMATS:
        raise typer.BadParameter(f"{value!r}; choose table, json or csv")
    return value


FormatOpt = Annotated[str, typer.Option("--format", help="How to print: table, json or csv.",
                                        callback=_check_format)]


def command_name() -> str:
    """How the user can call tiangong again from their shell, for commands we suggest: under
    `uv run` the console script is not on the shell's PATH, so `python3 -m uv run tiangong`;
    a script found on PATH is `tiangong`; otherwise the path it was started by."""
    import os
    import shutil

    if os.environ.get("UV_RUN_RECURSION_DEPTH"):
        via = "python3 -m uv" if "UV_INTERNAL__PARENT_INTERPRETER" in os.environ else "uv"
        return f"{via} run tiangong"
    started = Path(sys.argv[0])
    found = shutil.which("tiangong")
    if found and started.name == "tiangong" and Path(found).resolve() == started.resolve():
        return "tiangong"
    if started.name == "tiangong" and started.is_file():
        try:
            return str(started.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(started.resolve())
    return "python3 -m uv run tiangong"


def say_waiting(message: str) -> None:
    """How the CLI tells that it waits for the run store another process holds."""
    err.print(message, style="yellow", markup=False)


def open_store(store: Path | None, *, read_only: bool = True) -> Any:
    """The run store for a command: read-only unless it writes (readers never exclude each
    other), waiting for another process's write with a message (`tiangong.runs.access`).
    A missing store is reported before the store's heavy imports."""
    import os

    from tiangong.errors import Problem, RunNotFound

    path = store if store is not None else Path(os.environ.get("TIANGONG_STORE",
                                                               "tiangong.duckdb"))
    if read_only and not path.exists():
        raise RunNotFound([Problem("no run store here yet; run 'tiangong evaluate' first or "
                                   "pass --store", str(path))])
    from tiangong.runs.store import RunStore

    return RunStore(path, read_only=read_only, on_wait=say_waiting)


@contextmanager
def progress_bar(title: str) -> Iterator[Any]:
    """A progress bar on stderr; yields a callback (step name, done, total)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} {task.fields[step]}"),
                  TimeElapsedColumn(), console=err.get(), transient=True) as bar:
        task = bar.add_task(title, total=1, step="")

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, step=step)

        yield update


def print_rows(rows: list[dict[str, Any]], fmt: str, title: str = "") -> None:
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
    elif fmt == "csv":
        import pandas as pd  # not at start-up: `tiangong --help` must answer at once

        sys.stdout.write(pd.DataFrame(rows).to_csv(index=False, lineterminator="\n"))
    elif fmt == "table":
        from rich.table import Table

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
    from rich.table import Table

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


