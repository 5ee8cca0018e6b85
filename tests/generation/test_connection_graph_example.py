"""The connection graph end to end on examples/microservices-root-context: Services get every
port something connects to, NetworkPolicies let each caller in on exactly those ports, and no
password from the connection strings appears anywhere.

Refresh the golden after an intended change with:
    DORGU_UPDATE_GOLDEN=1 python -m pytest tests/generation/test_connection_graph_example.py
"""

import os
from pathlib import Path

import pytest
import yaml

from dorgu.generation import GenerationOptions, GitInfo
from dorgu.services.generating import GenerateRequest, diagnostic_line, generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "microservices-root-context"
GOLDEN = Path(__file__).resolve().parent / "golden_network" / "microservices-root-context.yaml"
GIT = GitInfo(short_sha="0123abc", branch="main", default_branch="main", remote="")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _outcome():
    request = GenerateRequest(
        path=EXAMPLE, dry_run=True, options=GenerationOptions(network_policy=True)
    )
    return generate(request, environ={}, git=GIT, stop_at=EXAMPLE, repository_root=ROOT)


def _secrets() -> list[str]:
    lines = (EXAMPLE / ".env").read_text().splitlines()
    return [line.split("=", 1)[1] for line in lines if "PASSWORD=" in line]


def _network_objects(stream: str) -> list[dict[str, object]]:
    docs = [d for d in yaml.safe_load_all(stream) if isinstance(d, dict)]
    return [d for d in docs if d.get("kind") in ("Service", "NetworkPolicy")]


def test_services_and_network_policies_follow_the_connection_graph():
    objects = _network_objects(_outcome().stream)
    text = yaml.safe_dump_all(objects, sort_keys=False)
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "review and refresh the golden file"


def test_every_port_something_connects_to_is_a_service_port():
    objects = _network_objects(_outcome().stream)
    ports = {
        o["metadata"]["name"]: sorted(p["port"] for p in o["spec"]["ports"])  # type: ignore[index]
        for o in objects
        if o["kind"] == "Service"
    }
    assert ports["cart"] == [7070]
    assert ports["checkout"] == [5050]
    assert ports["recommendations"] == [9555]  # known only from its caller's env
    assert ports["db"] == [5432]
    assert ports["redis"] == [6379]
    assert "jaeger" not in ports  # behind a profile: its caller's address is dropped


def test_callers_are_let_in_only_where_they_connect():
    objects = _network_objects(_outcome().stream)
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
    redis = policies["microservices-root-context-redis"]["spec"]  # type: ignore[index]
    callers = sorted(
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in redis["ingress"]
        for peer in rule["from"]
    )
    assert callers == ["microservices-root-context-cart", "microservices-root-context-checkout"]
    db = policies["microservices-root-context-db"]["spec"]  # type: ignore[index]
    assert len(db["egress"]) == 1  # DNS only: POSTGRES_USER=checkout is not a connection


def test_no_password_appears_in_any_output():
    outcome = _outcome()
    texts = [outcome.stream, outcome.model.model_dump_json()]
    texts += [f.text for f in outcome.files]
    texts += [diagnostic_line(d, root="x") for d in outcome.diagnostics]
    texts += [str(d) for d in outcome.model.diagnostics]
    secrets = _secrets()
    assert len(secrets) == 2
    for secret in secrets:
        assert all(secret not in text for text in texts)
