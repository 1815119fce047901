"""`tiangong manage …`: Django's manage.py for the platform (migrate, db_worker, import_* …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiangong.platform.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tiangong manage", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
