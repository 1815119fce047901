"""Models and migrations agree (a model change without its migration fails here)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_no_missing_migrations(db: None) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
