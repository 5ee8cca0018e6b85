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

Must not render or decide what to generate, and must not print.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from dorgu.errors import OutputError
from dorgu.generation import FileRoot, RenderedFile
from dorgu.services.configuring import display_path

_STAGED = {FileRoot.OUTPUT: "output", FileRoot.REPOSITORY: "repository"}


def target_of(file: RenderedFile, *, output_dir: Path, repository_root: Path) -> Path:
    """Where ``file`` is written."""
    base = repository_root if file.root is FileRoot.REPOSITORY else output_dir
    return base / file.path


def check_conflicts(targets: Sequence[Path]) -> None:
    for target in targets:
        if target.exists() or target.is_symlink():
            raise OutputError(
                f"{display_path(target)}: already exists",
                hint="pass --force to overwrite the generated files (or --diff to compare)",
            )


def write_files(
    output_dir: Path, files: Sequence[RenderedFile], *, repository_root: Path, force: bool
) -> tuple[Path, ...]:
    """Write ``files`` atomically (see the module docstring); the paths written, in order."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"{output_dir}: exists and is not a directory", hint="pass --output")
    targets = [target_of(f, output_dir=output_dir, repository_root=repository_root) for f in files]
    if not force:
        check_conflicts(targets)
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}."))
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror}") from e
    try:
        for rendered in files:
            path = staging / _STAGED[rendered.root] / rendered.path
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(rendered.text)
            os.chmod(path, 0o644)
        _commit(staging, files, targets, output_dir=output_dir)
    except OSError as e:
        raise OutputError(f"cannot write {output_dir}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(OSError):
            if staging.exists():
                shutil.rmtree(staging)
    return tuple(targets)


def _commit(
    staging: Path, files: Sequence[RenderedFile], targets: Sequence[Path], *, output_dir: Path
) -> None:
    """Move the staged files into place; on an error, undo every move made so far (new files
    and a new output directory are removed, replaced files get their old content back from a
    hard link or copy kept in the staging directory), then re-raise."""
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
    except OSError:
        for action in reversed(undo):
            with contextlib.suppress(OSError):
                action()
        raise


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


def diff_files(output_dir: Path, files: Sequence[RenderedFile], *, repository_root: Path) -> str:
    """A unified diff (``a/``, ``b/`` paths from the repository root, ``/dev/null`` for new
    files) of what writing ``files`` would change; empty when nothing would."""
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
    return "".join(chunks)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
