"""Persona status building: phases, conditions, passed always written, change detection,
transition Events, webhook configuration shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.models.personas_base import (
    LabelSelector,
    SelectorOperator,
    SelectorRequirement,
    dump_wire,
)
from dorgu.models.personas_policies import ValidationMode
from dorgu.operator.selecting import selector_text
from dorgu.operator.statuses import (
    Rollout,
    RolloutState,
    build_status,
    content_of,
    target_validation,
    transitions,
)
from dorgu.operator.webhook.configuring import webhook_configuration

NOW = datetime(2025, 1, 1, tzinfo=UTC)
BAD = Finding(
    rule_id="persona.resource-bounds",
    severity=Severity.ERROR,
    field="spec.x",
    message="cpu 2 > 500m",
    suggestion="lower it",
)
MEH = Finding(
    rule_id="reliability.liveness-probe",
    severity=Severity.WARNING,
    field="spec.y",
    message="no probe",
)


def _target(*findings: Finding, name: str = "web"):  # type: ignore[no-untyped-def]
    return target_validation(kind="Deployment", name=name, generation=3, findings=findings, now=NOW)


def test_phases_follow_the_targets() -> None:
    def phase(**kw):  # type: ignore[no-untyped-def]
        return build_status(old=None, generation=1, mode=ValidationMode.AUDIT, now=NOW, **kw)

    assert phase(targets=[]).phase.value == "Pending"
    assert phase(targets=[_target(MEH)]).phase.value == "Active"
    assert phase(targets=[_target(MEH), _target(BAD, name="w2")]).phase.value == "Degraded"
    assert phase(targets=[], spec_error="spec.scaling: bad").phase.value == "Failed"


def test_passed_is_always_written_and_issues_name_the_workload() -> None:
    status = build_status(
        old=None, generation=1, targets=[_target(BAD)], mode=ValidationMode.ENFORCE, now=NOW
    )
    wire = dump_wire(status)
    assert wire["validation"]["passed"] is False  # type: ignore[index]
    (issue, *_) = status.validation.issues  # type: ignore[union-attr]
    assert issue.rule == "persona.resource-bounds" and issue.message.startswith("Deployment/web: ")
    ready = next(c for c in status.conditions if c.type == "Ready")
    assert (ready.status.value, ready.observed_generation, ready.reason) == (
        "False",
        1,
        "ChecksFailed",
    )
    checks = {c.rule: c for c in status.validation.targets[0].checks}  # type: ignore[union-attr]
    assert checks["persona.resource-bounds"].passed is False
    assert checks["persona.health-probes"].passed is True


def test_many_workloads_keep_the_status_bounded_errors_first() -> None:
    targets = [_target(MEH, name=f"ok-{i:03}") for i in range(300)]
    targets += [_target(MEH, BAD, name=f"bad-{i:03}") for i in range(120)]
    status = build_status(
        old=None, generation=1, targets=targets, mode=ValidationMode.AUDIT, now=NOW
    )
    assert status.validation is not None
    issues = status.validation.issues
    assert len(issues) == 50 and all(i.severity is Severity.ERROR for i in issues)
    assert [i.message.split(":")[0] for i in issues[:2]] == [
        "Deployment/bad-000",
        "Deployment/bad-001",
    ]
    assert len(status.validation.targets) == 50
    (ready,) = [c for c in status.conditions if c.type == "Ready"]
    assert ready.message.startswith("120 of 420 workloads fail checks: Deployment/bad-000, ")
    assert ready.message.endswith(" and 110 more") and ready.message.count("Deployment/") == 10


def test_issues_list_errors_then_warnings_in_workload_order() -> None:
    targets = [_target(MEH, name="a"), _target(MEH, BAD, name="b"), _target(MEH, name="c")]
    status = build_status(
        old=None, generation=1, targets=targets, mode=ValidationMode.AUDIT, now=NOW
    )
    assert status.validation is not None
    # only the failing workloads' findings are listed while any fail: error, then its warning
    assert [(i.severity, i.message.split(":")[0]) for i in status.validation.issues] == [
        (Severity.ERROR, "Deployment/b"), (Severity.WARNING, "Deployment/b")]  # fmt: skip
    passing = [_target(MEH, name=f"w{i:02}") for i in range(60)]
    status = build_status(
        old=None, generation=1, targets=passing, mode=ValidationMode.AUDIT, now=NOW
    )
    assert status.validation is not None
    assert [i.message.split(":")[0] for i in status.validation.issues] == [
        f"Deployment/w{i:02}" for i in range(50)]  # fmt: skip


def test_same_result_later_is_unchanged_content_and_keeps_transition_time() -> None:
    first = build_status(
        old=None, generation=1, targets=[_target(MEH)], mode=ValidationMode.AUDIT, now=NOW
    )
    later = NOW + timedelta(minutes=5)
    second = build_status(old=first, generation=1, targets=[target_validation(kind="Deployment", name="web", generation=3, findings=[MEH], now=later)], mode=ValidationMode.AUDIT, now=later)  # fmt: skip
    assert content_of(first) == content_of(second)
    assert second.conditions[0].last_transition_time == NOW
    assert transitions(first, second) == []


def test_transitions_emit_phase_and_validation_events() -> None:
    good = build_status(
        old=None, generation=1, targets=[_target()], mode=ValidationMode.AUDIT, now=NOW
    )
    bad = build_status(
        old=good, generation=1, targets=[_target(BAD)], mode=ValidationMode.AUDIT, now=NOW
    )
    reasons = [reason for _, reason, _ in transitions(good, bad)]
    assert reasons == ["PhaseDegraded", "ValidationFailed"]


def test_rollout_history_records_new_versions_once() -> None:
    def with_rollout(old, version: str, state: RolloutState):  # type: ignore[no-untyped-def]
        rollout = Rollout(version, f"r/app:{version}", state)
        return build_status(
            old=old,
            generation=1,
            targets=[_target()],
            mode=ValidationMode.AUDIT,
            now=NOW,
            rollout=rollout,
        )

    s1 = with_rollout(None, "1.0", RolloutState.PROGRESSING)
    s2 = with_rollout(s1, "1.0", RolloutState.SUCCEEDED)
    s3 = with_rollout(s2, "1.1", RolloutState.FAILED)
    d = s3.deployments
    assert d is not None and (d.current, d.last_successful, d.last_failed) == ("1.1", "1.0", "1.1")
    assert [(r.version, r.status) for r in d.history] == [("1.1", "Failed"), ("1.0", "Succeeded")]


def test_selector_text() -> None:
    selector = LabelSelector(match_labels={"b": "2", "a": "1"}, match_expressions=[
        SelectorRequirement(key="t", operator=SelectorOperator.IN, values=["y", "x"]),
        SelectorRequirement(key="u", operator=SelectorOperator.DOES_NOT_EXIST)])  # fmt: skip
    assert selector_text(selector) == "a=1,b=2,t in (x,y),!u"


def test_webhook_configuration_is_safe_by_default() -> None:
    config = webhook_configuration(
        name="dorgu", ca_bundle=b"CA", operator_namespace="dorgu-system", service="dorgu-webhook"
    )
    (hook,) = config["webhooks"]  # type: ignore[misc]
    assert hook["name"] == "validate-deployment.dorgu.io"
    assert (hook["failurePolicy"], hook["sideEffects"], hook["admissionReviewVersions"]) == (
        "Ignore",
        "None",
        ["v1"],
    )
    assert hook["timeoutSeconds"] <= 5
    assert hook["rules"][0]["resources"] == ["deployments"] and hook["rules"][0]["operations"] == [
        "CREATE",
        "UPDATE",
    ]
    excluded = hook["namespaceSelector"]["matchExpressions"][0]["values"]
    assert excluded == ["dorgu-system", "kube-node-lease", "kube-system"]
    assert hook["clientConfig"]["service"]["path"] == "/validate-deployment"
