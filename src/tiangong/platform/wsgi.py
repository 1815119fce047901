"""WSGI entry point for gunicorn: `gunicorn tiangong.platform.wsgi`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiangong.platform.settings")
application = get_wsgi_application()
