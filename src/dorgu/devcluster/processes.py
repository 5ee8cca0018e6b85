"""Start and stop component processes without leaving orphans.

Each component runs in its own session (so its whole process group can be signalled) with
stdout and stderr going to one log file.  A component *tied* to its parent also gets
``PR_SET_PDEATHSIG`` (Linux): if the parent dies, even by SIGKILL, the kernel kills the child.
(The kernel ties this to the *thread* that spawned the child: start tied components from a
thread that lives as long as they should, normally the main thread.)
Stopping is by PID with an identity check (the process start time read from ``/proc``), so a
recycled PID is never signalled.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessRef:
    """Enough to find a process again later (possibly from another dorgu process)."""

    pid: int
    start_ticks: int | None

    def is_running(self) -> bool:
        """Alive, not a zombie, and still the same process (not a recycled PID)."""
        stat = _read_stat(self.pid)
        if stat is None:
            return False
        state, ticks = stat
        if state == "Z":
            return False
        return self.start_ticks is None or ticks == self.start_ticks


def _read_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) from ``/proc/<pid>/stat``; None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    return fields[0], int(fields[19])


def _pdeathsig_preexec(parent: int) -> Callable[[], None]:
    # Resolve prctl before forking: the child must only make async-signal-safe calls.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def spawn(
    *,
    argv: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    tie_to_parent: bool,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session, output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    preexec = _pdeathsig_preexec(os.getpid()) if tie_to_parent and sys.platform == "linux" else None
    with log_path.open("ab") as log:
        log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(argv)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=preexec,  # only prctl + getppid run in the child
            close_fds=True,
        )
    logger.debug("started pid %d: %s", process.pid, argv[0])
    return process


def ref_of(process: subprocess.Popen[bytes]) -> ProcessRef:
    """A ``ProcessRef`` for a process we started."""
    stat = _read_stat(process.pid)
    return ProcessRef(pid=process.pid, start_ticks=None if stat is None else stat[1])


def stop(
    ref: ProcessRef, *, timeout: float = 10.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """SIGTERM the process group of ``ref``, then SIGKILL after ``timeout`` seconds.

    Pass ``process`` when we started it, so it is also reaped (no zombie, no ResourceWarning).
    """
    if ref.is_running():
        _signal_group(ref.pid, signal.SIGTERM)
        if not _wait_gone(ref, process, timeout):
            logger.warning("pid %d did not stop within %.0fs; killing it", ref.pid, timeout)
            _signal_group(ref.pid, signal.SIGKILL)
            _wait_gone(ref, process, 5.0)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1)


def _wait_gone(ref: ProcessRef, process: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    if process is not None:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while ref.is_running():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_group(pid: int, signum: int) -> None:
    """Signal the process group led by ``pid`` (the components do not fork, but be thorough)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)
