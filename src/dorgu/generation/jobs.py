"""The Job of a component that runs once (a migration, a seeder: ``Component.run_once``).

A Job's pod template is immutable, so re-applying it with a new image fails.  The Job is
therefore an Argo CD sync hook (``argocd.argoproj.io/hook: Sync``) that Argo CD deletes before
it creates the next one (``hook-delete-policy: BeforeHookCreation``): every sync runs it again,
as every ``docker compose up`` does.  Without Argo CD, delete the finished Job before applying
a new version (``kubectl delete job NAME``).  Failed pods are retried (``backoffLimit``) and
the pod restarts on failure only; it has no probes, Service, autoscaler or disruption budget.

Must not build the pod template (``workloads.py`` does, hardened like every workload).
"""

from __future__ import annotations

from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import WorkloadKind

BACKOFF_LIMIT = 2
BATCH_WORKLOADS = frozenset({WorkloadKind.CRONJOB, WorkloadKind.JOB})


def job_annotations() -> dict[str, str]:
    """Run the Job on every Argo CD sync, replacing the previous one."""
    return {
        "argocd.argoproj.io/hook": "Sync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
    }


def job_spec(template: Manifest) -> Manifest:
    return {"backoffLimit": BACKOFF_LIMIT, "template": template}
