"""Observability rules: prometheus-operator objects that would not work as meant.

- ``observability.rule-expression``: a ``PrometheusRule`` rule whose ``expr`` is not valid
  PromQL.  The syntax is checked with ``promql-parser`` (a PromQL parser compiled from Rust,
  following Prometheus' grammar and function list), since promtool is not on users' machines;
  it does not check that series exist.
- ``observability.alert-severity`` / ``observability.alert-runbook``: an alert without a
  ``severity`` label, or without a runbook (a ``runbook_url`` annotation or a ``runbook``
  label): Alertmanager routes on severity, and the person paged needs the runbook.
- ``observability.monitor-selector``: a ``ServiceMonitor`` whose selector matches no Service
  of the input (or a ``PodMonitor`` matching no workload's pods) in the namespaces it watches:
  it scrapes nothing.  Only judged when the input holds Services (resp. workloads) at all.

These look at single objects or the whole input, never at a workload target; ``evaluate`` runs
them over every object.  Must not do I/O.

The parser's time grows faster than linearly with operators and nesting (and very deep input
overflows its stack), so hostile input is measured first: an expression with more than
``MAX_TOKENS`` operators and brackets or ``MAX_DEPTH`` nesting levels, or past an object's
``OBJECT_BUDGET`` (the parse time grows about as the square of the tokens), is not parsed (a
warning says so).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from dorgu.models.evidence import Severity
from dorgu.models.patterns import LazyPattern
from dorgu.rules.objects import Manifest, as_list, as_map, as_text, as_workload, identity
from dorgu.rules.targets import selector_matches
from dorgu.rules.violations import Category, Rule, Violation

MONITORING = "monitoring.coreos.com/"
MAX_TOKENS = 512  # operators and brackets in one expression (about 0.2 s to parse at worst)
MAX_DEPTH = 64
OBJECT_BUDGET = 2_000_000  # sum of tokens squared parsed per PrometheusRule (about 2 s)
_STRINGS = LazyPattern(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`]*`|#[^\n]*')
_TOKENS = LazyPattern(r"[-+*/%^()\[\]{},]|[=!<>]=?|=~|!~|\b(?:and|or|unless|atan2|by|on)\b")


def _is(obj: Manifest, kind: str) -> bool:
    api = as_text(obj.get("apiVersion")) or ""
    return obj.get("kind") == kind and api.startswith(MONITORING)


def _rules(obj: Manifest) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, object]]]:
    if not _is(obj, "PrometheusRule"):
        return
    for g, group in enumerate(as_list(as_map(obj.get("spec")).get("groups"))):
        for r, rule in enumerate(as_list(as_map(group).get("rules"))):
            yield ("spec", "groups", g, "rules", r), as_map(rule)


def complexity(expr: str) -> tuple[int, int]:
    """(operators and brackets, deepest bracket nesting) of ``expr``, strings left out."""
    text = _STRINGS.sub('""', expr)
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return len(_TOKENS.findall(text)), deepest


def promql_error(expr: str) -> str | None:
    """Why ``expr`` is not valid PromQL (None: it parses)."""
    if not expr.strip():
        return "the expression is empty"
    import promql_parser  # a compiled extension: loaded only when a PrometheusRule is checked

    try:
        promql_parser.parse(expr)
    except ValueError as e:
        return str(e) or "syntax error"
    return None


def check_rule_expressions(obj: Manifest, objects: Sequence[Manifest]) -> Iterator[Violation]:
    budget = OBJECT_BUDGET
    for path, rule in _rules(obj):
        expr = rule.get("expr")
        text = str(expr) if isinstance(expr, str | int | float) else ""
        name = as_text(rule.get("alert")) or as_text(rule.get("record")) or "a rule"
        tokens, depth = complexity(text)
        cost = tokens * tokens
        if tokens > MAX_TOKENS or depth > MAX_DEPTH or cost > budget:
            yield Violation(
                (*path, "expr"),
                f"{name}: not checked: {tokens} operators and brackets, nested {depth} deep "
                f"(dorgu parses up to {MAX_TOKENS} and {MAX_DEPTH} per expression, and "
                "bounds the parsing time per object)",
                "check it with promtool check rules, or split it into recording rules",
                severity=Severity.WARNING,
            )
            continue
        budget -= cost
        error = promql_error(text)
        if error is not None:
            yield Violation(
                (*path, "expr"),
                f"{name}: invalid PromQL: {error}",
                "fix the expression (promtool check rules shows the same error)",
            )


def check_alert_severity(obj: Manifest, objects: Sequence[Manifest]) -> Iterator[Violation]:
    for path, rule in _rules(obj):
        alert = as_text(rule.get("alert"))
        if alert and not as_text(as_map(rule.get("labels")).get("severity")):
            yield Violation(
                (*path, "labels"),
                f"alert {alert} has no severity label",
                "add labels.severity (critical, warning or info) so Alertmanager can route it",
            )


def check_alert_runbook(obj: Manifest, objects: Sequence[Manifest]) -> Iterator[Violation]:
    for path, rule in _rules(obj):
        alert = as_text(rule.get("alert"))
        if not alert:
            continue
        annotations, labels = as_map(rule.get("annotations")), as_map(rule.get("labels"))
        if not (as_text(annotations.get("runbook_url")) or as_text(labels.get("runbook"))):
            yield Violation(
                (*path, "annotations"),
                f"alert {alert} has no runbook",
                "add annotations.runbook_url (dorgu generate: set app.runbook)",
            )


def _watched(monitor: Manifest, namespace: str | None) -> bool:
    """Whether ``monitor``'s namespaceSelector covers ``namespace`` (None: unknown, yes)."""
    selector = as_map(as_map(monitor.get("spec")).get("namespaceSelector"))
    _, _, own = identity(monitor)
    if selector.get("any") is True:
        return True
    names = [as_text(n) for n in as_list(selector.get("matchNames"))]
    if names:
        return namespace is None or namespace in names
    return namespace is None or own is None or namespace == own


