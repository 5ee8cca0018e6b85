"""Resource and health alerts every long-running workload needs, from kube-state-metrics,
cAdvisor and kubelet series (no app instrumentation), scoped to the component's namespace,
workload name, pods and container:

- ``DorguPodCrashLooping``: a container waiting in CrashLoopBackOff for 15m;
- ``DorguContainerOOMKilled``: a container restarted in the last 10m after an OOM kill;
- ``DorguMemoryNearLimit``: working set above 90 % of the memory limit for 15m (cAdvisor);
- ``DorguReplicasUnavailable``: fewer available (ready) replicas than wanted for 15m;
- ``DorguAutoscalerAtMax``: the HorizontalPodAutoscaler at its maximum for 15m (autoscaled);
- ``DorguVolumeFillingUp``: a PersistentVolumeClaim of the component under 10 % free (kubelet).

Must not read files or settings beyond the ``ComponentPlan`` and the claim names given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dorgu.generation.anomaly_rules import workload_matchers
from dorgu.generation.planning import ComponentPlan, WorkloadKind
from dorgu.generation.rulegroups import AlertingRule, RuleGroup


def _selector(matchers: Mapping[str, str]) -> str:
    return ", ".join(f"{key}{value}" for key, value in matchers.items())


def health_group(
    plan: ComponentPlan,
    *,
    container: str,
    claims: Sequence[str],
    alert_labels: Mapping[str, str],
    runbook: str | None,
) -> RuleGroup:
    """The component's health alerts, one group."""
    pod = workload_matchers(plan, container=container)
    ns = {"namespace": pod["namespace"]} if "namespace" in pod else {}
    sel = _selector(pod)
    name = plan.name
    alerts: list[tuple[str, str, str, str | None, str]] = [
        (
            "DorguPodCrashLooping",
            f"max_over_time(kube_pod_container_status_waiting_reason{{{sel}, "
            f'reason="CrashLoopBackOff"}}[5m]) >= 1',
            "warning",
            "15m",
            f"{name}: container {{{{ $labels.container }}}} of pod {{{{ $labels.pod }}}} is "
            "crash looping",
        ),
        (
            "DorguContainerOOMKilled",
            f"(kube_pod_container_status_restarts_total{{{sel}}} - "
            f"kube_pod_container_status_restarts_total{{{sel}}} offset 10m >= 1) and ignoring "
            f"(reason) max_over_time(kube_pod_container_status_last_terminated_reason{{{sel}, "
            f'reason="OOMKilled"}}[10m]) == 1',
            "warning",
            None,
            f"{name}: container {{{{ $labels.container }}}} of pod {{{{ $labels.pod }}}} was "
            "OOM killed (raise resources.limits.memory or find the leak)",
        ),
        (
            "DorguMemoryNearLimit",
            f"max by (namespace, pod, container) (container_memory_working_set_bytes{{{sel}}}) "
            f"/ max by (namespace, pod, container) (kube_pod_container_resource_limits{{{sel}, "
            f'resource="memory"}}) > 0.9',
            "warning",
            "15m",
            f"{name}: container {{{{ $labels.container }}}} of pod {{{{ $labels.pod }}}} uses "
            "over 90 % of its memory limit",
        ),
        _replicas_alert(plan, ns),
    ]
    if plan.replicas.autoscale and plan.workload is WorkloadKind.DEPLOYMENT:
        hpa = _selector({**ns, "horizontalpodautoscaler": f'="{name}"'})
        alerts.append(
            (
                "DorguAutoscalerAtMax",
                f"kube_horizontalpodautoscaler_status_current_replicas{{{hpa}}} >= "
                f"kube_horizontalpodautoscaler_spec_max_replicas{{{hpa}}}",
                "warning",
                "15m",
                f"{name}: the autoscaler has run at its maximum replicas for 15m "
                "(raise scaling.max_replicas or make the app cheaper)",
            )
        )
    if claims:
        pvc = _selector({**ns, "persistentvolumeclaim": f'=~"{"|".join(claims)}"'})
        alerts.append(
            (
                "DorguVolumeFillingUp",
                f"kubelet_volume_stats_available_bytes{{{pvc}}} / "
                f"kubelet_volume_stats_capacity_bytes{{{pvc}}} < 0.1",
                "warning",
                "5m",
                f"{name}: volume {{{{ $labels.persistentvolumeclaim }}}} has less than 10 % "
                "free space",
            )
        )
    rules = []
    for alert, expr, severity, for_, summary in alerts:
        labels = {"severity": severity, **alert_labels}
        annotations = {"summary": summary, "description": f"{summary}: see docs/observability.md"}
        if runbook:
            labels.setdefault("runbook", runbook)
            annotations["runbook_url"] = runbook
        rules.append(AlertingRule(alert, expr, for_=for_, labels=labels, annotations=annotations))
    return RuleGroup(f"dorgu-health-{name}", tuple(rules))


def _replicas_alert(
    plan: ComponentPlan, ns: Mapping[str, str]
) -> tuple[str, str, str, str | None, str]:
    name = plan.name
    summary = f"{name}: fewer replicas are available than wanted for 15m"
    if plan.workload is WorkloadKind.STATEFULSET:
        sel = _selector({**ns, "statefulset": f'="{name}"'})
        expr = (
            f"kube_statefulset_status_replicas_ready{{{sel}}} < kube_statefulset_replicas{{{sel}}}"
        )
    elif plan.workload is WorkloadKind.DAEMONSET:
        sel = _selector({**ns, "daemonset": f'="{name}"'})
        expr = f"kube_daemonset_status_number_unavailable{{{sel}}} > 0"
    else:
        sel = _selector({**ns, "deployment": f'="{name}"'})
        expr = (
            f"kube_deployment_status_replicas_available{{{sel}}} < "
            f"kube_deployment_spec_replicas{{{sel}}}"
        )
    return "DorguReplicasUnavailable", expr, "warning", "15m", summary
