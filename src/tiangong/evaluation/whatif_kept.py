"""What-if sessions kept open between explanations of one stored run.

Opening a session (`whatif_session.WhatIfSession`) loads the inputs of the firm's group and
partition into DuckDB, materialises their rows and group statistics and checks that they give
the stored results: at province scale about 0.25 s of the 0.6 s a firm's what-if takes, the
same for every firm of that group and partition. A process that explains one firm after
another (the platform's task worker, which keeps the run it read; `tiangong explain` with
many enterprises) keeps the sessions it used here and gives them to the next firm of the same
group and partition, which then pays only its own questions and the check of its own result.

A session is kept only as it was opened: every firm's values put back and the group
statistics recomputed from them (`WhatIfSession.set_value` with `refresh`), so the next
firm's search starts from the stored values exactly as in a new session; a session whose
search failed is closed, not kept. A session is used by one thread at a time: `take` hands
it out and forgets it until `give` brings it back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from tiangong.evaluation.whatif_session import WhatIfSession

T = TypeVar("T")

# sessions kept at most: the two variables of two groups and partitions (a province's
# 规上 and 规下 firms asked alternately); each holds its group's rows: at province scale the
# four took 0.3 GB beside the 0.3 GB of the run (measured RSS, 120,000 firms)
KEPT_AT_MOST = 4


class KeptSessions:
    """Open sessions by (group, partition, variable), the most recently given kept last."""

    def __init__(self, at_most: int = KEPT_AT_MOST) -> None:
        self._at_most = at_most
        self._lock = threading.Lock()
        self._idle: dict[Hashable, WhatIfSession] = {}

    def take(self, key: Hashable) -> WhatIfSession | None:
        """The session kept under `key`, now the caller's alone; None when there is none."""
        with self._lock:
            return self._idle.pop(key, None)

    def give(self, key: Hashable, session: WhatIfSession) -> None:
        """Keep `session` (restored to the stored values) for the next firm of `key`."""
        with self._lock:
            dropped = [s for k, s in self._idle.items() if k == key]
            self._idle.pop(key, None)
            self._idle[key] = session
            while len(self._idle) > self._at_most:
                dropped.append(self._idle.pop(next(iter(self._idle))))
        for s in dropped:
            s.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle.values()), {}
        for s in idle:
            s.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)


class Once(Generic[T]):
    """A value computed on first use, once, whichever thread asks first (the relevant inputs
    of a batch: not needed at all when kept sessions serve it)."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._value: list[T] = []

    def __call__(self) -> T:
        with self._lock:
            if not self._value:
                self._value.append(self._compute())
            return self._value[0]


__all__ = ["KEPT_AT_MOST", "KeptSessions", "Once"]
