"""The policy generator: deterministic (golden file), covering exactly the rules it claims,
with the persona as parameter and the mode mapped to validation actions.

Refresh the golden file with ``DORGU_UPDATE_GOLDEN=1 python -m pytest tests/rules/cel``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from dorgu.rules import DEFAULT_POLICY, RULES_BY_ID
from dorgu.rules.cel import (
    AUTOSCALED_ANNOTATION,
    COMPILED_RULES,
    HPA_SENSITIVE_RULES,
    is_autoscaled,
    policy_manifests,
    webhook_policy,
)
from dorgu.rules.cel.literals import quote

GOLDEN = Path(__file__).parent / "golden" / "policies.yaml"
NOW = datetime(2026, 12, 7, 21, 30, tzinfo=UTC)


def _render() -> str:
    manifests = policy_manifests(name="dorgu-persona", now=NOW, operator_namespace="dorgu-system")
    return yaml.safe_dump_all(manifests, sort_keys=True, width=100)


def test_policies_match_the_golden_file() -> None:
    text = _render()
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_generation_is_deterministic() -> None:
    assert _render() == _render()


def test_every_compiled_rule_is_a_real_rule_and_appears_in_the_cel() -> None:
    text = _render()
    assert COMPILED_RULES
    for rule_id in COMPILED_RULES:
        assert rule_id in RULES_BY_ID
        assert quote(rule_id) in text, rule_id


def test_each_mode_has_its_action_and_the_persona_policy_is_the_parameter() -> None:
    manifests = policy_manifests(name="p", now=NOW, operator_namespace="ops", opt_in=True)
    policies = {m["metadata"]["name"]: m for m in manifests if m["kind"].endswith("Policy")}
    bindings = {m["metadata"]["name"]: m for m in manifests if m["kind"].endswith("Binding")}

    assert sorted(policies) == sorted(bindings) == ["p-audit", "p-deny", "p-warn"]
    for name, binding in bindings.items():
        spec = binding["spec"]
        assert spec["policyName"] == name
        assert spec["validationActions"] == [name.removeprefix("p-").capitalize()]
        assert spec["paramRef"] == {
            "selector": {"matchLabels": {"app.kubernetes.io/managed-by": "dorgu-operator"}},
            "parameterNotFoundAction": "Allow",
        }
        selector = spec["matchResources"]["namespaceSelector"]
        assert selector["matchLabels"] == {"dorgu.io/validate": "true"}
        assert "ops" in selector["matchExpressions"][0]["values"]
    for policy in policies.values():
        assert policy["spec"]["paramKind"] == {
            "apiVersion": "dorgu.io/v1",
            "kind": "PersonaPolicy",
        }
        assert policy["spec"]["failurePolicy"] == "Ignore"
    assert len(policies["p-warn"]["spec"]["validations"]) == 20  # one per warning line


def test_now_is_written_into_the_policies_for_exemption_expiry() -> None:
    later = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    (policy, *_) = policy_manifests(name="p", now=later, operator_namespace="ops")
    variables = {v["name"]: v["expression"] for v in policy["spec"]["variables"]}
    assert variables["now"] == "timestamp('2027-01-02T03:04:05Z')"


def test_a_rule_subset_compiles_only_those_rules() -> None:
    (policy, *_) = policy_manifests(
        name="p", now=NOW, operator_namespace="ops", rules={"security.privileged"}
    )
    findings = next(v for v in policy["spec"]["variables"] if v["name"] == "findings")
    assert "'security.privileged'" in findings["expression"]
    assert "'reliability.image-tag'" not in findings["expression"]


def test_webhook_keeps_the_rest_and_hpa_sensitive_rules_on_autoscaled_deployments() -> None:
    plain = webhook_policy(DEFAULT_POLICY, autoscaled=False)
    scaled = webhook_policy(DEFAULT_POLICY, autoscaled=True)

    assert not plain.enabled("persona.resource-bounds")
    assert not plain.enabled("exemption.no-owner")  # the policies report exemption findings
    assert plain.enabled("reliability.disruption-budget-missing")  # needs PDBs: webhook
    assert not plain.enabled("persona.replica-range")
    assert scaled.enabled("persona.replica-range")
    assert set(COMPILED_RULES) >= HPA_SENSITIVE_RULES


def test_autoscaled_marker_is_an_annotation() -> None:
    marked = {"metadata": {"annotations": {AUTOSCALED_ANNOTATION: "web"}}}
    assert is_autoscaled(marked)
    assert not is_autoscaled({"metadata": {"annotations": "junk"}})
    assert not is_autoscaled({})


def test_quote_escapes_cel_string_literals() -> None:
    assert quote("it's a \\ path\n") == "'it\\'s a \\\\ path\\n'"


def test_docs_say_which_rules_the_policies_run() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    row = next(line for line in docs.splitlines() if line.startswith("| policy (CEL) |"))
    listed = set(re.findall(r"`([a-z]+\.[a-z-]+)`", row))
    assert listed == set(COMPILED_RULES)
    for rule_id in RULES_BY_ID:
        assert f"`{rule_id}`" in docs.split("## Where each rule runs at admission")[1] or (
            rule_id.split(".")[0] in {"naming", "schema", "exemption"}
        ), rule_id


def test_the_deny_policy_evaluates_only_the_rules_that_can_find_errors() -> None:
    from dorgu.models.evidence import Severity
    from dorgu.rules.cel.compiling import ERROR_CAPABLE

    manifests = policy_manifests(name="p", now=NOW, operator_namespace="ops")
    policies = {m["metadata"]["name"]: m for m in manifests if m["kind"].endswith("Policy")}

    def findings(name: str) -> str:
        variables = policies[name]["spec"]["variables"]
        return next(v["expression"] for v in variables if v["name"] == "findings")

    for rule_id in COMPILED_RULES:
        if RULES_BY_ID[rule_id].severity is Severity.ERROR:
            assert rule_id in ERROR_CAPABLE
        assert (quote(rule_id) in findings("p-deny")) == (rule_id in ERROR_CAPABLE)
        assert quote(rule_id) in findings("p-warn")
