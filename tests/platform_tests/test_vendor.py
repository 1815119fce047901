"""Vendored front-end files match the checksums recorded in VENDOR.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import tiangong.platform.core

VENDOR = Path(tiangong.platform.core.__file__).parent / "static" / "vendor"


def test_vendor_checksums() -> None:
    table = (VENDOR / "VENDOR.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+\.js) \| (\S+) \| ([\d.]+) \| .*? \| ([0-9a-f]{64}) \|$", table,
                      re.MULTILINE)
    assert {r[0] for r in rows} == {"htmx.min.js", "echarts.min.js"}
    for name, _package, version, digest in rows:
        data = (VENDOR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert version.encode() in data[:2000] or name == "echarts.min.js"
    assert rows[0][2].startswith("2.0.") and rows[1][2].startswith("6.")
