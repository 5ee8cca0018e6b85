"""Writing ``dorgu generate``'s files, or showing how they differ from what is on disk.

Files live under two roots: the output directory (manifests, persona, the Argo CD Application)
and the repository root (CI files: ``.github/workflows/...``, ``.gitlab/ci/...``).

Writing is all-or-nothing as far as the file system allows: every target is checked first (an
existing file is never overwritten without ``force``: ``OutputError`` names the first one and
nothing is written), everything is rendered into one temporary directory next to the output
directory, then moved into place (a new output directory is renamed in one step; other files
are moved one by one with ``os.replace``, which is atomic per file).  If a move fails, the moves
made so far are undone (new files removed, replaced files restored), the temporary directory is
removed, and no file is left half-written.

The output directory also gets the record ``.dorgu-generated`` of the files dorgu wrote there
(``pruning.py``), in the same step.  With ``force``, the stale files it listed that are
removable (unchanged, regular, no symbolic link on the way) are removed in the same step too:
each is checked again, then moved into the temporary directory (a move that is undone like the
others on an error), and the directories they leave empty are removed.  Without ``force`` they
are kept, and stay in the record.  The diff shows removable stale files as deleted.

Must not render or decide what to generate, and must not print.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from dorgu.errors import OutputError
from dorgu.generation import FileRoot, RenderedFile
from dorgu.services.configuring import display_path
from dorgu.services.pruning import (
    RECORD_NAME,
    StaleFile,
    file_digest,
    inspect_recorded,
    render_record,
)

_STAGED = {FileRoot.OUTPUT: "output", FileRoot.REPOSITORY: "repository"}


def target_of(file: RenderedFile, *, output_dir: Path, repository_root: Path) -> Path:
    """Where ``file`` is written."""
    base = repository_root if file.root is FileRoot.REPOSITORY else output_dir
    return base / file.path


def check_conflicts(targets: Sequence[Path], *, stale: int = 0) -> None:
    for target in targets:
        if target.exists() or target.is_symlink():
            hint = "pass --force to overwrite the generated files (or --diff to compare)"
            if stale:
                hint = (
                    "pass --force to overwrite the generated files and remove "
                    f"{_count(stale, 'stale file')}, or --diff to compare"
                )
            raise OutputError(f"{display_path(target)}: already exists", hint=hint)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def record_for(files: Sequence[RenderedFile], *, kept: Sequence[StaleFile] = ()) -> RenderedFile:
    """The record of the output directory after writing ``files``: their paths and digests,
    plus the stale files that stay (``kept``, with the digest recorded for them)."""
    entries = {s.path: s.digest for s in kept}
    for file in files:
        if file.root is FileRoot.OUTPUT:
            entries[file.path] = file_digest(file.text.encode("utf-8"))
    return RenderedFile(RECORD_NAME, render_record(entries), applied=False)


def write_files(
    output_dir: Path,
    files: Sequence[RenderedFile],
    *,
    repository_root: Path,
    force: bool,
    stale: Sequence[StaleFile] = (),
) -> tuple[Path, ...]:
    """Write ``files`` and the record atomically, and with ``force`` remove the removable
    ``stale`` files in the same step (see the module docstring); the paths of ``files``
    written, in order."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"{output_dir}: exists and is not a directory", hint="pass --output")
    removable = [s for s in stale if s.removable]
    targets = [target_of(f, output_dir=output_dir, repository_root=repository_root) for f in files]
    if not force:
        check_conflicts(targets, stale=len(removable))
    removing = removable if force else []
    record = record_for(files, kept=[] if force else removable)
    staged = [*files, record]
    staged_targets = [*targets, output_dir / RECORD_NAME]
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}."))
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror}") from e
    try:
        for rendered in staged:
            path = staging / _STAGED[rendered.root] / rendered.path
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(rendered.text)
            os.chmod(path, 0o644)
        _commit(staging, staged, staged_targets, output_dir=output_dir, removing=removing)
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(OSError):
            if staging.exists():
                shutil.rmtree(staging)
    return tuple(targets)


