"""Pictures people look at: rank intervals, Sobol bars, class mix per region, choropleth maps.

Charts are Altair (Vega-Lite) specs with Chinese titles; `save_chart` writes SVG/PNG/JSON/HTML
through vl-convert (no browser), and `write_html_report` puts several charts and tables in one
HTML file with the Vega JavaScript inlined, so it opens with no network.
"""

from tiangong.report.charts import (
    choropleth,
    class_share_chart,
    rank_interval_chart,
    sobol_chart,
)
from tiangong.report.html import write_html_report
from tiangong.report.render import cjk_font_directory, save_chart

__all__ = [
    "choropleth",
    "cjk_font_directory",
    "class_share_chart",
    "rank_interval_chart",
    "save_chart",
    "sobol_chart",
    "write_html_report",
]
