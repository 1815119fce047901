"""Regional views of enterprise results: divisions, totals and ranks, indicator tables joined
to them, and awards such as 天工鼎."""

from tiangong.regions.aggregate import aggregate, aggregate_run, enterprise_frame
from tiangong.regions.awards import AwardConfig, PeerGroup, award, tiangong_ding
from tiangong.regions.divisions import Regions, read_regions
from tiangong.regions.indicators import IndicatorTable, read_indicators
from tiangong.regions.join import (
    JoinReport,
    aggregate_with_indicators,
    describe_columns,
    join_indicators,
    write_table,
)
from tiangong.regions.measures import column_labels, with_labels

__all__ = [
    "AwardConfig",
    "IndicatorTable",
    "JoinReport",
    "PeerGroup",
    "Regions",
    "aggregate",
    "aggregate_run",
    "aggregate_with_indicators",
    "award",
    "column_labels",
    "describe_columns",
    "enterprise_frame",
    "join_indicators",
    "read_indicators",
    "read_regions",
    "tiangong_ding",
    "with_labels",
    "write_table",
]
