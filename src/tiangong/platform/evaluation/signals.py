"""What the evaluation app tells other apps, without importing them.

`results_published` is sent once a publication's rows are written and its state is 已发布, inside
the publication task (so its progress shows), with `publication` and `report` (the task's
progress callback). The dashboard fills its read model from it; an app that reads published
results can do the same without the evaluation app knowing it exists.
"""

from __future__ import annotations

from django.dispatch import Signal

results_published = Signal()
