"""Walking an app directory safely and loading the files analysers ask for.

Bounded (file count, file size, total bytes), symlink-safe (nothing outside the root is read),
pruning what is never source (`.git`, `node_modules`, `vendor`, build output, virtualenvs) and
honouring `.gitignore` (nested) and the root `.dockerignore`.  Problems become diagnostics; only
an unusable root raises.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dorgu.analysis.sources import SourceTree
from dorgu.errors import InputError, UnsafePathError
from dorgu.formats.text import decode_text
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.services.ignoring import DockerIgnore, GitIgnores

logger = logging.getLogger(__name__)

PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "vendor",
        "bower_components",
        "jspm_packages",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".gradle",
        ".idea",
        ".vscode",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".turbo",
        ".parcel-cache",
        ".cache",
        "dist",
        "build",
        "target",
        "out",
        "bin",
        "obj",
        "_build",
        "deps",
        ".elixir_ls",
        "coverage",
        ".terraform",
        ".serverless",
        "site-packages",
        ".eggs",
        ".dart_tool",
        "Pods",
    }
)


@dataclass(frozen=True)
class ScanLimits:
    max_files: int = 250_000  # files listed
    max_file_bytes: int = 1024 * 1024  # bigger files are listed, not loaded
    max_loaded_files: int = 100_000
    max_loaded_bytes: int = 96 * 1024 * 1024


@dataclass
class ScanResult:
    tree: SourceTree
    diagnostics: list[Diagnostic] = field(default_factory=list)
    truncated: bool = False


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _read_ignore_file(path: str, rel: str, diagnostics: list[Diagnostic]) -> list[str] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(256 * 1024)
        return decode_text(data, file=rel).splitlines()
    except (OSError, InputError) as e:
        diagnostics.append(
            Diagnostic(
                code="scan.ignore-file",
                message=f"ignored unreadable {rel}: {e}",
                location=Location(file=rel),
            )
        )
        return None


def scan_tree(
    root: Path, *, wants: Callable[[str], bool], limits: ScanLimits | None = None
) -> ScanResult:
    """List files under ``root`` and load the ones ``wants`` accepts.  Paths are relative POSIX."""
    limits = limits or ScanLimits()
    try:
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError) as e:
        raise InputError(
            f"{root}: no such directory", hint="pass the path of an app directory"
        ) from e
    if not real_root.is_dir():
        raise InputError(f"{root}: not a directory", hint="pass the path of an app directory")
    if not os.access(real_root, os.R_OK | os.X_OK):
        raise InputError(f"{root}: permission denied", hint="check the directory's permissions")

    diagnostics: list[Diagnostic] = []
    paths: list[str] = []
    texts: dict[str, str] = {}
    loaded_bytes = 0
    truncated = False
    ignores = GitIgnores()
    docker = DockerIgnore()
    root_str = str(real_root)

    docker_ignore = os.path.join(root_str, ".dockerignore")
    if os.path.isfile(docker_ignore):
        lines = _read_ignore_file(docker_ignore, ".dockerignore", diagnostics)
        if lines is not None:
            docker = DockerIgnore.from_lines(lines)

    stack: list[tuple[str, str, int]] = [(root_str, "", len(ignores.specs))]
    while stack:
        abs_dir, rel_dir, depth_marker = stack.pop()
        del ignores.specs[depth_marker:]
        gitignore = os.path.join(abs_dir, ".gitignore")
        if os.path.isfile(gitignore) and not os.path.islink(gitignore):
            lines = _read_ignore_file(gitignore, f"{rel_dir}.gitignore", diagnostics)
            if lines is not None:
                try:
                    ignores.push(rel_dir, lines)
                except (ValueError, TypeError) as e:
                    diagnostics.append(
                        Diagnostic(
                            code="scan.ignore-file",
                            message=f"ignored invalid .gitignore: {e}",
                            location=Location(file=f"{rel_dir}.gitignore"),
                        )
                    )
        marker = len(ignores.specs)
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name, reverse=True)
        except OSError as e:
            diagnostics.append(
                Diagnostic(
                    code="scan.unreadable-dir",
                    message=f"cannot list directory: {e.strerror}",
                    location=Location(file=rel_dir.rstrip("/") or "."),
                )
            )
            continue
        subdirs: list[tuple[str, str, int]] = []
        for entry in entries:
            rel = rel_dir + entry.name
            try:
                is_link = entry.is_symlink()
                st = (
                    entry.stat(follow_symlinks=True)
                    if is_link
                    else entry.stat(follow_symlinks=False)
                )
            except OSError:
                diagnostics.append(
                    Diagnostic(
                        code="scan.broken-link",
                        message="broken symlink or unreadable entry skipped",
                        location=Location(file=rel),
                        severity=Severity.INFO,
                    )
                )
                continue
            if stat.S_ISDIR(st.st_mode):
                if is_link or entry.name in PRUNED_DIRS or _is_virtualenv(entry.path):
                    continue
                if ignores.ignored(rel, is_dir=True) or _docker_prunes(docker, rel):
                    continue
                subdirs.append((entry.path, rel + "/", marker))
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if is_link and not _inside(entry.path, root_str):
                diagnostics.append(
                    Diagnostic(
                        code="scan.symlink-escape",
                        message="symlink points outside the analysed directory; not read",
                        location=Location(file=rel),
                    )
                )
                continue
            if ignores.ignored(rel, is_dir=False) or docker.ignored(rel):
                continue
            if len(paths) >= limits.max_files:
                truncated = True
                break
            paths.append(rel)
            if not wants(rel):
                continue
            if st.st_size > limits.max_file_bytes:
                diagnostics.append(
                    Diagnostic(
                        code="scan.too-big",
                        message=f"file larger than {limits.max_file_bytes // 1024} KiB not analysed",
                        location=Location(file=rel),
                        severity=Severity.INFO,
                    )
                )
                continue
            if (
                len(texts) >= limits.max_loaded_files
                or loaded_bytes + st.st_size > limits.max_loaded_bytes
            ):
                truncated = True
                continue
            text = _load(entry.path, rel, diagnostics)
            if text is not None:
                texts[rel] = text
                loaded_bytes += len(text)
        if truncated and len(paths) >= limits.max_files:
            break
        stack.extend(subdirs)

    if truncated:
        diagnostics.append(
            Diagnostic(
                code="scan.truncated",
                message=f"analysis limited to {len(paths)} files / {len(texts)} loaded files",
                location=Location(file="."),
                severity=Severity.WARNING,
            )
        )
    paths.sort()
    return ScanResult(
        tree=SourceTree(paths=tuple(paths), texts=texts),
        diagnostics=diagnostics,
        truncated=truncated,
    )


def _docker_prunes(docker: DockerIgnore, rel: str) -> bool:
    """Prune a directory only when nothing below it can be re-included by a later ``!`` rule."""
    if docker.matcher is None or not docker.ignored(rel):
        return False
    return not docker.negates


def _inside(path: str, root: str) -> bool:
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return False
    return real == root or real.startswith(root + os.sep)


def _load(path: str, rel: str, diagnostics: list[Diagnostic]) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as e:
        diagnostics.append(
            Diagnostic(
                code="scan.unreadable",
                message=f"cannot read file: {e.strerror}",
                location=Location(file=rel),
            )
        )
        return None
    try:
        return decode_text(data, file=rel)
    except InputError as e:
        diagnostics.append(
            Diagnostic(
                code="scan.not-text",
                message=str(e).split(": ", 1)[-1],
                location=Location(file=rel),
                severity=Severity.INFO,
            )
        )
        return None


def ensure_inside(root: Path, relative: str) -> Path:
    """Resolve ``relative`` under ``root``; refuse anything that escapes it."""
    real_root = root.resolve()
    candidate = (real_root / relative).resolve()
    if candidate != real_root and real_root not in candidate.parents:
        raise UnsafePathError(
            f"{relative}: path leaves the analysed directory {root}",
            hint="keep referenced files inside the project",
        )
    return candidate
