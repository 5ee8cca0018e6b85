"""Optional packages (the ``pip install 'dorgu[EXTRA]'`` extras) and the one-line error for a
missing one.

A command that needs an extra calls ``require(EXTRA)`` before doing anything, so a missing
package is reported before work starts; ``missing_package_error`` turns any ``ImportError`` of
a third-party package that escapes a command into the same one-line ``ToolchainError`` (exit
7), naming the extra that brings it.  A missing optional package is never an internal error.
"""

from __future__ import annotations

import importlib.util
import sys
from types import TracebackType

from dorgu.errors import ToolchainError

EXTRAS: dict[str, tuple[str, ...]] = {
    "cluster": ("lightkube", "cryptography"),
    "operator": ("kopf", "lightkube", "cryptography", "aiohttp"),
    "gateway": ("mcp", "lightkube"),
}
"""extra -> the top-level modules a command of that extra imports (checked by ``require``)."""

PACKAGE_EXTRAS: dict[str, str] = {
    "lightkube": "cluster",
    "httpx2": "cluster",  # lightkube's HTTP client
    "cryptography": "cluster",
    "kopf": "operator",
    "aiohttp": "operator",
    "hypercorn": "operator",
    "uvloop": "operator",
    "mcp": "gateway",
}
"""top-level module -> the smallest extra that installs it.  A module not listed belongs to
the base install (httpx, pydantic, PyYAML, click, pathspec and their dependencies)."""

_MAX_FRAMES = 200


def install_hint(extra: str | None) -> str:
    if extra is None:
        return "reinstall dorgu: pip install --force-reinstall dorgu"
    return f"pip install 'dorgu[{extra}]'"


def _top(name: str | None) -> str:
    return (name or "").partition(".")[0]


def _importing_package(trace: TracebackType | None) -> str | None:
    """The outermost optional package whose import was under way (``kopf`` when kopf's own
    dependency is the one missing), from the traceback's module names."""
    seen = 0
    while trace is not None and seen < _MAX_FRAMES:
        module = trace.tb_frame.f_globals.get("__name__")
        top = _top(module if isinstance(module, str) else None)
        if top in PACKAGE_EXTRAS:
            return top
        trace, seen = trace.tb_next, seen + 1
    return None


def missing_package_error(error: ImportError) -> ToolchainError | None:
    """The one-line error for an ``ImportError`` of a package outside dorgu; ``None`` when
    a dorgu module itself is missing (that is a bug)."""
    name = _top(error.name) or _importing_package(error.__traceback__) or ""
    if not name or name == "dorgu":
        return None
    if name in sys.stdlib_module_names:
        return ToolchainError(
            f"this Python lacks its standard module {name!r} ({error})",
            hint="use a Python build that includes it (for pyenv: install the -dev library "
            "package first, then rebuild Python)",
        )
    owner = _importing_package(error.__traceback__) or name
    extra = PACKAGE_EXTRAS.get(owner)
    if isinstance(error, ModuleNotFoundError):
        needed = f", needed by {owner}," if owner != name else ","
        return ToolchainError(
            f"this command needs the Python package {name!r}{needed} which is not installed",
            hint=install_hint(extra),
        )
    return ToolchainError(
        f"this command cannot import the Python package {name!r}: {error}",
        hint=f"upgrade it: {install_hint(extra).replace('pip install', 'pip install -U')}"
        if extra
        else install_hint(None),
    )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(extra: str) -> None:
    """Raise the one-line ``ToolchainError`` when a package of ``extra`` is not installed."""
    for module in EXTRAS[extra]:
        if not _installed(module):
            raise ToolchainError(
                f"this command needs the Python package {module!r}, which is not installed",
                hint=install_hint(extra),
            )
