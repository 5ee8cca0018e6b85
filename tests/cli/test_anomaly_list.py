"""``dorgu anomaly list``: the findings of the personas' ``status.anomalies`` as a table or as
JSON, an empty result said on stderr, and an unreachable cluster as one line, exit 6."""

from __future__ import annotations

import json

import pytest

from dorgu.cli import cluster as cluster_cli
from dorgu.clients.kubefakes import FakeKube
from tests.cli.running import dorgu, isolate_environment


def _finding(name: str, metric: str, *, end: str | None = None, container: str | None = "web"):
    finding = {
        "persona": {"namespace": "shop", "name": name},
        "series": {"metric": metric, **({"container": container} if container else {})},
        "start": "2026-12-07T10:00:00Z",
        "expected": {"low": 0.09, "high": 0.11},
        "observed": 0.4,
        "score": 0.97,
    }
    if end:
        finding["end"] = end
    return finding


def _persona(name: str, anomalies: dict | None) -> dict:
    body = {
        "apiVersion": "dorgu.io/v1",
        "kind": "ApplicationPersona",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"name": name, "type": "api"},
    }
    if anomalies is not None:
        body["status"] = {"anomalies": anomalies}
    return body


@pytest.fixture
def kube(tmp_path, monkeypatch):
    isolate_environment(tmp_path, monkeypatch, "work")
    fake = FakeKube(namespace="shop")
    monkeypatch.setattr(cluster_cli, "open_client", lambda: fake)
    return fake


def test_current_then_recent_findings_as_a_table_and_as_json(kube):
    kube.add(_persona("web", {
        "current": [_finding("web", "cpu")],
        "recent": [_finding("web", "error_rate", end="2026-12-07T10:30:00Z", container=None)],
        "total": 2, "series": 6,
    }))  # fmt: skip
    kube.add(_persona("quiet", {"series": 2}))
    kube.add(_persona("unwatched", None))
    table = dorgu("anomaly", "list", "-n", "shop")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["PERSONA", "SERIES", "STATE", "START", "END", "OBSERVED",
                                "EXPECTED", "SCORE"]  # fmt: skip
    assert lines[1].split() == ["web", "cpu/web", "current", "2026-12-07T10:00:00Z", "-",
                                "400m", "90m..110m", "0.97"]  # fmt: skip
    assert lines[2].split()[:3] == ["web", "error_rate", "ended"]
    assert "40.00%" in lines[2]
    listed = json.loads(dorgu("anomaly", "list", "-n", "shop", "-o", "json").output)
    assert [f["state"] for f in listed] == ["current", "ended"]
    assert listed[0]["series"] == {"metric": "cpu", "container": "web"}
    assert "end" not in listed[0] and listed[1]["end"] == "2026-12-07T10:30:00Z"


def test_no_anomalies_is_said_on_stderr(kube):
    kube.add(_persona("quiet", {"series": 2}))
    result = dorgu("anomaly", "list", "-n", "shop")
    assert result.exit_code == 0
    assert "no anomalies (1 of 1 personas watched)" in result.output
    assert json.loads(dorgu("anomaly", "list", "-n", "shop", "-o", "json").output) == []


def test_an_unreachable_cluster_is_one_line_exit_6(kube):
    kube.unreachable = True
    result = dorgu("anomaly", "list", "-A")
    assert result.exit_code == 6, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_an_unknown_output_format_is_a_usage_error(kube):
    result = dorgu("anomaly", "list", "-o", "yaml")
    assert result.exit_code == 2
