"""Boundary files for the dashboard map: read with the library's checks, rewound, matched.

The file is the user's own (a county's surveying bureau or a DataV download): the platform
never fetches one. It is checked by `tiangong.report.boundaries.load_boundaries` (the messages
the CLI gives), its rings rewound by `tiangong.report.charts.wound_geometry` so that files in
either winding order (RFC 7946 counter-clockwise exteriors, or d3's clockwise ones) draw with
their holes empty, and matched to the dashboard's units by region code with
`match_boundaries`, whose mismatches the page lists.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from tiangong.errors import DataError
from tiangong.report.boundaries import BoundaryMatch, load_boundaries, match_boundaries
from tiangong.report.charts import wound_geometry


class BoundaryRefused(ValueError):
    """The uploaded file cannot be used; the message is Chinese and names the problem."""


def read_upload(data: bytes, code_property: str) -> dict[str, Any]:
    """The uploaded GeoJSON as a FeatureCollection with rewound rings, or BoundaryRefused."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "boundary.geojson"
        path.write_bytes(data)
        try:
            collection = load_boundaries(path, code_property)
        except DataError as err:
            problems = "；".join(p.message for p in err.problems)
            raise BoundaryRefused(f"边界文件无法使用：{problems}") from None
    return rewound(collection)


def rewound(collection: dict[str, Any]) -> dict[str, Any]:
    features = []
    for feat in collection.get("features", []):
        if isinstance(feat, dict):
            feat = dict(feat)
            feat["geometry"] = wound_geometry(feat.get("geometry"))
        features.append(feat)
    return {"type": "FeatureCollection", "features": features}


def match(collection: dict[str, Any], units: list[dict[str, Any]], code_property: str,
          name_property: str) -> BoundaryMatch:
    """Units (dicts with code and name) against the features, by region code."""
    rows = pd.DataFrame({"region_code": [u["code"] for u in units],
                         "region_name": [u["name"] for u in units]})
    return match_boundaries(rows, collection.get("features", []), code_property,
                            name_property or None)
