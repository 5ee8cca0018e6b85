"""Keep track of a control plane's component processes: start, wait for readiness, stop.

A failed wait raises ``ClusterError`` with the tail of the component's log, or ``PortTaken``
when the log says its port was grabbed by someone else (the caller retries with new ports).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from dorgu.devcluster import probing, processes
from dorgu.devcluster.states import ComponentState
from dorgu.errors import ClusterError

_PORT_IN_USE = ("address already in use", "bind: address")


class PortTaken(Exception):
    """A component could not bind its port (someone else took it meanwhile)."""


class Supervisor:
    """The processes of one control plane, by component name."""

    def __init__(self, *, logs: Path, detached: bool, timeout: float) -> None:
        self.logs = logs
        self.detached = detached
        self.timeout = timeout
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._refs: dict[str, processes.ProcessRef] = {}

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def spawn(self, name: str, argv: list[str]) -> None:
        """Start ``name`` (tied to this process unless detached), output to its log file."""
        process = processes.spawn(
            argv=argv, log_path=self.log(name), tie_to_parent=not self.detached
        )
        self._processes[name] = process
        self._refs[name] = processes.ref_of(process)

    def wait(self, name: str, check: Callable[[], bool]) -> None:
        """Poll ``check`` until it holds; fail early if ``name`` exits."""
        process = self._processes[name]

        def exited() -> str | None:
            code = process.poll()
            return None if code is None else f"{name} exited with status {code}"

        problem = probing.wait_until(check, timeout=self.timeout, abort=exited)
        if problem is None:
            return
        log = self.log(name)
        tail = _tail(log)
        if any(marker in tail for marker in _PORT_IN_USE):
            raise PortTaken(f"{name}: {problem}")
        raise ClusterError(
            f"{name} did not become ready: {problem} (log: {log}); last lines:\n{tail}"
        )

    def stop(self, names: Iterable[str], *, grace: float = 10.0) -> None:
        """Stop the named components, in the order given (unknown names are skipped).

        Each gets SIGTERM and ``grace`` seconds before SIGKILL.
        """
        for name in names:
            ref = self._refs.pop(name, None)
            process = self._processes.pop(name, None)
            if ref is not None:
                processes.stop(ref, process=process, timeout=grace)

    def components(self) -> list[ComponentState]:
        return [
            ComponentState(name, ref.pid, ref.start_ticks, str(self.log(name)))
            for name, ref in self._refs.items()
        ]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])
