"""Django settings, chosen by environment variables so one package serves a laptop and a county.

- `TIANGONG_DB=postgres` selects PostgreSQL, configured by `DATABASE_URL`
  (postgres://user:pass@host:port/name) or by the standard `PGHOST`, `PGPORT`, `PGUSER`,
  `PGPASSWORD`, `PGDATABASE` variables; anything else selects SQLite (WAL) at
  `$TIANGONG_PLATFORM_DB`, default `./tiangong_platform.sqlite3` in the working directory.
- `TIANGONG_SECRET_KEY` or a key file created once beside the database.
- `TIANGONG_DEBUG=1` for development only (tracebacks); the default never shows one.
- `TIANGONG_MAX_UPLOAD_MB` (default 50) caps a request body; `TIANGONG_ALLOWED_HOSTS` (comma list).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

# Apps of the platform, one per domain. A new app adds one line here; its urls.py and api.py are
# picked up by tiangong.platform.urls / core.api (see docs/platform-internals.md).
PLATFORM_APPS = [
    "tiangong.platform.core",
    "tiangong.platform.evaluation",
    "tiangong.platform.dashboard",
    "tiangong.platform.services",
    "tiangong.platform.projects",
]


def _sqlite_path() -> Path:
    return Path(os.environ.get("TIANGONG_PLATFORM_DB", "tiangong_platform.sqlite3")).resolve()


def _home() -> Path:
    """Folder holding the SQLite file, the secret key, uploads and collected static files."""
    return _sqlite_path().parent


def _secret_key() -> str:
    env = os.environ.get("TIANGONG_SECRET_KEY")
    if env:
        return env
    path = _home() / ".tiangong_secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _database() -> dict[str, Any]:
    if os.environ.get("TIANGONG_DB", "sqlite").lower() in ("postgres", "postgresql", "pg"):
        url = os.environ.get("DATABASE_URL")
        if url:
            u = urlparse(url)
            conf = {"NAME": unquote(u.path.lstrip("/")), "USER": unquote(u.username or ""),
                    "PASSWORD": unquote(u.password or ""), "HOST": u.hostname or "",
                    "PORT": str(u.port or "")}
        else:
            conf = {"NAME": os.environ.get("PGDATABASE", "tiangong"),
                    "USER": os.environ.get("PGUSER", "tiangong"),
                    "PASSWORD": os.environ.get("PGPASSWORD", ""),
                    "HOST": os.environ.get("PGHOST", "localhost"),
                    "PORT": os.environ.get("PGPORT", "5432")}
        return {"ENGINE": "django.db.backends.postgresql", **conf, "CONN_MAX_AGE": 60,
                "TEST": {"NAME": os.environ.get("TIANGONG_TEST_PGDATABASE")
                         or f"test_{conf['NAME']}"}}
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_sqlite_path()),
        # WAL lets readers work while the task worker writes; IMMEDIATE avoids the
        # deadlock-prone upgrade from a read to a write lock inside a transaction.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "transaction_mode": "IMMEDIATE", "timeout": 20},
    }


BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = _secret_key()
DEBUG = os.environ.get("TIANGONG_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("TIANGONG_ALLOWED_HOSTS",
                                           "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TIANGONG_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    *PLATFORM_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tiangong.platform.core.middleware.RequestContextMiddleware",
    "tiangong.platform.core.middleware.UploadLimitMiddleware",
    "tiangong.platform.core.middleware.RefuseNulMiddleware",
    "tiangong.platform.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tiangong.platform.core.middleware.LoginRequiredMiddleware",
    "tiangong.platform.core.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tiangong.platform.urls"
WSGI_APPLICATION = "tiangong.platform.wsgi.application"
AUTH_USER_MODEL = "core.User"
# ModelBackend, loading the session's user with its region in one query (core/auth.py).
AUTHENTICATION_BACKENDS = ["tiangong.platform.core.auth.PlatformBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
CSRF_FAILURE_VIEW = "tiangong.platform.core.views.errors.csrf_failure"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "tiangong.platform.core.navigation.context",
    ]},
}]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = 8 * 3600  # one working day; an expired session goes back to the login page
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if os.environ.get("TIANGONG_HTTPS", "") == "1":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("TIANGONG_STATIC_ROOT", str(_home() / "tiangong_static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("TIANGONG_MEDIA_ROOT", str(_home() / "tiangong_media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressing (gzip + brotli) costs ~35 s of CPU on the first collectstatic; production
    # turns it on with TIANGONG_COMPRESS_STATIC=1 (docs/deployment.md).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
                    if os.environ.get("TIANGONG_COMPRESS_STATIC") == "1"
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files even before collectstatic

MAX_UPLOAD_BYTES = int(float(os.environ.get("TIANGONG_MAX_UPLOAD_MB", "50")) * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Login rate limit: failures per user name and per client address within the window.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_IP_LIMIT = 30
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

EMAIL_BACKEND = os.environ.get("TIANGONG_EMAIL_BACKEND",
                               "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("TIANGONG_FROM_EMAIL", "tiangong@localhost")
TIANGONG_SMS_BACKEND = "tiangong.platform.core.notify.LoggingSmsSender"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

TIANGONG_RUN_STORE = os.environ.get("TIANGONG_STORE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"tiangong": {"handlers": ["console"], "level": "INFO"},
                "django.request": {"handlers": ["console"], "level": "ERROR"}},
}
