"""Engine adapters: one per engine behind `Engine`, optional ones imported lazily."""

from __future__ import annotations

from tiangong.errors import TiangongError
from tiangong.evaluation.engines.base import Engine

ENGINES = ("duckdb", "spark")


def get_engine(name: str = "duckdb", **options: object) -> Engine:
    if name == "duckdb":
        from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    if name == "spark":
        try:
            from tiangong.evaluation.engines.spark_engine import SparkEngine
        except ImportError as err:
            raise TiangongError(
                f"the Spark engine needs pyspark ({err}); install with: "
                "pip install 'tiangong[spark]' (and Java 17)"
            ) from None
        return SparkEngine(**options)  # type: ignore[arg-type]
    raise TiangongError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "get_engine"]
