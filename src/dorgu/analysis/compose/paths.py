"""Resolving paths written in compose files to POSIX paths relative to the project root.

Must not: touch the filesystem, expand ``~`` or environment variables, or let a path that dorgu
will read (``env_file``, ``extends.file``, ``build``) escape the project root.
"""

from __future__ import annotations

import posixpath

from dorgu.errors import UnsafePathError
from dorgu.models.evidence import Location


def normalize(path: str) -> str:
    """``./a/../b/c.yml`` -> ``b/c.yml``; the root itself is ``.``."""
    return posixpath.normpath(path.replace("\\", "/")) if path else "."


def directory_of(path: str) -> str:
    return posixpath.dirname(normalize(path)) or "."


def is_outside(path: str) -> bool:
    """True for absolute paths and for paths that climb above the root."""
    return path == ".." or path.startswith(("/", "../"))


def join(base_dir: str, path: str) -> str:
    """``path`` relative to ``base_dir`` (itself root-relative), normalised; may be outside."""
    if path.startswith(("/", "~")):
        return path
    return normalize(posixpath.join(base_dir, path))


def resolve_inside(base_dir: str, path: str, *, what: str, location: Location) -> str:
    """Resolve a path dorgu will read; refuse anything outside the project root."""
    resolved = join(base_dir, path)
    if is_outside(resolved) or resolved.startswith("~"):
        raise UnsafePathError(
            f"{location}: {what} {path!r} resolves outside the project root",
            hint="keep referenced files inside the analysed directory",
        )
    return resolved
