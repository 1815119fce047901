"""The CLI reference (docs/cli.md), generated from the commands' own `--help`.

A test regenerates it and fails when the checked-in file differs, so the reference cannot drift
from the code. Regenerate with: `uv run python -m tiangong.cli.docs > docs/cli.md`.
"""

from __future__ import annotations

from typing import Any

import typer

HEADER = """# CLI reference

Generated from `tiangong … --help` by `uv run python -m tiangong.cli.docs > docs/cli.md`;
a test fails when this file and the commands disagree.
"""


def _walk(command: Any, path: list[str], parent: Any) -> list[str]:
    ctx = typer.Context(command, info_name=path[-1], parent=parent, terminal_width=100,
                        max_content_width=100)
    parts = [f"\n## `{' '.join(path)}`\n", "```text", command.get_help(ctx).rstrip(), "```"]
    subcommands = getattr(command, "commands", {})
    for name in command.list_commands(ctx) if subcommands else []:
        parts += _walk(subcommands[name], [*path, name], ctx)
    return parts


def render_cli_reference() -> str:
    from tiangong.cli.main import app

    root = typer.main.get_command(app)
    return HEADER + "\n".join(_walk(root, ["tiangong"], None)) + "\n"


if __name__ == "__main__":
    print(render_cli_reference(), end="")