def _commit(
    staging: Path,
    files: Sequence[RenderedFile],
    targets: Sequence[Path],
    *,
    output_dir: Path,
    removing: Sequence[StaleFile] = (),
) -> None:
    """Remove the ``removing`` stale files, then move the staged files into place; on an error
    (or an interrupt), undo every step made so far (removed files are moved back, new files
    and a new output directory are removed, replaced files get their old content back from a
    hard link or copy kept in the staging directory), then re-raise.  Last, remove the
    directories the stale files leave empty."""
    undo: list[Callable[[], None]] = []
    backups = staging / "backup"
    try:
        staged_output = staging / _STAGED[FileRoot.OUTPUT]
        moved: set[str] = set()
        if not output_dir.exists() and staged_output.is_dir():
            os.chmod(staged_output, 0o755)
            os.replace(staged_output, output_dir)
            undo.append(lambda: shutil.rmtree(output_dir))
            moved = {f.path for f in files if f.root is FileRoot.OUTPUT}
        for index, stale in enumerate(removing):
            _remove_stale(output_dir, stale, backups / f"stale-{index}", undo)
        for index, (rendered, target) in enumerate(zip(files, targets, strict=True)):
            if rendered.root is FileRoot.OUTPUT and rendered.path in moved:
                continue
            created = _missing_parents(target.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            undo.append(partial(_remove_dirs, created))
            if target.is_file() and not target.is_symlink():
                backup = backups / str(index)
                backup.parent.mkdir(exist_ok=True)
                _keep(target, backup)
                undo.append(partial(os.replace, backup, target))
            else:
                undo.append(partial(_unlink, target))
            os.replace(staging / _STAGED[rendered.root] / rendered.path, target)
    except BaseException:
        for action in reversed(undo):
            with contextlib.suppress(OSError):
                action()
        raise
    _remove_emptied(output_dir, [s.path for s in removing])


def _remove_stale(
    output_dir: Path, stale: StaleFile, backup: Path, undo: list[Callable[[], None]]
) -> None:
    """Check ``stale`` again (still the unchanged regular file dorgu wrote, no symbolic link on
    the way), then move it into the staging directory, to be moved back by the undo."""
    again = inspect_recorded(output_dir, stale.path, stale.digest)
    if again is None or not again.removable:
        raise OutputError(
            f"{display_path(stale.target)}: changed while writing; nothing was written",
            hint="run dorgu generate again",
        )
    backup.parent.mkdir(exist_ok=True)
    try:
        os.replace(stale.target, backup)  # a rename moves the file itself, never a link target
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.copy2(stale.target, backup, follow_symlinks=False)
        stale.target.unlink()
    undo.append(partial(_move_back, backup, stale.target))


def _move_back(backup: Path, target: Path) -> None:
    shutil.move(backup, target)  # a rename, or a copy when they are on different file systems


def _remove_emptied(output_dir: Path, removed: Sequence[str]) -> None:
    """Remove the directories below ``output_dir`` that removing stale files left empty
    (``rmdir`` only ever removes an empty, real directory)."""
    directories: set[str] = set()
    for path in removed:
        parent = path.rpartition("/")[0]
        while parent:
            directories.add(parent)
            parent = parent.rpartition("/")[0]
    for directory in sorted(directories, key=lambda d: (-d.count("/"), d)):
        with contextlib.suppress(OSError):
            os.rmdir(output_dir.joinpath(*directory.split("/")))


def _keep(target: Path, backup: Path) -> None:
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _missing_parents(directory: Path) -> list[Path]:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    return missing  # deepest first


def _remove_dirs(directories: list[Path]) -> None:
    for directory in directories:
        directory.rmdir()


def _label(target: Path, repository_root: Path) -> str:
    try:
        return target.relative_to(repository_root).as_posix()
    except ValueError:
        return target.as_posix()


def _read_existing(target: Path) -> str | None:
    if not target.is_file():
        return None
    try:
        return target.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise OutputError(f"cannot read {display_path(target)}: {e.strerror}") from e


def diff_files(
    output_dir: Path,
    files: Sequence[RenderedFile],
    *,
    repository_root: Path,
    removed: Sequence[StaleFile] = (),
) -> str:
    """A unified diff (``a/``, ``b/`` paths from the repository root, ``/dev/null`` for new
    files) of what writing ``files`` would change, then the ``removed`` stale files as deleted
    (``+++ /dev/null``, sorted by path); empty when nothing would change.  The record is
    bookkeeping and never in the diff."""
    chunks: list[str] = []
    for rendered in files:
        target = target_of(rendered, output_dir=output_dir, repository_root=repository_root)
        old = _read_existing(target)
        if old == rendered.text:
            continue
        label = _label(target, repository_root)
        lines = difflib.unified_diff(
            _lines(old or ""),
            _lines(rendered.text),
            fromfile="/dev/null" if old is None else f"a/{label}",
            tofile=f"b/{label}",
        )
        chunks.append("".join(lines))
    for stale in sorted(removed, key=lambda s: s.path):
        label = _label(stale.target, repository_root)
        lines = difflib.unified_diff(
            _lines(stale.text), [], fromfile=f"a/{label}", tofile="/dev/null"
        )
        chunks.append("".join(lines) or f"--- a/{label}\n+++ /dev/null\n")  # an empty file
    return "".join(chunks)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
