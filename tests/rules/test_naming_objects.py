"""Names and labels of objects no workload links to (ConfigMaps, Ingresses, Secrets ...)."""

from datetime import UTC, datetime

from dorgu.rules import evaluate
from dorgu.rules.policies import DEFAULT_POLICY

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_unlinked_objects_get_name_and_label_checks():
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "App_Config"}}
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "labels": {"bad key!": "x"}},
    }
    good = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web-secrets"}}
    found = evaluate([config, ingress, good], now=NOW)
    by_object = {(f.index, f.finding.rule_id) for f in found}
    assert (0, "naming.dns-names") in by_object
    assert (1, "naming.labels") in by_object
    assert not [f for f in found if f.index == 2]
    (name,) = [f for f in found if f.index == 0]
    assert name.finding.field == "metadata.name"
    assert "App_Config" in name.finding.message


def test_disabled_rules_do_not_run_on_unlinked_objects():
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "App_Config"}}
    policy = DEFAULT_POLICY.disabling(["naming.dns-names"])
    assert evaluate([config], now=NOW, policy=policy) == []
