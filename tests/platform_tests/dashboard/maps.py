"""Boundary GeoJSON for the dashboard's map tests: one town with a hole (a 开发区 enclave cut out,
as real boundary files have), in either winding order, plus a feature with no data."""

from __future__ import annotations

import json
from typing import Any

# Exterior clockwise in (lon, lat): up the west side, along the north, down the east side.
OUTER_CW = [[121.0, 28.5], [121.0, 28.7], [121.2, 28.7], [121.2, 28.5], [121.0, 28.5]]
HOLE_CCW = [[121.05, 28.55], [121.15, 28.55], [121.15, 28.65], [121.05, 28.65],
            [121.05, 28.55]]
OTHER_CW = [[121.2, 28.5], [121.2, 28.7], [121.4, 28.7], [121.4, 28.5], [121.2, 28.5]]
NO_DATA_CW = [[121.4, 28.5], [121.4, 28.7], [121.6, 28.7], [121.6, 28.5], [121.4, 28.5]]


def collection(rfc7946: bool) -> dict[str, Any]:
    """RFC 7946 winding (exteriors counter-clockwise, holes clockwise) or d3's (the reverse)."""
    def ring(r: list[list[float]]) -> list[list[float]]:
        return r[::-1] if rfc7946 else r

    feats = [("331003001", "东城街道", [ring(OUTER_CW), ring(HOLE_CCW)]),
             ("331003100", "院桥镇", [ring(OTHER_CW)]),
             ("331003999", "无数据镇", [ring(NO_DATA_CW)])]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": code, "name": name},
         "geometry": {"type": "Polygon", "coordinates": rings}} for code, name, rings in feats]}


def as_bytes(rfc7946: bool) -> bytes:
    return json.dumps(collection(rfc7946), ensure_ascii=False).encode()
