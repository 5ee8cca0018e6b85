"""One ServiceAccount per component, with API token automounting off (the pod spec turns it off
too, so a token can only be mounted on purpose).

Must not grant anything: Roles and bindings are for the user to add.
"""

from __future__ import annotations

from dorgu.generation.manifests import GeneratedResource
from dorgu.generation.planning import AppPlan, ComponentPlan
from dorgu.models.evidence import Diagnostic


def build_service_account(
    plan: ComponentPlan, app: AppPlan
) -> tuple[list[GeneratedResource], list[Diagnostic]]:
    manifest: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": plan.metadata(),
        "automountServiceAccountToken": False,
    }
    return [GeneratedResource(manifest, component=plan.component.name)], []
