"""Reading a bind-mounted directory of configuration files (``./nginx/templates:/etc/nginx/
templates``) so that generation can turn it into one ConfigMap.

Only a small, flat directory of text files qualifies: at most ``MAX_FILES`` regular files,
no subdirectories, no symbolic links, each small UTF-8 text that does not look secret.
Anything else returns nothing, and generation says the image must contain the directory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from dorgu.errors import InputError
from dorgu.formats.text import decode_text
from dorgu.generation import MountedFile

logger = logging.getLogger(__name__)

MAX_FILES = 16
MAX_TOTAL_BYTES = 256 * 1024


def read_mounted_directory(
    source: str, directory: Path, *, looks_secret: Callable[[str, str], bool]
) -> list[MountedFile]:
    """The files of ``directory`` as ``MountedFile``s named ``<source>/<file>``, or ``[]``."""
    try:
        entries = sorted(directory.iterdir())
    except OSError as e:
        logger.debug("cannot list %s: %s", source, e)
        return []
    if not entries or len(entries) > MAX_FILES:
        return []
    files: list[MountedFile] = []
    total = 0
    for entry in entries:
        if entry.is_symlink() or not entry.is_file():
            return []
        try:
            size = entry.stat().st_size
            total += size
            if total > MAX_TOTAL_BYTES:
                return []
            text = decode_text(entry.read_bytes(), file=f"{source}/{entry.name}")
        except (OSError, InputError) as e:
            logger.debug("cannot copy %s/%s: %s", source, entry.name, e)
            return []
        if looks_secret(entry.name, text):
            return []
        files.append(MountedFile(source=f"{source}/{entry.name}", text=text))
    return files
