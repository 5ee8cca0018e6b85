"""Reading a server's configuration files: container paths mapped to files in the tree.

A server names its files by their path in the container (``include /etc/nginx/conf.d/*.conf``);
the files come from the repository through bind mounts and Dockerfile ``COPY``s.  ``Mounts``
maps one to the other.  ``ConfigReader`` follows includes only inside the tree, with bounds:
a file that includes itself (directly or through others) gives a diagnostic, and so do files
that are too big, binary, missing, nested too deep, or too many.

Must not: open files (texts come from the ``SourceTree``) or follow a path out of the tree.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dorgu.analysis.servers.configs import MAX_CONFIG_BYTES, MAX_FILES, MAX_INCLUDE_DEPTH
from dorgu.analysis.servers.templating import substitute
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Diagnostic, Location, Severity


@dataclass(frozen=True)
class Mount:
    """Container path ``target`` holds the tree file (or directory) ``source``."""

    target: str
    source: str
    directory: bool = False
    render: str | None = None  # template syntax the image renders the file with (envsubst)


@dataclass(frozen=True)
class ConfigText:
    path: str  # in the container
    file: str  # in the tree (for locations)
    text: str


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else path


@dataclass
class ConfigReader:
    """Looks up container paths through ``mounts`` in the tree's ``paths``/``texts``."""

    mounts: Sequence[Mount]
    tree: SourceTree
    env: Mapping[str, str] = field(default_factory=dict)  # known, non-secret values only
    diagnostics: list[Diagnostic] = field(default_factory=list)
    included: list[str] = field(default_factory=list)  # container globs includes asked for
    _stack: list[str] = field(default_factory=list)
    _read: list[str] = field(default_factory=list)

    def tree_files(self, pattern: str) -> list[tuple[str, str, str | None]]:
        """(container path, tree path) of the mounted files matching a container glob
        (``*`` does not cross ``/``, as in nginx, Apache and Caddy)."""
        pattern = _norm(pattern)
        found: dict[str, tuple[str, str | None]] = {}
        for mount in self.mounts:
            target = _norm(mount.target)
            if not mount.directory:
                if _matches(target, pattern):
                    found.setdefault(target, (mount.source, mount.render))
                continue
            base = "" if mount.source in ("", ".") else mount.source.rstrip("/") + "/"
            prefix = target.rstrip("/") + "/"
            literal = _literal_dir(pattern)
            if not (literal + "/").startswith(prefix) and not prefix.startswith(literal + "/"):
                continue  # the pattern is about another directory
            if not any(ch in pattern for ch in "*?[") and pattern.startswith(prefix):
                path = base + pattern[len(prefix) :]
                if self.tree.has(path):
                    found.setdefault(pattern, (path, mount.render))
                continue
            # Only look under the pattern's literal directory: cheap even for a mounted root.
            deeper = literal[len(prefix) :] + "/" if len(literal) >= len(prefix) else ""
            for path in self.tree.under(base + deeper):
                inside = prefix + path[len(base) :]
                if _matches(inside, pattern):
                    found.setdefault(inside, (path, mount.render))
        return sorted((inside, file, render) for inside, (file, render) in found.items())

    def open(
        self,
        container_path: str,
        file: str,
        *,
        cause: Location | None,
        render: str | None = None,
    ) -> ConfigText | None:
        """The text of one mounted file (rendered with the environment when ``render`` names a
        template syntax), or None with a diagnostic (too big, binary, unreadable)."""
        text = self.tree.text(file)
        if text is None:
            self._diag(
                "servers.config-unreadable",
                f"{file} ({container_path}) could not be read as text: binary, not UTF-8, "
                "too big or missing",
                Location(file=file) if cause is None else cause,
            )
            return None
        if len(text) > MAX_CONFIG_BYTES:
            self._diag(
                "servers.config-too-large",
                f"{file} is over {MAX_CONFIG_BYTES // 1024} KiB; not read as server configuration",
                Location(file=file),
            )
            return None
        if "\x00" in text:
            self._diag(
                "servers.config-binary",
                f"{file} contains NUL bytes; not read as server configuration",
                Location(file=file),
            )
            return None
        if render is not None:
            text = substitute(text, self.env, syntax=render)
        return ConfigText(path=container_path, file=file, text=text)

    def enter(self, text: ConfigText, *, cause: Location | None) -> bool:
        """Start reading ``text``; False (with a diagnostic) on a cycle or past a bound."""
        if text.file in self._stack:
            chain = " -> ".join([*self._stack[self._stack.index(text.file) :], text.file])
            self._diag(
                "servers.include-cycle",
                f"configuration includes itself ({chain}); the repeated include is ignored",
                cause,
                Severity.WARNING,
            )
            return False
        if len(self._stack) >= MAX_INCLUDE_DEPTH:
            self._diag(
                "servers.include-depth",
                f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels; {text.file} ignored",
                cause,
                Severity.WARNING,
            )
            return False
        if len(self._read) >= MAX_FILES:
            self._diag(
                "servers.too-many-files",
                f"over {MAX_FILES} configuration files; {text.file} and later ones ignored",
                cause,
                Severity.WARNING,
            )
            return False
        self._stack.append(text.file)
        self._read.append(text.file)
        return True

    def leave(self) -> None:
        self._stack.pop()

    def provides(self, container_path: str) -> bool:
        """True when a mount replaces ``container_path`` (the file, or a directory above it)."""
        path = _norm(container_path)
        for mount in self.mounts:
            target = _norm(mount.target).rstrip("/")
            if target == path or (mount.directory and path.startswith(target + "/")):
                return True
        return False

    def includes_path(self, container_path: str) -> bool:
        return any(_matches(_norm(container_path), pattern) for pattern in self.included)

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(self._read))

    def include(self, pattern: str, *, relative_to: str, cause: Location) -> list[ConfigText]:
        """The files an include directive names (a container path or glob), in name order.

        A literal path that no mount provides is reported (the image may have it: then dorgu
        cannot see it); a glob matching nothing is normal (``conf.d/*.conf`` on a bare image).
        """
        target = pattern if pattern.startswith("/") else posixpath.join(relative_to, pattern)
        self.included.append(_norm(target))
        matches = self.tree_files(target)
        if not matches and not any(ch in pattern for ch in "*?["):
            self._diag(
                "servers.include-not-found",
                f"included file {pattern} is not mounted or copied from the repository; "
                "its contents are unknown",
                cause,
                Severity.INFO,
            )
        texts = []
        for container_path, file, render in matches:
            text = self.open(container_path, file, cause=cause, render=render)
            if text is not None:
                texts.append(text)
        return texts

    def _diag(
        self,
        code: str,
        message: str,
        location: Location | None,
        severity: Severity = Severity.INFO,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(code=code, severity=severity, message=message, location=location)
        )


def _literal_dir(pattern: str) -> str:
    """The directories of ``pattern`` before its first glob segment (``/etc/nginx/conf.d``)."""
    parts = pattern.split("/")[:-1]
    for index, part in enumerate(parts):
        if any(ch in part for ch in "*?["):
            parts = parts[:index]
            break
    return "/".join(parts)


def _matches(path: str, pattern: str) -> bool:
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(
        fnmatch.fnmatchcase(part, want) for part, want in zip(parts, wanted, strict=True)
    )
