"""Stale generated files: files an earlier ``dorgu generate`` wrote into the output directory
that this run no longer produces (an Ingress that is gone, a component that was removed, a
``kustomization.yaml`` after switching to ``--format yaml``).

dorgu knows what it wrote from the record ``.dorgu-generated`` that ``writing.py`` keeps in the
output directory, written in the same atomic step as the files: one line per file,
``<sha256>  <path>`` (the line format of ``sha256sum``), paths POSIX and relative to the output
directory, sorted, after a ``#`` header.  A recorded path this run does not produce is stale.

A stale file is *removable* only when it is still a regular file inside the output directory,
reached without any symbolic link, with exactly the bytes dorgu wrote (same sha256).  Anything
else (the user changed it, replaced it by a symbolic link, or a directory on the way is a link)
is the user's now: it is reported and kept, never removed, and the next record forgets it.
Files the record does not list (the user's own files, output of dorgu versions without the
record) are never touched, and nothing outside the output directory is ever recorded: CI files
at the repository root are never removed.

Must not print.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dorgu.models.patterns import LazyPattern
from dorgu.services.configuring import display_path

RECORD_NAME = ".dorgu-generated"
MAX_RECORD_BYTES = 1024 * 1024
MAX_CHECKED_BYTES = 16 * 1024 * 1024  # larger files were never written by dorgu
RECORD_HEADER = (
    "# Files dorgu generate wrote in this directory: sha256 and path, one per line.\n"
    "# dorgu generate --force removes the listed files it no longer generates, unless they\n"
    "# changed since. Commit this file with the manifests; do not edit it.\n"
)
_LINE = LazyPattern(r"([0-9a-f]{64})  (.+)")


@dataclass(frozen=True)
class StaleFile:
    """A recorded file this run no longer produces.  ``path`` is POSIX, relative to the output
    directory; ``digest`` the sha256 recorded for it; ``text`` its content when removable (for
    the diff); ``kept_because`` says why it is not removable (None: it is)."""

    path: str
    target: Path
    digest: str
    text: str = ""
    kept_because: str | None = None

    @property
    def removable(self) -> bool:
        return self.kept_because is None


@dataclass(frozen=True)
class StaleReport:
    """The stale files, sorted by path, and warnings about an unusable record."""

    files: tuple[StaleFile, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def removable(self) -> tuple[StaleFile, ...]:
        return tuple(f for f in self.files if f.removable)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_recordable(path: str) -> bool:
    """A normalised, relative POSIX path below the output directory (no ``..``, ``.``, empty
    or backslash parts; not the record itself)."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    if any(part in ("", ".", "..") for part in path.split("/")):
        return False
    return posixpath.normpath(path) == path and path != RECORD_NAME


def render_record(entries: Mapping[str, str]) -> str:
    """The record for ``entries`` (path -> sha256), sorted by path."""
    lines = (f"{entries[path]}  {path}\n" for path in sorted(entries) if is_recordable(path))
    return RECORD_HEADER + "".join(lines)


def parse_record(text: str) -> tuple[dict[str, str], tuple[int, ...]]:
    """Path -> sha256 from a record, and the numbers of the lines that were ignored."""
    entries: dict[str, str] = {}
    bad: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None or not is_recordable(match[2]):
            bad.append(number)
            continue
        entries[match[2]] = match[1]
    return entries, tuple(bad)


def read_record(output_dir: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """The record of ``output_dir`` (empty when there is none) and warnings about it."""
    record = output_dir / RECORD_NAME
    shown = display_path(record)
    try:
        mode = os.lstat(record).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return {}, ()
    except OSError as e:
        return {}, (f"{shown}: cannot be read ({e.strerror}); stale files are not detected",)
    if not stat.S_ISREG(mode):
        return {}, (f"{shown}: not a regular file; stale files are not detected (remove it)",)
    try:
        data = _read_regular(record, limit=MAX_RECORD_BYTES)
    except OSError as e:
        return {}, (f"{shown}: cannot be read ({e.strerror}); stale files are not detected",)
    try:
        text = data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        return {}, (f"{shown}: not a dorgu record; stale files are not detected (remove it)",)
    entries, bad = parse_record(text)
    warnings = tuple(
        f"{shown}:{n}: not '<sha256>  <path inside the output directory>'; ignored" for n in bad
    )
    return entries, warnings


def find_stale(output_dir: Path, produced: Iterable[str]) -> StaleReport:
    """The recorded files of ``output_dir`` that are not in ``produced`` (paths relative to
    it) and still exist, each checked with :func:`inspect_recorded`."""
    entries, warnings = read_record(output_dir)
    keep = set(produced)
    files = []
    for path in sorted(entries):
        if path in keep:
            continue
        found = inspect_recorded(output_dir, path, entries[path])
        if found is not None:
            files.append(found)
    return StaleReport(files=tuple(files), warnings=warnings)


def inspect_recorded(output_dir: Path, path: str, digest: str) -> StaleFile | None:
    """What is at the recorded ``path`` now: None when nothing is; a removable ``StaleFile``
    when it is the regular file dorgu wrote, reached without following any symbolic link;
    otherwise a kept one, with the reason."""
    if not is_recordable(path):
        return None
    parts = path.split("/")
    target = output_dir.joinpath(*parts)

    def kept(reason: str) -> StaleFile:
        return StaleFile(path=path, target=target, digest=digest, kept_because=reason)

    current = output_dir
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            return kept(f"cannot be checked ({e.strerror})")
        if current == target:
            break
        if stat.S_ISLNK(mode):
            return kept("reached through a symbolic link")
        if not stat.S_ISDIR(mode):
            return None
    if stat.S_ISLNK(mode):
        return kept("a symbolic link now")
    if not stat.S_ISREG(mode):
        return kept("not a regular file now")
    try:
        data = _read_regular(target, limit=MAX_CHECKED_BYTES)
    except OSError as e:
        return kept(f"cannot be read ({e.strerror})")
    if data is None or file_digest(data) != digest:
        return kept("changed since dorgu wrote it")
    text = data.decode("utf-8", errors="replace")
    return StaleFile(path=path, target=target, digest=digest, text=text)


def _read_regular(path: Path, *, limit: int) -> bytes | None:
    """The bytes of the regular file ``path`` (None when larger than ``limit``), opened without
    following a symbolic link and without blocking on a FIFO swapped in meanwhile."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        if info.st_size > limit:
            return None
        data = handle.read(limit + 1)
    return None if len(data) > limit else data
