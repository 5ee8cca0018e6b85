"""Free loopback ports that parallel testbeds never share.

The kernel hands out a free port when we bind to port 0; between closing our socket and the
component binding it, another run could be handed the same number.  So every port we give out is
also *reserved*: an exclusive ``flock`` on ``<reservations>/<port>.lock`` held for as long as the
``Reservation`` lives (or until the process exits).  Other dorgu runs skip reserved ports.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
_ATTEMPTS = 200


def default_reservations_dir() -> Path:
    """A directory shared by every dorgu run of this user on this machine."""
    return Path(tempfile.gettempdir()) / f"dorgu-ports-{os.getuid()}"


class Reservation:
    """Ports held for one control plane; ``release()`` (or process exit) frees them."""

    def __init__(self, *, directory: Path) -> None:
        self._directory = directory
        self._locks: dict[int, IO[bytes]] = {}

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(self._locks)

    def allocate(self) -> int:
        """A port that is free now and reserved for this run."""
        self._directory.mkdir(parents=True, exist_ok=True)
        for _ in range(_ATTEMPTS):
            port = _kernel_free_port()
            if port in self._locks:
                continue
            lock = self._try_lock(port)
            if lock is not None:
                self._locks[port] = lock
                logger.debug("reserved port %d", port)
                return port
        raise OSError(errno.EADDRINUSE, f"no free loopback port after {_ATTEMPTS} attempts")

    def _try_lock(self, port: int) -> IO[bytes] | None:
        handle = (self._directory / f"{port}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def release(self) -> None:
        # The lock files stay: unlinking one while another run opens it would let two runs
        # lock two different files for the same port.
        for handle in self._locks.values():
            handle.close()
        self._locks.clear()


def _kernel_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def is_free(port: int) -> bool:
    """Whether nothing listens on ``127.0.0.1:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True
