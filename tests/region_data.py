"""Shared makings of the regional tests: a stored run of the demo city, its divisions, boundaries.

The demo generator's city layout is 台州 (nine county-level units, real codes); the divisions
table and the square "boundaries" are written here, by the tests, not copied from shared data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
from tiangong.runs.store import RunStore

TAIZHOU: dict[str, str] = {
    "331002": "椒江区", "331003": "黄岩区", "331004": "路桥区", "331022": "三门县",
    "331023": "天台县", "331024": "仙居县", "331081": "温岭市", "331082": "临海市",
    "331083": "玉环市",
}


def stored_city_run(folder: Path, seed: int = 5) -> tuple[Path, str]:
    """A store holding one run of 7,000 demo firms spread over 台州's nine counties (2022)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "runs.duckdb"
    ev = evaluate("huangyan_2022", generate(7000, seed), 2022)
    with RunStore(store) as st:
        run_id = st.save(ev).id
    return store, run_id


def divisions_csv(folder: Path) -> Path:
    """台州市 and its counties, plus 杭州's 西湖区 (a county outside the run)."""
    lines = ["code,name,level,parent_code", "331000,台州市,city,330000"]
    lines += [f"{c},{n},county,331000" for c, n in TAIZHOU.items()]
    lines += ["330100,杭州市,city,330000", "330106,西湖区,district,330100"]
    path = folder / "divisions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def square(code: Any, i: int, code_property: str = "code") -> dict[str, Any]:
    """A 0.4° square, the i-th of a 3-wide grid, with the code under `code_property`."""
    x, y = 120.0 + 0.5 * (i % 3), 28.0 + 0.5 * (i // 3)
    ring = [[x, y], [x + 0.4, y], [x + 0.4, y + 0.4], [x, y + 0.4], [x, y]]
    return {"type": "Feature", "properties": {code_property: code, "name": f"方块{code}"},
            "geometry": {"type": "Polygon", "coordinates": [ring[::-1]]}}


def boundaries(path: Path, codes: list[Any], code_property: str = "code") -> Path:
    features = [square(c, i, code_property) for i, c in enumerate(codes)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path
