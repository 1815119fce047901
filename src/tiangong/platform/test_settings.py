"""Settings for the test suite: the production settings with a fixed key and fast hashing."""

from __future__ import annotations

import os

os.environ.setdefault("TIANGONG_SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)

from tiangong.platform.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# The example app (tiangong.platform.example) is the test bed of the core's mechanisms.
INSTALLED_APPS = ["tiangong.platform.example", *INSTALLED_APPS]  # noqa: F405
STATIC_ROOT = None  # type: ignore[assignment]  # static files come from the app folders (WHITENOISE_USE_FINDERS)
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="tiangong-test-media-")
