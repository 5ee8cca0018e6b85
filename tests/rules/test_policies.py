"""Policies (disable, severity overrides, strictness levels) and admission decisions."""

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding, ResourceRef
from dorgu.models.personas_policies import ValidationMode
from dorgu.rules import Level, RulePolicy, decide_admission, policy_for_level

from .builders import app, first, run


def _broken():
    objects = app()
    first(objects[0])["image"] = "nginx:latest"
    first(objects[0])["securityContext"]["readOnlyRootFilesystem"] = False
    return objects


def test_disabling_by_id_or_category():
    assert {f.rule_id for f in run(_broken())} == {
        "reliability.image-tag",
        "security.read-only-root-filesystem",
    }
    by_id = RulePolicy().disabling(["reliability.image-tag"])
    assert {f.rule_id for f in run(_broken(), policy=by_id)} == {
        "security.read-only-root-filesystem"
    }
    by_category = RulePolicy().disabling(["security"])
    assert {f.rule_id for f in run(_broken(), policy=by_category)} == {"reliability.image-tag"}


def test_severity_overrides_prefer_the_id_over_the_category():
    policy = RulePolicy().overriding(
        {"security": Severity.INFO, "security.read-only-root-filesystem": Severity.ERROR}
    )
    found = {f.rule_id: f.severity for f in run(_broken(), policy=policy)}
    assert found["security.read-only-root-filesystem"] is Severity.ERROR


def test_unknown_names_are_reported():
    policy = (
        RulePolicy().disabling(["security.nope", "security"]).overriding({"bogus": Severity.INFO})
    )
    assert policy.unknown_names() == ["bogus", "security.nope"]


def test_levels():
    relaxed = {f.rule_id for f in run(_broken(), policy=policy_for_level(Level.RELAXED))}
    assert relaxed == {"reliability.image-tag"}
    strict = {f.rule_id: f.severity for f in run(_broken(), policy=policy_for_level(Level.STRICT))}
    assert strict["security.read-only-root-filesystem"] is Severity.ERROR
    assert policy_for_level(Level.DEFAULT) == RulePolicy()


def _finding(severity, rule="persona.resource-bounds"):
    return Finding(
        rule_id=rule,
        severity=severity,
        field="spec.template.spec.containers[0].resources.limits.memory",
        message="memory limit 2Gi is above the persona's bound 1Gi (resources.bounds.memory.max)",
        suggestion="lower limits.memory to at most 1Gi",
        resource=ResourceRef(kind="Deployment", name="api", namespace="shop"),
        container="api",
    )


def test_off_admits_and_records_nothing():
    decision = decide_admission([_finding(Severity.ERROR)], ValidationMode.OFF)
    assert decision.allowed and not decision.record and decision.warnings == ()


def test_audit_admits_silently_and_records():
    decision = decide_admission([_finding(Severity.ERROR)], ValidationMode.AUDIT)
    assert decision.allowed and decision.record and decision.warnings == ()


def test_warn_admits_with_a_warning_per_non_info_finding():
    findings = [_finding(Severity.ERROR), _finding(Severity.WARNING), _finding(Severity.INFO)]
    decision = decide_admission(findings, ValidationMode.WARN)
    assert decision.allowed and decision.record
    assert len(decision.warnings) == 2
    assert all(len(w) <= 256 for w in decision.warnings)
    assert decision.warnings[0].startswith(
        "dorgu error: persona.resource-bounds: Deployment/shop/api"
    )


def test_enforce_denies_errors_with_rule_field_bound_and_fix():
    decision = decide_admission(
        [_finding(Severity.ERROR), _finding(Severity.WARNING, "x.y")], ValidationMode.ENFORCE
    )
    assert not decision.allowed
    message = decision.message
    assert "persona.resource-bounds" in message
    assert "spec.template.spec.containers[0].resources.limits.memory" in message
    assert "bound 1Gi" in message and "fix: lower limits.memory" in message
    assert len(decision.warnings) == 1 and "x.y" in decision.warnings[0]


def test_enforce_admits_warnings():
    decision = decide_admission([_finding(Severity.WARNING)], ValidationMode.ENFORCE)
    assert decision.allowed and len(decision.warnings) == 1


def test_warnings_are_capped():
    decision = decide_admission([_finding(Severity.WARNING)] * 50, ValidationMode.WARN)
    assert len(decision.warnings) == 20
    assert decision.warnings[-1] == "dorgu: 31 more findings"
