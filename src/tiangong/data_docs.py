"""The data-format reference (docs/data-formats.md), generated from `tiangong.canonical`.

The canonical tables are defined once in code; the reference is rendered from that definition and
a test fails when the checked-in file differs. Regenerate with
`uv run python -m tiangong.data_docs > docs/data-formats.md`.
"""

from __future__ import annotations

from tiangong import canonical

INTRO = """# Data formats: the canonical tables

Generated from `src/tiangong/canonical.py` by
`uv run python -m tiangong.data_docs > docs/data-formats.md`; a test fails when they disagree.

`tiangong evaluate --data DIR` reads a folder holding `enterprises` and, optionally, `events` and
`tenancies`, each as one `.parquet` or `.csv` file (`enterprises.parquet`) or a folder of such
files (`enterprises/part-1.parquet`, …). CSV is UTF-8 (a BOM is fine) with a header row; codes
are read as text, so leading zeros survive. Columns that are not listed are ignored; listed
columns that are absent are read as empty (missing), except the required ones, whose absence is an
error naming the file and the headers found. Units are fixed (万元, 亩, 吨标准煤, 万kWh, 吨):
converting 元 or 平方米 is the intake's job, never the evaluation's.

One row per enterprise and year in `enterprises`; schemes whose benchmark is a prior-year mean
need the prior year's rows too. A uscc may appear once per year only.
"""


def _table(name: str, columns: tuple[canonical.Column, ...]) -> list[str]:
    lines = [f"\n## `{name}`\n", "| column | type | 中文 | unit | required |",
             "|---|---|---|---|---|"]
    for c in columns:
        lines.append(f"| `{c.name}` | {c.sql_type} | {c.label} | {c.unit} | "
                     f"{'yes' if c.required else ''} |")
    return lines


def render_data_formats() -> str:
    lines = [INTRO.rstrip()]
    for name, columns in canonical.TABLES.items():
        lines += _table(name, columns)
    lines += ["", "`size_class` is `above` (规上) or `below` (规下). `severity` in `events` is "
              "free text; the generator and the built-in schemes use `major` and `general`.", "",
              "## Event types", "", "| event_type | 中文 |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in canonical.EVENT_TYPES.items()]
    lines += ["", "## Derived variables", "",
              "Computed by the engine for every enterprise-year; schemes may use them in "
              "expressions like the columns above.", "", "| variable | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in canonical.DERIVED_VARIABLES.items()]
    lines += ["", "Event counts: `event_count('safety_accident')`, "
              "`event_count('safety_accident', 'major')` or `events.env_violation` count an "
              "enterprise's events of the evaluation year.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_data_formats(), end="")
