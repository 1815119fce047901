"""Pictures people look at: rank intervals, Sobol bars, class mix per region, choropleth maps.

Charts are Altair (Vega-Lite) specs with Chinese titles; `save_chart` writes SVG/PNG/JSON/HTML
through vl-convert (no browser), and `write_html_report` puts several charts and tables in one
HTML file with the Vega JavaScript inlined, so it opens with no network (`rank_summary_table`
and `sobol_table` give the index tables their Chinese headers there). `regions_report` writes
the regional pictures (class mix, map from a user's GeoJSON) and their page at once.
"""

from tiangong.report.boundaries import BoundaryMatch, load_boundaries, match_boundaries
from tiangong.report.charts import (
    choropleth,
    class_share_chart,
    rank_interval_chart,
    sobol_chart,
)
from tiangong.report.html import write_html_report
from tiangong.report.regional import RegionsReport, regions_report
from tiangong.report.render import cjk_font_directory, save_chart
from tiangong.report.tables import rank_summary_table, sobol_table

__all__ = [
    "BoundaryMatch",
    "RegionsReport",
    "choropleth",
    "cjk_font_directory",
    "class_share_chart",
    "load_boundaries",
    "match_boundaries",
    "rank_interval_chart",
    "rank_summary_table",
    "regions_report",
    "save_chart",
    "sobol_chart",
    "sobol_table",
    "write_html_report",
]
