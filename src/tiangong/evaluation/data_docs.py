"""The data-format reference (docs/data-formats.md), generated from `tiangong.evaluation.canonical`.

The canonical tables are defined once in code; the reference is rendered from that definition and
a test fails when the checked-in file differs. Regenerate with
`uv run python -m tiangong.evaluation.data_docs > docs/data-formats.md`.
"""

from __future__ import annotations

from tiangong.evaluation import canonical

INTRO = """# Data formats: the canonical tables

Generated from `src/tiangong/evaluation/canonical.py` by
`uv run python -m tiangong.evaluation.data_docs > docs/data-formats.md`; a test fails when they
disagree.

`tiangong evaluate --data DIR` reads a folder holding `enterprises` and, optionally, `events` and
`tenancies`, each as one `.parquet` or `.csv` file (`enterprises.parquet`) or a folder of such
files (`enterprises/part-1.parquet`, …). CSV is UTF-8 (a BOM is fine) with a header row; codes
are read as text, so leading zeros survive. Columns that are not listed are ignored, except
those a scheme declares under `variables:` (COD, 工业总产值, a flag: see docs/scheme-format.md),
which must then be in `enterprises` and are read with the declared type; listed
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


def _intake() -> list[str]:
    """Sources of departmental exports: canonical columns, header synonyms, units."""
    from tiangong.intake.assemble import KEYWORDS
    from tiangong.intake.headers import CANONICAL_UNIT, SOURCES, UNITS

    words = dict(KEYWORDS)
    lines = ["", "## Departmental exports (`tiangong intake`)", "",
             "Intake reads the departments' files (xlsx, xls, CSV in UTF-8 or GBK, Parquet) and "
             "writes the tables above. A file's source comes from a keyword in its name, else "
             "from its headers; each header is matched, after normalisation (full-width "
             "characters, spaces, line breaks; a unit in brackets split off), exactly against "
             "the synonyms below, never fuzzily. Other names, headers, units, sheets or "
             "encodings: an intake manifest ([intake-manifest.md](intake-manifest.md)).", ""]
    for source, specs in SOURCES.items():
        keys = " / ".join(words.get(source, ())) or "(by headers only)"
        lines += [f"### `{source}`: file names with {keys}", "",
                  "| column | kind | unit | required | headers recognised |",
                  "|---|---|---|---|---|"]
        for spec in specs:
            unit = CANONICAL_UNIT[spec.quantity] if spec.quantity else ""
            lines.append(f"| `{spec.name}` | {spec.kind} | {unit} | "
                         f"{'yes' if spec.required else ''} | {' / '.join(spec.synonyms)} |")
        lines.append("")
    lines += ["Units recognised in a header (\"用地面积(平方米)\") or a title line (\"单位：元\"), "
              "with the factor to the canonical unit (平方米 → 亩 is the county's "
              "`mu_per_square_metre`, default 0.0015):", "", "| unit | quantity | factor |",
              "|---|---|---|"]
    lines += [f"| {u} | {q} | {'setting' if f is None else f'{f:g}'} |"
              for u, (q, f) in UNITS.items()]
    return lines


def _value_checks() -> list[str]:
    from tiangong.evaluation.plausibility import HUGE, TINY

    never = ", ".join(dict.fromkeys(
        f"`{c.name}`" for t in ("enterprises", "tenancies")
        for c in canonical.TABLES[t] if c.numeric and not c.can_be_negative))
    tiny = ", ".join(f"`{k}` below {v:g} {canonical.column('enterprises', k).unit}"
                     for k, v in TINY.items())
    return ["## Values checked before an evaluation", "",
            "`evaluate` checks the numbers of `enterprises` and `tenancies` for the years it "
            "reads before anything is computed; each finding names the file, the row (a CSV's "
            "line, a Parquet file's row counted from 1) and the column:", "",
            f"* **refused**: a value that is not finite (`inf`, `-inf`, `NaN`) or whose "
            f"magnitude is {HUGE:.0e} or more in its unit; a negative value in {never};",
            f"* **implausible**, refused unless the analyst accepts them with "
            f"`--accept-implausible` (then each is kept as a warning of the run): a value above "
            f"0 and {tiny};",
            "* **reported** as a warning of the run: a USCC whose check characters "
            "(GB 32100-2015 and the GB 11714 organisation code inside it) do not hold.", ""]


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
    lines += _value_checks()
    lines += _intake()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_data_formats(), end="")
