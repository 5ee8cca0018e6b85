"""Persona status from rule-engine findings: pure functions of the reconciler, so the same
workloads always give the same bytes (an unchanged status is never written).

- ``target_validation``: one workload's findings -> ``TargetValidation`` (one check per
  finding, plus a passing entry for each persona rule that found nothing);
- ``build_status``: targets + rollout -> the whole ``ApplicationPersonaStatus`` (phase,
  conditions with observedGeneration, validation with ``passed`` always set, issues derived
  from the targets' checks, deployments current/lastSuccessful/lastFailed/history);
- ``content_of``: the status without timestamps, to decide whether a write is needed;
- ``transitions``: the Events worth emitting between two statuses.

A check fails when its finding has severity ``error``; warnings and infos are listed but pass.
Must not do I/O or read the clock (``now`` is a parameter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding
from dorgu.models.personas_base import Condition, ConditionStatus, JsonValue, dump_wire
from dorgu.models.personas_policies import ValidationMode
from dorgu.models.personas_status import (
    ApplicationPersonaStatus,
    CheckResult,
    DeploymentRecord,
    DeploymentTracking,
    PersonaPhase,
    TargetValidation,
    ValidationIssue,
    ValidationStatus,
)
from dorgu.rules.registry import RULES

PERSONA_RULES = tuple(rule.id for rule in RULES if rule.id.startswith("persona."))
MAX_ISSUES = 50
MAX_HISTORY = 10
MAX_TARGETS = 50
MAX_NAMED = 10
"""Failing workloads named in a condition message (the rest are counted)."""
"""Targets listed in status (failing ones first); the rest are counted in the conditions."""
_TIMESTAMP_KEYS = frozenset({"lastChecked", "lastUpdated", "lastTransitionTime"})


class RolloutState(StrEnum):
    PROGRESSING = "Progressing"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


@dataclass(frozen=True)
class Rollout:
    """The state of the persona's main workload's rollout."""

    version: str
    image: str
    state: RolloutState


def target_validation(
    *, kind: str, name: str, generation: int | None, findings: Iterable[Finding], now: datetime
) -> TargetValidation:
    """One workload's result: a check per finding (passed unless it is an error) and a
    passing check for every persona rule without findings."""
    checks: list[CheckResult] = []
    seen: set[str] = set()
    for finding in findings:
        rule = finding.rule_id or "dorgu"
        seen.add(rule)
        checks.append(
            CheckResult(
                rule=rule,
                passed=finding.severity is not Severity.ERROR,
                severity=finding.severity,
                field=finding.field,
                message=finding.message,
                suggestion=finding.suggestion,
            )
        )
    checks.extend(CheckResult(rule=rule, passed=True) for rule in PERSONA_RULES if rule not in seen)
    checks.sort(key=lambda c: (c.passed, c.rule, c.field or ""))
    return TargetValidation(
        kind=kind,
        name=name,
        passed=all(c.passed for c in checks),
        generation=generation,
        last_checked=now,
        checks=checks,
    )


def _issues(targets: Sequence[TargetValidation]) -> list[ValidationIssue]:
    """The first ``MAX_ISSUES`` findings with a message, errors first, then warnings, then the
    rest (each in workload order); stops scanning once nothing later could enter the list."""
    buckets: tuple[list[tuple[TargetValidation, CheckResult]], ...] = ([], [], [])
    errors, warnings = buckets[0], buckets[1]
    errors_possible = any(not t.passed for t in targets)  # only an error fails a check
    for target in targets:
        for check in target.checks:
            severity = check.severity
            if not check.message or severity is Severity.INFO:
                continue
            bucket = 0 if severity is Severity.ERROR else 1 if severity is Severity.WARNING else 2
            if len(buckets[bucket]) < MAX_ISSUES:
                buckets[bucket].append((target, check))
        if len(errors) >= MAX_ISSUES or (not errors_possible and len(warnings) >= MAX_ISSUES):
            break
    found = [*buckets[0], *buckets[1], *buckets[2]][:MAX_ISSUES]
    return [
        ValidationIssue(
            severity=check.severity or Severity.INFO,
            field=check.field,
            message=f"{target.kind}/{target.name}: {check.message}",
            suggestion=check.suggestion,
            rule=check.rule,
        )
        for target, check in found
    ]


def _condition(
    old: Sequence[Condition],
    *,
    kind: str,
    true: bool,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> Condition:
    status = ConditionStatus.TRUE if true else ConditionStatus.FALSE
    previous = next((c for c in old if c.type == kind), None)
    since = previous.last_transition_time if previous and previous.status is status else now
    return Condition(
        type=kind,
        status=status,
        observed_generation=generation,
        last_transition_time=since,
        reason=reason,
        message=message,
    )


def _tracking(
    old: DeploymentTracking | None, rollout: Rollout | None, now: datetime
) -> DeploymentTracking | None:
    if rollout is None:
        return old
    history = list(old.history) if old else []
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    record = DeploymentRecord(
        version=rollout.version,
        timestamp=stamp,
        status=rollout.state.value,
        triggered_by="dorgu-operator",
        image=rollout.image,
    )
    if history and history[0].image == rollout.image:
        if history[0].status != rollout.state.value:
            history[0] = record.model_copy(update={"timestamp": history[0].timestamp})
    else:
        history.insert(0, record)
    last_ok = old.last_successful if old else None
    last_failed = old.last_failed if old else None
    if rollout.state is RolloutState.SUCCEEDED:
        last_ok = rollout.version
    elif rollout.state is RolloutState.FAILED:
        last_failed = rollout.version
    return DeploymentTracking(
        current=rollout.version,
        last_successful=last_ok,
        last_failed=last_failed,
        history=history[:MAX_HISTORY],
    )


def build_status(
    *,
    old: ApplicationPersonaStatus | None,
    generation: int | None,
    targets: Sequence[TargetValidation],
    mode: ValidationMode,
    now: datetime,
    rollout: Rollout | None = None,
    spec_error: str | None = None,
) -> ApplicationPersonaStatus:
    """The persona's status after validating ``targets`` (every workload it selects)."""
    old = old or ApplicationPersonaStatus()
    targets = sorted(targets, key=lambda t: (t.kind, t.name))
    failing = [t for t in targets if not t.passed]
    passed = spec_error is None and not failing
    if spec_error is not None:
        phase, ready, reason = PersonaPhase.FAILED, False, "InvalidSpec"
        message = spec_error
    elif not targets:
        phase, ready, reason = PersonaPhase.PENDING, False, "NoWorkloads"
        message = "no Deployment or StatefulSet matches the persona's selector"
    elif failing:
        phase, ready, reason = PersonaPhase.DEGRADED, False, "ChecksFailed"
        names = ", ".join(f"{t.kind}/{t.name}" for t in failing[:MAX_NAMED])
        more = f" and {len(failing) - MAX_NAMED} more" if len(failing) > MAX_NAMED else ""
        message = f"{len(failing)} of {len(targets)} workloads fail checks: {names}{more}"
    else:
        phase, ready, reason = PersonaPhase.ACTIVE, True, "ChecksPassed"
        message = f"{len(targets)} workload{'s' if len(targets) != 1 else ''} pass every check"
    conditions = [
        _condition(old.conditions, kind="Ready", true=ready, reason=reason, message=message,
                   generation=generation, now=now),
        _condition(old.conditions, kind="Validated", true=passed,
                   reason="ChecksPassed" if passed else reason, message=message,
                   generation=generation, now=now),
    ]  # fmt: skip
    listed = sorted(targets, key=lambda t: (t.passed, t.kind, t.name))[:MAX_TARGETS]
    validation = ValidationStatus(
        passed=passed,
        last_checked=now,
        mode=mode,
        issues=_issues(failing or targets),
        targets=sorted(listed, key=lambda t: (t.kind, t.name)),
    )
    return old.model_copy(
        update={
            "phase": phase,
            "observed_generation": generation,
            "last_updated": now,
            "validation": validation,
            "deployments": _tracking(old.deployments, rollout, now),
            "conditions": conditions,
        }
    )


