"""The ``policy`` set-up of the webhook benchmark: the operator's ValidatingAdmissionPolicies
and bindings (``dorgu.rules.cel``) instead of any webhook configuration, so the API server
judges every create in-process.

``install`` applies them (bound to the opted-in benchmark namespaces), ``remove`` deletes
them, ``wait_denying`` waits (bounded) until a dry run of a bad Deployment is refused: the API
server's policy and parameter informers take a moment after a change.  Used by
``bench_webhook.Stage``.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from typing import Any

from dorgu.rules.cel import policy_manifests

NAME = "dorgu-bench-policy"


def manifests(operator_namespace: str) -> list[dict[str, object]]:
    return policy_manifests(
        name=NAME, now=datetime.now(UTC), operator_namespace=operator_namespace, opt_in=True
    )


def param_of(kube: Any, persona: str, namespace: str) -> dict[str, object]:
    """The ``PersonaPolicy`` the operator keeps for a persona (with ``--admission policy``;
    the benchmark's operator serves the webhook, so the benchmark writes it)."""
    from lightkube.generic_resource import get_generic_resource

    from dorgu.models.persona_params import persona_param

    resource = get_generic_resource("dorgu.io/v1", "ApplicationPersona")
    assert resource is not None
    stored = kube.get(resource, persona, namespace=namespace).to_dict()
    uid = stored["metadata"].get("uid")
    return persona_param(namespace=namespace, name=persona, uid=uid, spec=stored["spec"])


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


def wait_denying(kube: Any, namespace: str, bad: dict[str, object], timeout: float = 60) -> None:
    """Return once a dry run of ``bad`` is refused (or ``timeout`` passed)."""
    from lightkube import codecs
    from lightkube.core.exceptions import ApiError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            kube.create(codecs.from_dict(bad), namespace=namespace, dry_run=True)
        except ApiError:
            return
        time.sleep(0.5)
