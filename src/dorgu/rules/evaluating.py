"""Running the rules: ``evaluate_target`` for one workload (the admission webhook, the
operator) and ``evaluate`` for a set of manifests (``dorgu validate``, ``dorgu generate``).

Both apply the policy (disabled rules, severity overrides) and the workload's exemptions as
they stand at ``now``, and turn violations into ``Finding`` objects.

Must not do I/O or read the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dorgu.models.evidence import Severity
from dorgu.models.findings import Finding, ResourceRef
from dorgu.rules.exemptions import EXEMPT_ANNOTATION, ExemptionState, read_exemptions
from dorgu.rules.naming import check_object_labels, check_object_names
from dorgu.rules.objects import Manifest, identity
from dorgu.rules.observability import OBSERVABILITY_CHECKS
from dorgu.rules.paths import FieldPath, format_path
from dorgu.rules.policies import DEFAULT_POLICY, RulePolicy
from dorgu.rules.registry import RULES, RULES_BY_ID, is_known
from dorgu.rules.targets import PersonaBinding, Target, link_targets, target_objects
from dorgu.rules.violations import Rule, Violation


@dataclass(frozen=True)
class ObjectFinding:
    """A finding with the index of the object its field path points into and the path."""

    index: int
    path: FieldPath
    finding: Finding


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_finding(
    rule: Rule, violation: Violation, subject: Manifest, *, severity: Severity
) -> Finding:
    kind, name, namespace = identity(subject)
    return Finding(
        rule_id=rule.id,
        severity=severity,
        field=_clip(format_path(violation.path), 1000),
        message=_clip(violation.message, 4000),
        suggestion=_clip(violation.suggestion or rule.fix, 4000),
        resource=ResourceRef(
            kind=_clip(kind, 100),
            name=_clip(name, 253),
            namespace=namespace[:63] if namespace else None,
        ),
        container=violation.container[:253] if violation.container else None,
    )


def _raw(
    target: Target, *, now: datetime, policy: RulePolicy, rules: Sequence[Rule]
) -> Iterator[tuple[Manifest, FieldPath, Finding]]:
    workload = target.workload
    state = read_exemptions(workload, now=now, known=is_known)
    suppressed: list[str] = []
    for rule in rules:
        if not policy.enabled(rule.id):
            continue
        for violation in rule.check(target):
            if state.covers(rule.id, violation.container):
                suppressed.append(rule.id)
                continue
            subject = violation.subject if violation.subject is not None else workload.manifest
            severity = policy.severity(rule.id, violation.severity or rule.severity)
            yield subject, violation.path, to_finding(rule, violation, subject, severity=severity)
    yield from _exemption_findings(state, workload.manifest, suppressed, policy)


def _exemption_findings(
    state: ExemptionState, manifest: Manifest, suppressed: list[str], policy: RulePolicy
) -> Iterator[tuple[Manifest, FieldPath, Finding]]:
    problems = list(state.problems)
    if state.active and state.expires is not None:
        entries = ", ".join(map(str, state.active))
        until = f"{state.expires.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        count = len(suppressed)
        problems.append(("exemption.applied", Violation(
            ("metadata", "annotations", EXEMPT_ANNOTATION),
            f"exempt from {entries} until {until} (owner: {state.owner}); "
            f"{count} finding{'s' if count != 1 else ''} suppressed",
        )))  # fmt: skip
    for rule_id, violation in problems:
        rule = RULES_BY_ID[rule_id]
        if policy.enabled(rule_id):
            severity = policy.severity(rule_id, rule.severity)
            yield manifest, violation.path, to_finding(rule, violation, manifest, severity=severity)


def evaluate_target(
    target: Target,
    *,
    now: datetime,
    policy: RulePolicy = DEFAULT_POLICY,
    rules: Sequence[Rule] = RULES,
) -> list[Finding]:
    """Every finding about one workload and its related objects, in rule order."""
    return [finding for _, _, finding in _raw(target, now=now, policy=policy, rules=rules)]


def evaluate(
    objects: Sequence[Manifest],
    *,
    now: datetime,
    personas: Sequence[PersonaBinding] = (),
    policy: RulePolicy = DEFAULT_POLICY,
    rules: Sequence[Rule] = RULES,
) -> list[ObjectFinding]:
    """Every finding about the workloads in ``objects``, each with the index of the object it
    points into (a finding about an HPA points at the HPA).  Objects that are no workload are
    only read as related objects.  Duplicates (a PDB selecting two workloads) are dropped."""
    index_of = {id(obj): index for index, obj in enumerate(objects)}
    found: list[ObjectFinding] = []
    seen: set[tuple[int, str | None, str | None, str]] = set()
    linked: set[int] = set()
    for index, target in link_targets(objects, personas=personas):
        linked.update(id(obj) for obj in target_objects(target))
        for subject, path, finding in _raw(target, now=now, policy=policy, rules=rules):
            where = index_of.get(id(subject), index)
            key = (where, finding.rule_id, finding.field, finding.message)
            if key not in seen:
                seen.add(key)
                found.append(ObjectFinding(where, path, finding))
    by_id = {rule.id: rule for rule in rules}
    for index, obj in enumerate(objects):
        if id(obj) in linked:
            continue
        for rule_id, check in OBJECT_CHECKS:
            rule = by_id.get(rule_id)
            if rule is None or not policy.enabled(rule_id):
                continue
            for violation in check(obj):
                severity = policy.severity(rule_id, violation.severity or rule.severity)
                finding = to_finding(rule, violation, obj, severity=severity)
                found.append(ObjectFinding(index, violation.path, finding))
    for index, obj in enumerate(objects):
        for rule_id, bundle_check in OBSERVABILITY_CHECKS:
            rule = by_id.get(rule_id)
            if rule is None or not policy.enabled(rule_id):
                continue
            for violation in bundle_check(obj, objects):
                severity = policy.severity(rule_id, violation.severity or rule.severity)
                finding = to_finding(rule, violation, obj, severity=severity)
                found.append(ObjectFinding(index, violation.path, finding))
    return found


# Checks that apply to any object, run on the objects no workload links to.
OBJECT_CHECKS: tuple[tuple[str, Callable[[Manifest], Iterator[Violation]]], ...] = (
    ("naming.dns-names", check_object_names),
    ("naming.labels", check_object_labels),
)
