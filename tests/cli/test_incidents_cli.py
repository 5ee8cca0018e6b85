"""``dorgu incidents``: tables, -o json/yaml, empty results on stderr, resolve and similar
output, --explain without a provider, and every failure as one line with its exit code."""

from __future__ import annotations

import json

import pytest
import yaml

from dorgu.cli import cluster as cluster_cli
from dorgu.clients import INCIDENT_MEMORIES
from dorgu.clients.kubefakes import FakeKube
from tests.cli.running import dorgu, isolate_environment
from tests.learning.incidents.builders import incident_body


@pytest.fixture
def kube(tmp_path, monkeypatch):
    isolate_environment(tmp_path, monkeypatch, "work")
    fake = FakeKube(namespace="shop", user="alice")
    fake.add(incident_body("orders-1", phase="Resolved", fingerprint="a" * 32,
                           resolution={"outcome": "resolved", "action": "limit 512Mi"}))  # fmt: skip
    fake.add(incident_body("orders-2", episode=2, fingerprint="a" * 32,
                           contributing=("CrashLoopBackOff",)))  # fmt: skip
    fake.add(incident_body("cart-1", namespace="cart", workload="cart"))
    monkeypatch.setattr(cluster_cli, "open_client", lambda: fake)
    return fake


def _one_line(result) -> str:
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_list_table_open_first_and_all_namespaces(kube):
    result = dorgu("incidents", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "PHASE", "SEVERITY", "CATEGORY", "SIGNAL", "WORKLOAD",
                                "COUNT", "AGE"]  # fmt: skip
    assert lines[1].split()[:7] == ["orders-2", "Detected", "critical", "resource", "OOMKilled",
                                    "orders", "3"]  # fmt: skip
    assert lines[2].split()[:2] == ["orders-1", "Resolved"]
    every = dorgu("incidents", "list", "-A").output.splitlines()
    assert every[0].split()[0] == "NAMESPACE"
    assert [line.split()[:2] for line in every[1:]] == [
        ["cart", "cart-1"], ["shop", "orders-2"], ["shop", "orders-1"]]  # fmt: skip
    opened = dorgu("incidents", "list", "--open").output.splitlines()
    assert [line.split()[0] for line in opened[1:]] == ["orders-2"]


def test_list_as_json_and_yaml_is_a_kubectl_list(kube):
    data = json.loads(dorgu("incidents", "list", "-o", "json").output)
    assert data["kind"] == "List"
    assert [i["metadata"]["name"] for i in data["items"]] == ["orders-2", "orders-1"]
    assert yaml.safe_load(dorgu("incidents", "list", "-o", "yaml").output) == data


def test_an_empty_list_is_said_on_stderr(kube):
    result = dorgu("incidents", "list", "-n", "empty")
    assert result.exit_code == 0
    assert "No incidents found in namespace empty." in result.output


def test_show_has_every_section(kube):
    result = dorgu("incidents", "show", "orders-2")
    assert result.exit_code == 0, result.output
    for text in (
        "Name:          orders-2",
        "Phase:         Detected",
        "Fingerprint:   " + "a" * 32,
        "Affected resources:",
        "pod       Pod/orders-7d9f8-a",
        "Evidence:",
        "Contributing signals:",
        "CrashLoopBackOff: seen",
        "Episode:       2",
    ):
        assert text in result.output, text  # fmt: skip
    resolved = dorgu("incidents", "show", "orders-1").output
    assert "Resolution:" in resolved and "action:      limit 512Mi" in resolved
    data = json.loads(dorgu("incidents", "show", "orders-2", "-o", "json").output)
    assert data["spec"]["fingerprint"] == "a" * 32


