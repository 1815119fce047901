"""Who is acting, in which request: a context variable set by middleware, tasks and commands.

The change log and the workflow events read it, so a signal handler knows the user and the
request id without the request being passed through every call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any  # a User or None (a system job)
    request_id: str


_current: ContextVar[Actor | None] = ContextVar("tiangong_actor", default=None)


def current_actor() -> Actor | None:
    return _current.get()


@contextmanager
def acting_as(user: Any, request_id: str | None = None) -> Iterator[Actor]:
    """Attribute the changes made inside the block to `user` (tasks, commands, tests)."""
    actor = Actor(user, request_id or f"job-{uuid.uuid4().hex[:16]}")
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_user() -> Any:
    """The acting User (resolved from the request when set by middleware), or None."""
    actor = _current.get()
    if actor is None or actor.user is None:
        return None
    user = actor.user.resolve() if hasattr(actor.user, "resolve") else actor.user
    return user if user is not None and getattr(user, "pk", None) is not None else None


def request_id() -> str:
    actor = _current.get()
    return actor.request_id if actor is not None else ""
