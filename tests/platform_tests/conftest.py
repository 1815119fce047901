"""Platform tests: marked `platform`; SQLite by default, PostgreSQL with TIANGONG_DB=postgres."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tiangong.platform.core.testing import World, make_world

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.platform)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


class _InFlight:
    """The live server's WSGI app, counting the requests it is still answering.

    On SQLite the live server's threads share the test's in-memory connection: a request the
    browser left behind (a chart's fetch when the page closed) can hold a cursor open while
    the test's teardown flushes the tables, and the flush then fails with "database table is
    locked" and leaves the next test the old rows. Teardown waits until nothing is in flight.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.changed:
            self.count += 1
        try:
            return _Closing(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def settle(self, timeout: float = 30.0) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


class _Closing:
    """A WSGI response that tells when the server has closed it (sent, or the client gone)."""

    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self.result = result
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


@pytest.fixture(autouse=True)
def _live_server_settles(request: pytest.FixtureRequest) -> Iterator[None]:
    """For tests on the live server: no request still running when the database is flushed."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so flushed after the wait
    httpd = request.getfixturevalue("live_server").thread.httpd
    app = httpd.get_app()
    counter = app if isinstance(app, _InFlight) else _InFlight(app)
    httpd.set_app(counter)
    yield
    counter.settle()
