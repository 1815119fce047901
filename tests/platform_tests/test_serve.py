"""`tiangong serve` for real: migrations, gunicorn on a free port, whitenoise static files, CSP,
sign-in with CSRF, and a background task run by the worker it starts."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tiangong.platform.core.testing import PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "tiangong.platform.manage", *args], env=env,
                          capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture
def served(tmp_path: Path):
    if os.environ.get("TIANGONG_DB", "sqlite") != "sqlite":
        pytest.skip("the serve test uses its own SQLite file")
    port = _free_port()
    env = {**os.environ, "TIANGONG_PLATFORM_DB": str(tmp_path / "platform.sqlite3"),
           "TIANGONG_SECRET_KEY": "serve-test-key-" + "y" * 40,
           "DJANGO_SETTINGS_MODULE": "tiangong.platform.settings"}
    command = [str(Path(sys.executable).parent / "tiangong"), "serve", "--port", str(port),
               "--workers", "1"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() if proc.stdout else "serve exited") \
                    from None
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError("tiangong serve did not answer within 90 s")
    try:
        yield base, env, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_end_to_end(served, tmp_path: Path) -> None:
    base, env, _proc = served
    login = urllib.request.urlopen(base + "/login/")
    assert login.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "登录" in login.read().decode()
    htmx = urllib.request.urlopen(base + "/static/vendor/htmx.min.js")
    assert htmx.status == 200 and b"htmx" in htmx.read()[:3000]
    # a county analyst created by the administrator's roster logs in through the form
    _manage(env, "shell", "--no-imports", "-c", (
        "from tiangong.platform.core.models import Region, User;"
        "r = Region.objects.create(code='331003', name='黄岩区', level='county');"
        "u = User(username='hy', role='county_analyst', region=r);"
        f"u.set_password('{PASSWORD}'); u.save()"))
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    data = urllib.parse.urlencode({"username": "hy", "password": PASSWORD,
                                   "csrfmiddlewaretoken": token.group(1)}).encode()
    home = opener.open(urllib.request.Request(base + "/login/", data=data,
                                              headers={"Referer": base + "/login/"}))
    assert "县级分析员" in home.read().decode()
    # the worker started by `serve` runs a task and records its progress
    out = _manage(env, "shell", "--no-imports", "-c", (
        "from tiangong.platform.core.progress import enqueue_with_progress;"
        "from tiangong.platform.core.tasks import seed_calendar_years;"
        "r = enqueue_with_progress(seed_calendar_years, '日历', None, None, [2024, 2099]);"
        "print(r.id)"))
    result_id = out.strip().splitlines()[-1]
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = _manage(env, "shell", "--no-imports", "-c", (
            "from tiangong.platform.core.progress import task_status;"
            f"s = task_status('{result_id}'); print(s['status'], s.get('percent'))")).strip()
        if status.startswith(("SUCCESSFUL", "FAILED")):
            break
        time.sleep(1)
    assert status == "SUCCESSFUL 100"
    count = _manage(env, "shell", "--no-imports", "-c", (
        "from tiangong.platform.core.models import WorkCalendarDay;"
        "print(WorkCalendarDay.objects.filter(date__year=2024).count())"))
    assert count.strip() == "366"
    journal = _manage(env, "shell", "--no-imports", "-c", (
        "from django.db import connection; c = connection.cursor();"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"))
    assert journal.strip() == "wal"  # readers keep working while the worker writes
