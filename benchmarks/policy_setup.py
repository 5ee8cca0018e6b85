"""The ``policy`` set-up of the webhook benchmark: the operator's ValidatingAdmissionPolicies
and bindings (``dorgu.rules.cel``) instead of any webhook configuration, so the API server
judges every create in-process.

``install`` applies them (bound to the opted-in benchmark namespaces) and waits until they
deny; ``remove`` deletes them.  Used by ``bench_webhook.Stage.use``.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from dorgu.rules.cel import policy_manifests

NAME = "dorgu-bench-policy"


def manifests(operator_namespace: str) -> list[dict[str, object]]:
    return policy_manifests(
        name=NAME, now=datetime.now(UTC), operator_namespace=operator_namespace, opt_in=True
    )


def install(kube: Any, operator_namespace: str) -> None:
    from lightkube import codecs

    for manifest in manifests(operator_namespace):
        kube.apply(codecs.from_dict(manifest), force=True)


def remove(kube: Any) -> None:
    from lightkube.resources.admissionregistration_v1 import (
        ValidatingAdmissionPolicy,
        ValidatingAdmissionPolicyBinding,
    )

    for action in ("deny", "warn", "audit"):
        for kind in (ValidatingAdmissionPolicyBinding, ValidatingAdmissionPolicy):
            with contextlib.suppress(Exception):
                kube.delete(kind, f"{NAME}-{action}")
