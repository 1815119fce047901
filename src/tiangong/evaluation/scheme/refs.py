"""What `--scheme` names: a YAML file or a built-in id, resolved without loading anything.

Kept apart from the loader (which imports Pydantic and the expression parser) so that the
command line refuses a mistyped scheme at once, before any heavy import.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tiangong.errors import Problem, SchemeError

BUILTIN_PACKAGE = "tiangong.evaluation.scheme.builtin"


def builtin_ids() -> list[str]:
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".yaml"))


def scheme_file(ref: str | Path) -> Path | None:
    """The file `ref` names, None when it names a built-in; raises when it names neither."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise SchemeError([Problem(f"scheme file not found; built-in ids: "
                                       f"{', '.join(builtin_ids())}", str(path))])
        return path
    if str(ref) in builtin_ids():
        return None
    raise SchemeError([Problem(f"no scheme file or built-in scheme named {str(ref)!r}; "
                               f"built-in ids: {', '.join(builtin_ids())}")])
