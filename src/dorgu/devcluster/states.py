"""The state file of a running control plane, so another dorgu process can find and stop it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dorgu.devcluster.processes import ProcessRef

FORMAT = 1


@dataclass(frozen=True)
class ComponentState:
    name: str
    pid: int
    start_ticks: int | None
    log: str

    @property
    def ref(self) -> ProcessRef:
        return ProcessRef(pid=self.pid, start_ticks=self.start_ticks)


@dataclass(frozen=True)
class ClusterState:
    """What ``dorgu dev status`` and ``dorgu dev down`` need to know."""

    root: str
    server: str
    kubeconfig: str
    kubernetes_version: str
    ports: dict[str, int]
    components: list[ComponentState] = field(default_factory=list)

    def running(self) -> list[str]:
        """Names of the components whose process is still alive."""
        return [c.name for c in self.components if c.ref.is_running()]


def write_state(state: ClusterState, path: Path) -> None:
    """Write atomically (temp file + rename) so readers never see half a file."""
    document = {"format": FORMAT, **asdict(state)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)


def read_state(path: Path) -> ClusterState | None:
    """The state at ``path``; None when there is none or it is unreadable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    try:
        return ClusterState(
            root=document["root"],
            server=document["server"],
            kubeconfig=document["kubeconfig"],
            kubernetes_version=document["kubernetes_version"],
            ports={str(k): int(v) for k, v in document["ports"].items()},
            components=[ComponentState(**c) for c in document["components"]],
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
