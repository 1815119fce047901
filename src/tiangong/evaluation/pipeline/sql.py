"""Small helpers that keep generated SQL portable between DuckDB and Spark."""

from __future__ import annotations


def literal(value: object) -> str:
    """A SQL literal whose type is the same on every engine.

    Plain decimals type as DECIMAL in DuckDB and Spark with different precision rules, so floats
    are written in exponent form, which both read as DOUBLE.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if "e" in text else f"{text}e0"
    return "'" + str(value).replace("'", "''") + "'"


def exact_mean(expr: str) -> str:
    """Mean that does not depend on row order or thread count.

    Summing doubles in parallel gives last-bit differences between runs; summing as a wide
    decimal is exact, so re-runs and engines agree bit for bit before the final division.
    """
    return (f"(CAST(SUM(CAST({expr} AS DECIMAL(38, 18))) AS DOUBLE)"
            f" / NULLIF(COUNT({expr}), 0))")


def case_by_group(branches: dict[str, str], default: str = "NULL") -> str:
    """CASE over group_id; groups missing from `branches` get `default`."""
    if not branches:
        return default
    whens = " ".join(f"WHEN {literal(g)} THEN {sql}" for g, sql in branches.items())
    return f"CASE group_id {whens} ELSE {default} END"