def check_monitor_selector(obj: Manifest, objects: Sequence[Manifest]) -> Iterator[Violation]:
    if _is(obj, "ServiceMonitor"):
        candidates = [
            (labels, ns)
            for o in objects
            if o.get("kind") == "Service" and o.get("apiVersion") == "v1"
            for labels, ns in [(as_map(as_map(o.get("metadata")).get("labels")), identity(o)[2])]
        ]
        what = "Service"
    elif _is(obj, "PodMonitor"):
        workloads = [w for w in (as_workload(o) for o in objects) if w is not None]
        candidates = [(w.template_labels, w.namespace) for w in workloads]
        what = "workload's pods"
    else:
        return
    if not candidates:
        return
    selector = as_map(as_map(obj.get("spec")).get("selector"))
    if any(selector_matches(selector, labels) and _watched(obj, ns) for labels, ns in candidates):
        return
    wanted = ", ".join(f"{k}={v}" for k, v in as_map(selector.get("matchLabels")).items())
    yield Violation(
        ("spec", "selector"),
        f"the selector ({wanted or 'matchExpressions'}) matches no {what} of the input in the "
        "namespaces it watches: it scrapes nothing",
        "select the labels of the app's Service (or pods), and check namespaceSelector",
    )


RULES = (
    Rule("observability.rule-expression", Category.OBSERVABILITY, Severity.ERROR,
         "Rule expressions are valid PromQL",
         "Prometheus refuses a rule file with a syntax error: every rule of it stops "
         "evaluating, and the prometheus-operator's admission webhook rejects the object.",
         "Fix the expression; promtool check rules reports the same error."),
    Rule("observability.alert-severity", Category.OBSERVABILITY, Severity.WARNING,
         "Alerts have a severity",
         "Alertmanager routes (page or ticket) on the severity label; without one an alert "
         "lands in the default route or nowhere.",
         "Add labels.severity: critical, warning or info."),
    Rule("observability.alert-runbook", Category.OBSERVABILITY, Severity.WARNING,
         "Alerts link a runbook",
         "The person paged at night needs to know what the alert means and what to do.",
         "Add annotations.runbook_url (dorgu generate: set app.runbook)."),
    Rule("observability.monitor-selector", Category.OBSERVABILITY, Severity.WARNING,
         "Monitors select something",
         "A ServiceMonitor whose selector matches no Service (a PodMonitor: no pods) scrapes "
         "nothing, silently: the app's metrics and every alert on them are missing.",
         "Use the labels of the app's Service (or pod template) and the right namespaces."),
)  # fmt: skip

OBSERVABILITY_CHECKS = (
    ("observability.rule-expression", check_rule_expressions),
    ("observability.alert-severity", check_alert_severity),
    ("observability.alert-runbook", check_alert_runbook),
    ("observability.monitor-selector", check_monitor_selector),
)
