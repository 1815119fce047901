"""The library never imports Django: import every module outside tiangong.platform in a fresh
interpreter and check that `django` is not in sys.modules afterwards."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import importlib, pkgutil, sys
names = []
def walk(package):
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.iter_modules(getattr(module, "__path__", []), package + "."):
        if info.name == "tiangong.platform":
            continue  # the Django side (walk_packages would import it to recurse)
        if info.ispkg:
            walk(info.name)
        else:
            importlib.import_module(info.name)
            names.append(info.name)
walk("tiangong")
print(len(names))
bad = sorted(m for m in sys.modules if m == "django" or m.startswith(("django.", "ninja")))
print(",".join(bad))
"""


def test_library_modules_do_not_import_django() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin"})
    count, bad = done.stdout.splitlines()[-2:]
    assert int(count) > 100  # every library module was imported, the CLI included
    assert bad == ""
