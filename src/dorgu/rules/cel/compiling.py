"""Persona rules as ValidatingAdmissionPolicies: three policies (and their bindings) with
the persona's ``PersonaPolicy`` as the parameter (``dorgu.models.persona_params``: the persona's
name and the spec fields the CEL reads, at the persona's paths, so ``params.metadata.name`` and
``params.spec.*`` read as on the persona), one per validation action.

- ``<name>-deny`` (``validationActions: [Deny]``): fails for a persona in ``enforce`` mode
  when a compiled rule finds an error; the message is the webhook's (``persona <name>:
  denied by dorgu (enforce): N errors; <rule>: <object> <field>: <message>; fix: <fix>``);
- ``<name>-warn`` (``[Warn]``): one validation per warning line (at most 20, as the
  webhook): errors and warnings in ``warn`` mode, warnings in ``enforce`` mode;
- ``<name>-audit`` (``[Audit]``): the findings of personas in ``audit`` mode, in the audit log.

Each binding's ``paramRef`` selects every operator-kept ``PersonaPolicy`` in the object's
namespace (``parameterNotFoundAction: Allow``: namespaces without personas are not affected),
and the CEL applies a persona only to the Deployments its selector matches.  The mode is the
persona's ``spec.validation.mode``, else the namespace label ``dorgu.io/validation-mode``,
else audit.  HPA-sensitive rules are skipped on Deployments annotated
``dorgu.io/autoscaled-by`` (CEL cannot see HPAs); the webhook runs them there.

``policy_manifests`` is pure: the caller gives the names, ``now`` and the namespace scope.
Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from dorgu.models.persona_params import MANAGED_BY as PARAM_LABELS
from dorgu.models.persona_params import PERSONA_POLICY_KIND
from dorgu.models.personas_base import API_VERSION
from dorgu.models.personas_policies import NAMESPACE_MODE_LABEL, ValidationMode
from dorgu.models.personas_spec import NAME_LABEL
from dorgu.rules.admission import MAX_MESSAGE_CHARS, MAX_WARNING_CHARS, MAX_WARNINGS
from dorgu.rules.cel import exempting
from dorgu.rules.cel.checks import CHECKS, HPA_SENSITIVE, POD
from dorgu.rules.cel.literals import clip, quote, string_list
from dorgu.rules.cel.personas import PERSONA_CHECKS
from dorgu.rules.registry import RULES

AUTOSCALED_ANNOTATION = "dorgu.io/autoscaled-by"
"""Marks a Deployment an HPA scales (value: the HPA's name); CEL skips HPA-sensitive rules."""
MANAGED_BY = {"app.kubernetes.io/managed-by": "dorgu-operator"}
ALL_CHECKS = {**CHECKS, **PERSONA_CHECKS}
COMPILED_RULES: tuple[str, ...] = tuple(r.id for r in RULES if r.id in ALL_CHECKS)
"""The rules the policies run, in report order."""
HPA_SENSITIVE_RULES = frozenset(HPA_SENSITIVE | {"persona.replica-range"})
ERROR_CAPABLE = frozenset(rule for rule, cel in ALL_CHECKS.items() if "'error'" in cel)
"""Compiled rules whose findings can be errors (the others only warn or inform)."""
ERROR_ONLY = frozenset(
    rule for rule in ERROR_CAPABLE if "'warning'" not in ALL_CHECKS[rule]
    and "'info'" not in ALL_CHECKS[rule]
)  # fmt: skip
"""Compiled rules whose findings are always errors: the ``-warn`` policy skips them for an
``enforce`` persona (it shows only warnings there; ``-deny`` reports the errors)."""
ACTIONS = ("deny", "warn", "audit")

_LABELS = "object.metadata.labels"
_SELECTOR = "params.spec.selector"


def _selected() -> str:
    labels = _LABELS
    match_labels = (
        f"(!has({_SELECTOR}.matchLabels) || {_SELECTOR}.matchLabels.all(k, k in {labels} && "
        f"{labels}[k] == {_SELECTOR}.matchLabels[k]))"
    )
    within = f"(e.key in {labels} && has(e.values) && {labels}[e.key] in e.values)"
    match_expressions = (
        f"(!has({_SELECTOR}.matchExpressions) || {_SELECTOR}.matchExpressions.all(e, "
        f"e.operator == 'Exists' ? e.key in {labels} : e.operator == 'DoesNotExist' ? "
        f"!(e.key in {labels}) : e.operator == 'In' ? {within} : e.operator == 'NotIn' ? "
        f"!{within} : true))"
    )
    by_name = (
        f"({quote(NAME_LABEL)} in {labels} && {labels}[{quote(NAME_LABEL)}] == params.spec.name)"
    )
    return (
        f"has({labels}) && size({labels}) > 0 && (has({_SELECTOR}) ? "
        f"{match_labels} && {match_expressions} : {by_name})"
    )


def _mode() -> str:
    labels = "namespaceObject.metadata.labels"
    key = quote(NAMESPACE_MODE_LABEL)
    modes = string_list(m.value for m in ValidationMode)
    return (
        "has(params.spec.validation) && has(params.spec.validation.mode) ? "
        f"params.spec.validation.mode : (has({labels}) && {key} in {labels} && "
        f"{labels}[{key}] in {modes} ? {labels}[{key}] : 'audit')"
    )


def _findings(rules: Collection[str], *, skip_in_enforce: Collection[str] = ()) -> str:
    parts = []
    for rule_id in COMPILED_RULES:
        if rule_id not in rules:
            continue
        expression = f"({ALL_CHECKS[rule_id]})"
        if rule_id in HPA_SENSITIVE_RULES:
            expression = f"(variables.autoscaled ? [] : {expression})"
        if rule_id in skip_in_enforce:
            expression = f"(variables.mode == 'enforce' ? [] : {expression})"
        parts.append(expression)
    return " + ".join(parts) or "[]"


def _main() -> str:
    return (
        f"[{POD}.containers.transformList(i, c, c.name == params.spec.name || "
        "c.name == variables.name, i)].map(m, size(m) > 0 ? m[0] : 0)[0]"
    )


def _warning_lines() -> str:
    line = clip("'dorgu ' + f.s + ': ' + f.l", MAX_WARNING_CHARS)
    return (
        "(variables.mode == 'warn' ? variables.shown.filter(f, f.s != 'info') : "
        "variables.mode == 'enforce' ? variables.shown.filter(f, f.s == 'warning') : [])"
        f".map(f, {line})"
    )


def variables(
    *, now: datetime, rules: Collection[str], errors_only: bool = False
) -> list[dict[str, str]]:
    """The policy's variables; ``errors_only`` (the deny policy) evaluates only the rules that
    can find an error and leaves out the ``exemption.*`` findings (warnings): half the work.
    Otherwise (warn, audit) the rules that only find errors are skipped for an ``enforce``
    persona, whose warnings are all the ``-warn`` policy shows (``-audit`` ignores it)."""
    if errors_only:
        rules = [r for r in rules if r in ERROR_CAPABLE]
    skipped = () if errors_only else ERROR_ONLY
    problems = "[]" if errors_only else exempting.problems()
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    keep = MAX_WARNINGS - 1
    pairs: Iterable[tuple[str, str]] = (
        ("now", f"timestamp({quote(stamp)})"),
        ("name", "has(object.metadata.name) && object.metadata.name != '' ? object.metadata.name"
                 " : (has(object.metadata.generateName) && object.metadata.generateName != '' ?"
                 " object.metadata.generateName : '(unnamed)')"),
        ("resource", "'Deployment/' + (has(object.metadata.namespace) && "
                     "object.metadata.namespace != '' ? object.metadata.namespace + '/' : '') + "
                     "variables.name"),
        ("selected", _selected()),
        ("mode", _mode()),
        ("active", "variables.selected && variables.mode != 'off'"),
        ("replicas", "has(object.spec.replicas) ? object.spec.replicas : 1"),
        ("autoscaled", f"has(object.metadata.annotations) && "
                       f"{quote(AUTOSCALED_ANNOTATION)} in object.metadata.annotations"),
        ("main", _main()),
        *exempting.VARIABLES,
        ("findings", _findings(rules, skip_in_enforce=skipped)),
        ("shown", f"variables.findings.filter(f, !{exempting.covered('f')}) + {problems}"),
        ("errors", "variables.shown.filter(f, f.s == 'error').map(f, f.l)"),
        ("warningLines", _warning_lines()),
        ("warnings", f"size(variables.warningLines) > {MAX_WARNINGS} ? variables.warningLines"
                     f".transformList(i, w, i < {keep}, w) + ['dorgu: ' + "
                     f"string(size(variables.warningLines) - {keep}) + ' more findings'] : "
                     "variables.warningLines"),
    )  # fmt: skip
    return [{"name": name, "expression": expression} for name, expression in pairs]


def _deny() -> list[dict[str, str]]:
    count = "size(variables.errors)"
    decision = clip(
        f"'denied by dorgu (enforce): ' + string({count}) + ({count} == 1 ? ' error' : ' errors')"
        " + '; ' + variables.errors.join('; ')",
        MAX_MESSAGE_CHARS,
    )
    message = (
        f"['persona ' + params.metadata.name + ': ' + {decision}].map(full, "
        f"size(full) <= {MAX_MESSAGE_CHARS} ? full : full.substring(0, {MAX_MESSAGE_CHARS}))[0]"
    )
    return [{
        "expression": f"!variables.active || variables.mode != 'enforce' || {count} == 0",
        "messageExpression": message,
        "message": "denied by dorgu (enforce)",
        "reason": "Forbidden",
    }]  # fmt: skip


def _warn() -> list[dict[str, str]]:
    return [
        {
            "expression": f"!variables.active || size(variables.warnings) <= {index}",
            "messageExpression": f"variables.warnings[{index}]",
            "message": "dorgu warning",
        }
        for index in range(MAX_WARNINGS)
    ]


def _audit() -> list[dict[str, str]]:
    lines = "variables.shown.filter(f, f.s != 'info').map(f, f.l)"
    return [{
        "expression": f"!variables.active || variables.mode != 'audit' || size({lines}) == 0",
        "messageExpression": clip(f"'persona ' + params.metadata.name + ': ' + {lines}.join('; ')",
                                  MAX_MESSAGE_CHARS),
        "message": "dorgu audit findings",
    }]  # fmt: skip


def _namespace_selector(operator_namespace: str, opt_in: bool) -> dict[str, object]:
    excluded = sorted({"kube-system", "kube-node-lease", operator_namespace})
    selector: dict[str, object] = {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": excluded}
        ]
    }
    if opt_in:
        selector["matchLabels"] = {"dorgu.io/validate": "true"}
    return selector


