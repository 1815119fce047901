"""`tiangong explain`: how one enterprise's score and class arose in a stored run, and what
would lift it.

The run is read once and the store closed before any what-if search (other processes may
write to it meanwhile). Enterprises come from `--enterprise`, repeated, all checked before any
search starts; or, with `--enterprise -`, from standard input, one per line, each answered as
it arrives: the run stays read and the what-if sessions of the firms asked stay open
(`whatif_kept`), so an analyst asking firm after firm waits for the first answer as for a
single one and for each later one about half as long.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from tiangong.cli.common import (
    StoreOpt,
    app,
    err,
    exit_at_once,
    open_store,
    out,
    print_error,
)
from tiangong.errors import Problem, TiangongError

EXPLAIN_CHUNK = 20  # enterprises explained between two progress messages
FROM_STDIN = "-"
PROMPT = "企业（统一社会信用代码或名称，Ctrl-D 结束）> "


def _check_explain_format(value: str) -> str:
    if value not in ("table", "json"):
        raise typer.BadParameter(f"{value!r}; choose table or json")
    return value


@app.command()
def explain(
    run: Annotated[str, typer.Option(help="Run id (R0001), or latest.")],
    enterprise: Annotated[list[str], typer.Option(
        help="The enterprise's USCC, or its name (or a part of it that only one name has); "
             "repeat it to explain several enterprises with one reading of the run; '-' "
             "reads them from standard input, one per line, and answers each as it "
             "arrives.")],
    store: StoreOpt = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if/--no-what-if", help="Search the smallest change that lifts the class.")
    ] = True,
    fmt: Annotated[str, typer.Option(
        "--format", help="How to print: table (text lines) or json (an object; a list of "
                         "them for several enterprises; one object per line for '-').",
        callback=_check_explain_format)] = "table",
    as_json: Annotated[bool, typer.Option("--json", hidden=True,
                                          help="Same as --format json.")] = False,
) -> None:
    """How one enterprise's score and class arose in a stored run, and what would lift it."""
    streamed = FROM_STDIN in enterprise
    if streamed and len(enterprise) > 1:
        raise TiangongError([Problem("--enterprise - reads the enterprises from standard "
                                     "input; give it alone")], "invalid options; nothing was run")
    with open_store(store) as st:
        from tiangong.evaluation.explain import read_stored_run

        stored = read_stored_run(st, run, with_inputs=what_if)
    json_out = as_json or fmt == "json"
    if streamed:
        failed = _explain_stream(stored, what_if=what_if, json_out=json_out)
        if failed:
            raise typer.Exit(2)
        exit_at_once()
        return
    explained = _explain_listed(stored, enterprise, what_if=what_if)
    exit_at_once()  # only read and print from here on
    if json_out:
        dicts = [ex.to_dict() for ex in explained]
        out.print_json(json.dumps(dicts[0] if len(dicts) == 1 else dicts, ensure_ascii=False,
                                  default=str))
        return
    for i, ex in enumerate(explained):
        if i:
            out.print("")
        _print_lines(ex)


def _explain_listed(stored: Any, enterprises: list[str], *, what_if: bool) -> list[Any]:
    from tiangong.evaluation.explain import explain_found, find_all

    usccs = find_all(stored, enterprises)  # every one checked before any search starts
    if len(usccs) > EXPLAIN_CHUNK:  # the what-if sessions carried from chunk to chunk
        from tiangong.evaluation.whatif_kept import KeptSessions

        stored.kept = KeptSessions()
    explained = []
    try:
        # in chunks, so that a long list shows its progress; the firms of a chunk that share
        # a group and partition share the what-if's sessions
        for start in range(0, len(usccs), EXPLAIN_CHUNK):
            chunk = usccs[start:start + EXPLAIN_CHUNK]
            done = f"（{start + len(chunk)}/{len(usccs)}）" if len(usccs) > 1 else ""
            with err.status(f"re-evaluating to find what would lift the class…{done}"
                            if what_if else "reading the run…"):
                explained += explain_found(stored, chunk, what_if=what_if)
    finally:
        if stored.kept is not None:
            stored.kept.close()
    return explained


def _explain_stream(stored: Any, *, what_if: bool, json_out: bool) -> int:
    """Each line of standard input explained as it arrives (a blank line skipped), printed
    and flushed at once: text with a blank line after each, or one JSON object per line. A
    name the run lacks is reported on stderr and the next line read. Returns how many lines
    named no enterprise."""
    from tiangong.evaluation.explain import explain_found, find_all
    from tiangong.evaluation.whatif_kept import KeptSessions

    stored.kept = KeptSessions() if what_if else None
    asking = sys.stdin.isatty()
    failed = 0
    try:
        while True:
            if asking:
                sys.stderr.write(PROMPT)
                sys.stderr.flush()
            line = sys.stdin.readline()
            if not line:
                break
            wanted = line.strip()
            if not wanted:
                continue
            try:
                usccs = find_all(stored, [wanted])
            except TiangongError as error:
                print_error(error)
                failed += 1
                continue
            ex = explain_found(stored, usccs, what_if=what_if)[0]
            if json_out:
                out.print(json.dumps(ex.to_dict(), ensure_ascii=False, default=str),
                          markup=False, highlight=False, soft_wrap=True)
            else:
                _print_lines(ex)
                out.print("")
            sys.stdout.flush()
    finally:
        if stored.kept is not None:
            stored.kept.close()
    return failed


def _print_lines(ex: Any) -> None:
    for line in ex.lines():
        out.print(line, markup=False)
