"""`tiangong serve` and `tiangong manage`: the platform from the command line.

Django is imported inside the commands only, so `tiangong` without the platform stays as fast and
Django-free as before (the library-import test checks this for every library module).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

SETTINGS = "tiangong.platform.settings"
# gthread workers: one process per core runs Python (the GIL lets one thread of a process run
# at a time), and a few threads per process overlap the waits on the database and the network.
# benchmarks/bench_platform_pages.py starts the server through `run_gunicorn` so it measures
# this very configuration.
WORKERS = 2
THREADS = 4


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["TIANGONG_PLATFORM_DB"] = str(db.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def prepare() -> list[str]:
    """Migrate, seed this and next year's calendar when missing, collect static files.
    Returns notes for the console (e.g. a year the calendar package does not know yet)."""
    from django.core.management import call_command

    from tiangong.platform.core.calendar import seed_around

    call_command("migrate", interactive=False, verbosity=0)
    notes = seed_around(dt.date.today())
    call_command("collectstatic", interactive=False, verbosity=0)
    from tiangong.platform.core.models import User

    if not User.objects.exists():
        notes.append("平台中还没有账号：请先运行 `tiangong manage createsuperuser` 创建管理员，"
                     "再用 `tiangong manage import_roster` 批量开户。")
    return notes


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(
        help="gunicorn worker processes (gthread, 4 threads each).")] = WORKERS,
    task_worker: Annotated[bool, typer.Option(
        "--task-worker/--no-task-worker",
        help="Also run the background-task worker (tiangong manage db_worker).")] = True,
    db: Annotated[Path | None, typer.Option(
        help="SQLite file (default $TIANGONG_PLATFORM_DB or ./tiangong_platform.sqlite3); "
             "TIANGONG_DB=postgres selects PostgreSQL.")] = None,
) -> None:
    """Run the platform (migrations, static files, gunicorn, task worker) and print its address."""
    _setup(db)
    for note in prepare():
        typer.echo(note, err=True)
    worker = None
    if task_worker:
        worker = subprocess.Popen([sys.executable, "-m", "tiangong.platform.manage",
                                   "db_worker"], env=os.environ.copy())
    typer.echo(f"天工平台：http://{host}:{port}/  （Ctrl+C 停止）")
    try:
        run_gunicorn(host, port, workers)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


def gunicorn_config(host: str, port: int, workers: int = WORKERS) -> dict[str, Any]:
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
            "threads": THREADS, "timeout": 120, "accesslog": None, "errorlog": "-",
            "loglevel": "warning"}


def run_gunicorn(host: str, port: int, workers: int = WORKERS) -> None:
    """gunicorn serving the platform with `gunicorn_config` (blocks until stopped)."""
    from gunicorn.app.base import BaseApplication

    from tiangong.platform.wsgi import application

    class _App(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_config(host, port, workers).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _App().run()


def manage_command(ctx: typer.Context) -> None:
    """Django management commands of the platform (migrate, db_worker, import_divisions,
    import_enterprises, import_roster, seed_calendar, issue_token, createsuperuser …)."""
    from tiangong.platform.manage import main

    main(list(ctx.args))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.command("manage", context_settings={"allow_extra_args": True,
                                            "ignore_unknown_options": True,
                                            "help_option_names": []})(manage_command)
