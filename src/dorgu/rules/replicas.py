"""Availability rules: replica counts, autoscalers, disruption budgets, spreading, selectors.

Replica counts come from ``Target.replica_range``: the HPA's min..max when an HPA scales the
workload (``spec.replicas`` is then only the value at apply time), else ``spec.replicas``.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.models.personas_spec import Tier
from dorgu.rules.objects import as_int, as_map, as_text
from dorgu.rules.targets import Target, selector_matches
from dorgu.rules.violations import Category, Rule, Violation

SELECTOR_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})


def check_single_replica(target: Target) -> Iterator[Violation]:
    bounds = target.replica_range()
    if bounds is None or bounds[0] == 0 or bounds[0] >= 2:
        return
    critical = target.persona is not None and target.persona.tier is Tier.CRITICAL
    hpa = target.autoscaler
    if hpa is not None:
        path, subject, what = ("spec", "minReplicas"), hpa, "its HPA lets it scale down to 1 pod"
    else:
        path, subject, what = ("spec", "replicas"), None, "it runs a single pod"
    yield Violation(
        path,
        f"{what}: a node drain or crash takes it offline"
        + (" (the persona's tier is critical)" if critical else ""),
        "run at least 2 replicas (minReplicas: 2 when an HPA scales it)",
        subject=subject,
        severity=Severity.WARNING if critical else None,
    )


def check_replicas_with_autoscaler(target: Target) -> Iterator[Violation]:
    hpa = target.autoscaler
    spec = as_map(target.workload.manifest.get("spec"))
    if hpa is not None and "replicas" in spec:
        yield Violation(
            ("spec", "replicas"),
            f"spec.replicas is {spec['replicas']} but HPA {as_text(as_map(hpa.get('metadata')).get('name'))} "
            "scales this workload: every apply resets the scale the HPA chose",
            "remove spec.replicas and let the HPA own the replica count",
        )


def check_autoscaler_range(target: Target) -> Iterator[Violation]:
    for hpa in target.autoscalers:
        spec = as_map(hpa.get("spec"))
        low = as_int(spec.get("minReplicas"))
        high = as_int(spec.get("maxReplicas"))
        if high is None or high < 1:
            yield Violation(
                ("spec", "maxReplicas"),
                f"maxReplicas is {spec.get('maxReplicas', 'missing')}; it must be at least 1",
                "set maxReplicas to the most pods the app may run",
                subject=hpa,
            )
        elif low is not None and low > high:
            yield Violation(
                ("spec", "minReplicas"),
                f"minReplicas {low} is greater than maxReplicas {high}",
                "lower minReplicas or raise maxReplicas",
                subject=hpa,
            )
    if len(target.autoscalers) > 1:
        yield Violation(
            ("metadata", "name"),
            f"{len(target.autoscalers)} HPAs scale {target.workload.kind} "
            f"{target.workload.name}: they fight over the replica count",
            "keep one HPA per workload",
            subject=target.autoscalers[1],
        )


def _blocks(value: object, replicas: int, *, minimum: bool) -> bool:
    if isinstance(value, str) and value.endswith("%"):
        digits = value[:-1]
        number = as_int(int(digits)) if digits.isascii() and digits.isdigit() else None
        return number == (100 if minimum else 0)
    count = as_int(value)
    if count is None:
        return False
    return count >= replicas if minimum else count == 0


def check_disruption_budget(target: Target) -> Iterator[Violation]:
    bounds = target.replica_range()
    if bounds is None:
        return
    for pdb in target.disruption_budgets:
        spec = as_map(pdb.get("spec"))
        for key, minimum in (("minAvailable", True), ("maxUnavailable", False)):
            if key in spec and _blocks(spec[key], bounds[0], minimum=minimum):
                yield Violation(
                    ("spec", key),
                    f"{key} {spec[key]} with {bounds[0]} replica(s) allows no voluntary "
                    "disruption: node drains and cluster upgrades hang",
                    "use maxUnavailable: 1 (or minAvailable below the replica count)",
                    subject=pdb,
                )


def check_disruption_budget_missing(target: Target) -> Iterator[Violation]:
    bounds = target.replica_range()
    if bounds is None or bounds[0] < 2 or target.disruption_budgets:
        return
    yield Violation(
        ("metadata", "name"),
        f"{bounds[0]} or more replicas but no PodDisruptionBudget selects the pods: a node "
        "drain may evict them all at once",
        "add a PodDisruptionBudget with maxUnavailable: 1 selecting the pod labels",
    )


def check_topology_spread(target: Target) -> Iterator[Violation]:
    bounds = target.replica_range()
    if bounds is None or bounds[0] < 2:
        return
    pod = target.workload.pod
    anti_affinity = as_map(pod.get("affinity")).get("podAntiAffinity")
    if not pod.get("topologySpreadConstraints") and not anti_affinity:
        yield Violation(
            target.workload.at("topologySpreadConstraints"),
            "replicas are not spread: they may all land on one node or zone",
            "add topologySpreadConstraints over kubernetes.io/hostname and "
            "topology.kubernetes.io/zone (whenUnsatisfiable: ScheduleAnyway)",
        )


def check_selector(target: Target) -> Iterator[Violation]:
    workload = target.workload
    if workload.kind not in SELECTOR_KINDS:
        return
    selector = as_map(workload.manifest.get("spec")).get("selector")
    if not isinstance(selector, dict) or not selector_matches(selector, workload.template_labels):
        yield Violation(
            ("spec", "selector"),
            "spec.selector does not select the pod template's labels: the API server "
            "rejects the workload",
            "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
        )


RULES = (
    Rule("scaling.single-replica", Category.SCALING, Severity.INFO,
         "Replicated workloads run at least two pods",
         "One pod means downtime on every node drain, crash or rollout hiccup "
         "(a warning when the persona's tier is critical).",
         "Run 2 or more replicas.", check_single_replica),
    Rule("scaling.replicas-with-autoscaler", Category.SCALING, Severity.WARNING,
         "No spec.replicas when an HPA scales the workload",
         "Applying the manifest again resets the replica count the HPA chose.",
         "Remove spec.replicas.", check_replicas_with_autoscaler),
    Rule("scaling.autoscaler-range", Category.SCALING, Severity.ERROR,
         "HPA ranges are valid and one HPA scales each workload",
         "minReplicas above maxReplicas is rejected; two HPAs fight over the same workload.",
         "Fix minReplicas/maxReplicas; keep one HPA per workload.", check_autoscaler_range),
    Rule("reliability.disruption-budget", Category.RELIABILITY, Severity.WARNING,
         "Disruption budgets allow at least one eviction",
         "A PDB that allows no disruption blocks node drains and upgrades forever.",
         "Use maxUnavailable: 1.", check_disruption_budget),
    Rule("reliability.disruption-budget-missing", Category.RELIABILITY, Severity.WARNING,
         "Replicated workloads have a disruption budget",
         "Without a PDB a drain can evict every replica at once.",
         "Add a PodDisruptionBudget with maxUnavailable: 1.", check_disruption_budget_missing),
    Rule("reliability.topology-spread", Category.RELIABILITY, Severity.WARNING,
         "Replicas are spread over nodes and zones",
         "Replicas on one node fail together.",
         "Add topologySpreadConstraints or pod anti-affinity.", check_topology_spread),
    Rule("reliability.selector-matches-template", Category.RELIABILITY, Severity.ERROR,
         "The selector selects the pod template",
         "The API server rejects a workload whose selector does not match its pods.",
         "Copy the selector's labels into spec.template.metadata.labels.", check_selector),
)  # fmt: skip
