"""Debian's Chromium for the browser tests, set up once for all of them.

Playwright drives /usr/bin/chromium (never `playwright install`: no browser is downloaded);
the flags keep it off this machine's closed network. Tests of the platform's live server set
DJANGO_ALLOW_ASYNC_UNSAFE, because sync Playwright runs an event loop in the test's thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# pytestmark of every browser test module
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"),
]


@contextmanager
def launched() -> Iterator[Any]:
    """A headless Chromium browser, closed afterwards."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