def _strip(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _TIMESTAMP_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def content_of(status: ApplicationPersonaStatus | None) -> JsonValue:
    """What a status says, without the timestamps that change on every run."""
    return None if status is None else _strip(dump_wire(status))


def transitions(
    old: ApplicationPersonaStatus | None, new: ApplicationPersonaStatus
) -> list[tuple[str, str, str]]:
    """``(type, reason, message)`` Events for what changed: the phase, and validation
    passing or failing.  Nothing when neither changed (no Event storms)."""
    events: list[tuple[str, str, str]] = []
    before = old.phase if old else None
    if new.phase is not None and new.phase != before:
        ready = next((c for c in new.conditions if c.type == "Ready"), None)
        kind = "Normal" if new.phase in (PersonaPhase.ACTIVE, PersonaPhase.PENDING) else "Warning"
        detail = ready.message if ready else ""
        events.append((kind, f"Phase{new.phase.value}", f"phase {new.phase.value}: {detail}"))
    was = old.validation.passed if old and old.validation else None
    now_passed = new.validation.passed if new.validation else None
    if now_passed is not None and was is not None and now_passed != was:
        reason = "ValidationPassed" if now_passed else "ValidationFailed"
        first = new.validation.issues[0].message if new.validation and new.validation.issues else ""
        events.append(("Normal" if now_passed else "Warning", reason, first or reason))
    return events
