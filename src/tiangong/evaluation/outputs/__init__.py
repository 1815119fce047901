"""Publication outputs: the 公示 workbook, 一企一单 sheets and the flat results tables.

Writers take the engine's `results` frame and a `PublicationLayout`; they never read the scheme,
so what is published is exactly what was computed. Every file is written deterministically
(same input, same bytes) and atomically.
"""

from tiangong.evaluation.outputs.enterprise_sheet import (
    MAX_ENTERPRISE_SHEETS,
    write_enterprise_sheets,
)
from tiangong.evaluation.outputs.gongshi import write_gongshi_workbook
from tiangong.evaluation.outputs.layout import (
    ClassLayout,
    GroupLayout,
    ItemLayout,
    PublicationLayout,
    display_width,
)
from tiangong.evaluation.outputs.results_table import write_results_tables

__all__ = [
    "MAX_ENTERPRISE_SHEETS",
    "ClassLayout",
    "GroupLayout",
    "ItemLayout",
    "PublicationLayout",
    "display_width",
    "write_enterprise_sheets",
    "write_gongshi_workbook",
    "write_results_tables",
]
