from __future__ import annotations

import os
from pathlib import Path

from dorgu.devcluster.states import ClusterState, ComponentState, read_state, write_state


def _state() -> ClusterState:
    return ClusterState(
        root="/tmp/x",
        server="https://127.0.0.1:6443",
        kubeconfig="/tmp/x/kubeconfig",
        kubernetes_version="v1.37.2",
        ports={"apiserver": 6443},
        components=[ComponentState("etcd", os.getpid(), None, "/tmp/x/logs/etcd.log")],
    )


def test_state_round_trips(tmp_path: Path) -> None:
    write_state(_state(), tmp_path / "state.json")

    assert read_state(tmp_path / "state.json") == _state()


def test_missing_or_garbage_state_reads_as_none(tmp_path: Path) -> None:
    assert read_state(tmp_path / "absent.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert read_state(tmp_path / "bad.json") is None
    (tmp_path / "old.json").write_text('{"format": 0}')
    assert read_state(tmp_path / "old.json") is None


def test_running_lists_live_components() -> None:
    state = _state()
    dead = ComponentState("kube-apiserver", 2**22 + 12345, None, "x")
    mixed = ClusterState(**{**state.__dict__, "components": [*state.components, dead]})

    assert mixed.running() == ["etcd"]
