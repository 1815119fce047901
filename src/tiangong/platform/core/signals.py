"""Signals between the platform's apps, so one app reacts to another's work without importing it.

`intake_stored`: a data intake was saved in the run store (the evaluation app's intake task).
Keyword arguments: `store` (the run store's path), `intake_id`, `year`, `user_id`. The projects
app recomputes the hand-over (新升规 from the new 规上 roster, the 达产 check) when it arrives.
"""

from __future__ import annotations

from django.dispatch import Signal

intake_stored = Signal()