def test_show_explain_without_a_provider_is_rule_based_with_a_note(kube):
    result = dorgu("incidents", "show", "orders-2", "--explain")
    assert result.exit_code == 0, result.output
    assert "note: no LLM provider configured; rule-based summary" in result.output
    assert "Summary (rules):" in result.output and "Root-cause hypotheses:" in result.output
    data = json.loads(dorgu("incidents", "show", "orders-2", "--explain", "--no-llm",
                            "-o", "json").output)  # fmt: skip
    assert data["explanation"]["source"] == "rules"
    assert "rootCause" not in kube.get(INCIDENT_MEMORIES, "orders-1", namespace="shop")["spec"]


def test_show_explain_save_stores_the_rule_summary(kube):
    result = dorgu("incidents", "show", "orders-1", "--explain", "--no-llm", "--save")
    assert result.exit_code == 0, result.output
    stored = kube.get(INCIDENT_MEMORIES, "orders-1", namespace="shop")["spec"]["rootCause"]
    assert stored["provider"] == "rules" and stored["summary"].startswith("OOMKilled on")


def test_save_without_explain_is_a_usage_error(kube):
    result = dorgu("incidents", "show", "orders-1", "--save")
    assert result.exit_code == 2
    assert "--save needs --explain" in _one_line(result)


def test_resolve_then_resolving_again_is_refused(kube):
    result = dorgu("incidents", "resolve", "orders-2", "--note", "raised the limit")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("incidentmemory/orders-2 resolved by alice after ")
    again = dorgu("incidents", "resolve", "orders-2", "--note", "again")
    assert again.exit_code == 2
    assert "incident shop/orders-2 is already resolved (at " in _one_line(again)
    missing_note = dorgu("incidents", "resolve", "orders-2")
    assert missing_note.exit_code == 2


def test_similar_table_and_json(kube):
    result = dorgu("incidents", "similar", "orders-2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["NAMESPACE", "NAME", "MATCH", "SCORE"]
    assert lines[1].split()[:4] == ["shop", "orders-1", "fingerprint", "1.00"]
    assert lines[1].split()[-3:] == ["resolved", "limit", "512Mi"]
    assert lines[2].split()[:3] == ["cart", "cart-1", "signature"]
    data = json.loads(dorgu("incidents", "similar", "orders-2", "-o", "json").output)
    assert data["searched"] == "all namespaces"
    assert data["matches"][0]["resolution"]["action"] == "limit 512Mi"


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("show", "Bad_Name"), 2, "'Bad_Name' is not a valid incident name"),
        (("show", "nope"), 6, "no IncidentMemory 'nope' in namespace shop"),
        (("list", "-n", "Bad NS"), 2, "is not a valid namespace name"),
        (("similar", "orders-2", "--limit", "0"), 2, "--limit must be between 1 and 100"),
    ],
)
def test_bad_input_is_one_line(kube, args, code, text):
    result = dorgu("incidents", *args)
    assert result.exit_code == code, result.output
    assert text in _one_line(result)


def test_missing_crds_and_unreachable_cluster_are_one_line_exit_6(kube):
    kube.crds_installed = False
    result = dorgu("incidents", "list", "-A")
    assert result.exit_code == 6
    assert "the dorgu CRDs are not installed" in _one_line(result)
    kube.crds_installed, kube.unreachable = True, True
    result = dorgu("incidents", "show", "orders-1")
    assert result.exit_code == 6
    assert "cannot reach the cluster" in _one_line(result)


def test_forbidden_list_all_is_one_line_and_similar_falls_back(kube):
    kube.forbidden_all_namespaces = True
    result = dorgu("incidents", "list", "-A")
    assert result.exit_code == 6
    assert "forbidden (403)" in _one_line(result)
    similar = dorgu("incidents", "similar", "orders-2")
    assert similar.exit_code == 0
    assert "note: searched namespace shop only" in similar.output


def test_explain_with_a_provider_but_no_key_falls_back_with_one_warning(kube):
    result = dorgu("incidents", "show", "orders-2", "--explain", "--llm-provider", "openai")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "no API key is set" in warnings[0]
    assert "Summary (rules):" in result.output
