"""WSGI entry point for gunicorn: `gunicorn tiangong.platform.wsgi`.

The URLconf (and with it every view module, the API schema and their libraries) is imported
here, when a worker starts, instead of lazily inside the first request it serves: that import
takes seconds, and under 50 users every request queued behind it waited for it too.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiangong.platform.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  (imported for its side effect: load every view)
