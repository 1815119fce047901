"""Regional views of enterprise results: divisions, totals and ranks, and awards such as 天工鼎."""

from tiangong.regions.aggregate import aggregate, aggregate_run, enterprise_frame
from tiangong.regions.awards import AwardConfig, PeerGroup, award, tiangong_ding
from tiangong.regions.divisions import Regions, read_regions
from tiangong.regions.measures import column_labels, with_labels

__all__ = [
    "AwardConfig",
    "PeerGroup",
    "Regions",
    "aggregate",
    "aggregate_run",
    "award",
    "column_labels",
    "enterprise_frame",
    "read_regions",
    "tiangong_ding",
    "with_labels",
]