def policy_manifests(
    *,
    name: str,
    now: datetime,
    operator_namespace: str,
    opt_in: bool = False,
    failure_policy: str = "Ignore",
    rules: Collection[str] = COMPILED_RULES,
) -> list[dict[str, object]]:
    """The policies and bindings (policies first), named ``<name>-deny|warn|audit``."""
    validations = {"deny": _deny(), "warn": _warn(), "audit": _audit()}
    shared = variables(now=now, rules=rules)
    deny_only = variables(now=now, rules=rules, errors_only=True)
    policies: list[dict[str, object]] = []
    bindings: list[dict[str, object]] = []
    for action in ACTIONS:
        full = f"{name}-{action}"
        metadata = {"name": full, "labels": dict(MANAGED_BY)}
        policies.append({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": metadata,
            "spec": {
                "failurePolicy": failure_policy,
                "paramKind": {"apiVersion": API_VERSION, "kind": PERSONA_POLICY_KIND},
                "matchConstraints": {"resourceRules": [{
                    "apiGroups": ["apps"], "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"], "resources": ["deployments"],
                    "scope": "Namespaced",
                }]},
                "variables": deny_only if action == "deny" else shared,
                "validations": validations[action],
            },
        })  # fmt: skip
        bindings.append({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": dict(metadata),
            "spec": {
                "policyName": full,
                "validationActions": [action.capitalize()],
                "paramRef": {"selector": {"matchLabels": dict(PARAM_LABELS)},
                             "parameterNotFoundAction": "Allow"},
                "matchResources": {
                    "namespaceSelector": _namespace_selector(operator_namespace, opt_in),
                },
            },
        })  # fmt: skip
    return [*policies, *bindings]
