"""Workloads: Deployment (default), StatefulSet (persistent volumes), CronJob (type cron, with
``app.schedule``), DaemonSet (type daemon), Job (a service that runs once: ``jobs.py``).

The pod runs as its own ServiceAccount with no API token, without service-link environment,
hardened (``hardening.py``), spread over nodes and zones when replicated.  When an HPA owns the
replica count the workload has no ``spec.replicas`` (applying it again would reset the scale).

Must not build Services, autoscalers or config objects: other generators do, from the same plan.
"""

from __future__ import annotations

from dorgu.errors import ConfigError
from dorgu.generation.configuration import plan_env
from dorgu.generation.containers import build_container
from dorgu.generation.hardening import (
    container_security_context,
    pod_security_context,
    resolve_identity,
)
from dorgu.generation.jobs import BATCH_WORKLOADS, job_annotations, job_spec
from dorgu.generation.labels import topology_spread
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.generation.privileged_ports import root_needs
from dorgu.generation.probes import build_probes
from dorgu.generation.volumes import plan_volumes
from dorgu.models.evidence import Diagnostic

REVISION_HISTORY = 5
CONFIG_CHECKSUM_ANNOTATION = "dorgu.io/config-checksum"


def headless_service_name(plan: ComponentPlan) -> str:
    return f"{plan.input.service_name}-headless"[:63].rstrip("-")


def build_workload(
    plan: ComponentPlan, app: AppPlan
) -> tuple[list[GeneratedResource], list[Diagnostic]]:
    """The workload of one component, and the PVCs its volumes need outside a StatefulSet."""
    request = app.request
    diagnostics: list[Diagnostic] = []
    volumes = plan_volumes(
        plan, sanitize=request.sanitize_name, storage_size=request.options.storage_size
    )
    diagnostics.extend(volumes.diagnostics)
    identity = resolve_identity(plan)
    diagnostics.extend(identity.diagnostics)
    diagnostics.extend(root_needs(plan, identity.uid))
    env = plan_env(plan)
    probes: Manifest = {}
    if plan.workload not in BATCH_WORKLOADS:
        probes, found = build_probes(plan)
        diagnostics.extend(found)
    security, found = container_security_context(plan)
    diagnostics.extend(found)
    container = build_container(
        plan,
        model=request.model,
        env=env,
        probes=probes,
        security_context=security,
        mounts=volumes.mounts,
        container_name=request.sanitize_name(plan.component.name) or "app",
    )
    pod: Manifest = {
        "serviceAccountName": plan.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(
            plan, identity, volumes=bool(volumes.volumes or volumes.claim_templates)
        ),
    }
    if plan.workload in BATCH_WORKLOADS:
        pod["restartPolicy"] = "OnFailure"
    pod["containers"] = [container]
    if volumes.volumes:
        pod["volumes"] = volumes.volumes
    if plan.replicas.replicated and plan.workload is not WorkloadKind.DAEMONSET:
        pod["topologySpreadConstraints"] = topology_spread(plan.selector)
    template: Manifest = {"metadata": {"labels": dict(plan.labels)}, "spec": pod}
    if env.config:
        template["metadata"] = {
            "labels": dict(plan.labels),
            "annotations": {CONFIG_CHECKSUM_ANNOTATION: env.checksum()},
        }
    spec = _workload_spec(plan, template, claim_templates=volumes.claim_templates)
    api = "batch/v1" if plan.workload in BATCH_WORKLOADS else "apps/v1"
    metadata = plan.metadata()
    if plan.workload is WorkloadKind.JOB:
        existing = metadata.get("annotations")
        annotations = dict(existing) if isinstance(existing, dict) else {}
        metadata["annotations"] = {**annotations, **job_annotations()}
    manifest: Manifest = {
        "apiVersion": api,
        "kind": plan.workload.value,
        "metadata": metadata,
        "spec": spec,
    }
    resources = [GeneratedResource(manifest, component=plan.component.name)]
    resources.extend(volumes.resources)
    return resources, diagnostics


def _workload_spec(
    plan: ComponentPlan, template: Manifest, *, claim_templates: list[Manifest]
) -> Manifest:
    selector = {"matchLabels": dict(plan.selector)}
    kind = plan.workload
    if kind is WorkloadKind.CRONJOB:
        return _cron_spec(plan, template)
    if kind is WorkloadKind.JOB:
        return job_spec(template)
    spec: Manifest = {}
    if kind is WorkloadKind.STATEFULSET:
        spec["serviceName"] = headless_service_name(plan)
    if kind is not WorkloadKind.DAEMONSET and not plan.replicas.autoscale:
        spec["replicas"] = plan.replicas.minimum
    spec["revisionHistoryLimit"] = REVISION_HISTORY
    spec["selector"] = selector
    if kind is WorkloadKind.DEPLOYMENT:
        spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxSurge": "25%",
                "maxUnavailable": "25%" if plan.replicas.replicated else 0,
            },
        }
    elif kind is WorkloadKind.STATEFULSET:
        spec["updateStrategy"] = {"type": "RollingUpdate"}
    else:
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    spec["template"] = template
    if claim_templates:
        spec["volumeClaimTemplates"] = claim_templates
    return spec


def _cron_spec(plan: ComponentPlan, template: Manifest) -> Manifest:
    schedule = plan.settings.app.schedule if plan.own_settings else None
    if schedule is None:
        raise ConfigError(
            f"{plan.component.name} is a cron job but has no schedule",
            hint="set app.schedule in .dorgu.yaml, e.g. '*/15 * * * *'",
        )
    return {
        "schedule": schedule,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 300,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "jobTemplate": {
            "metadata": {"labels": dict(plan.labels)},
            "spec": {"backoffLimit": 2, "template": template},
        },
    }
