"""A non-root pod that listens on port 80 is admitted by a real API server under the
*restricted* Pod Security Standard: the ``net.ipv4.ip_unprivileged_port_start`` sysctl that
``dorgu generate`` sets is in the safe set, while an unsafe sysctl in the same place is
refused (so the namespace really enforces the profile)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import ApiError, Client, codecs
from lightkube.resources.core_v1 import Namespace

from tests.cli.running import EXAMPLES, dorgu

EXAMPLE = "compose-untagged-images"
SYSCTL = "net.ipv4.ip_unprivileged_port_start"


@pytest.fixture
def web(tmp_path: Path) -> dict[str, Any]:
    """The generated Deployment of the example's nginx (port 80, uid 101)."""
    app = tmp_path / EXAMPLE
    shutil.copytree(EXAMPLES / EXAMPLE, app)
    result = dorgu("generate", str(app))
    assert result.exit_code == 0, result.output
    deployment = yaml.safe_load((app / "k8s" / "web" / "deployment.yaml").read_text())
    assert isinstance(deployment, dict)
    return deployment


def _restricted(kube: Client, namespace: str) -> None:
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    kube.patch(Namespace, namespace, {"metadata": {"labels": labels}})


def _pod(deployment: dict[str, Any], namespace: str) -> Any:
    spec = copy.deepcopy(deployment["spec"]["template"]["spec"])
    spec["serviceAccountName"] = "default"
    return codecs.from_dict(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": spec,
        }
    )


def _refusal(kube: Client, obj: Any) -> str | None:
    """None when the server admits ``obj`` (server-side dry run), else its message."""
    try:
        kube.create(obj, dry_run=True)
    except ApiError as error:
        return error.status.message or str(error.status.code)
    return None


def test_the_unprivileged_port_sysctl_passes_restricted_pod_security(
    kube: Client, namespace: str, web: dict[str, Any], eventually
) -> None:
    pod_context = web["spec"]["template"]["spec"]["securityContext"]
    assert pod_context["runAsNonRoot"] is True and pod_context["runAsUser"] == 101
    assert {"name": SYSCTL, "value": "0"} in pod_context["sysctls"]
    _restricted(kube, namespace)

    # the namespace's default ServiceAccount appears asynchronously
    assert eventually(lambda: _refusal(kube, _pod(web, namespace)) is None)
    web["metadata"]["namespace"] = namespace
    assert _refusal(kube, codecs.from_dict(web)) is None

    unsafe = copy.deepcopy(web)
    unsafe["spec"]["template"]["spec"]["securityContext"]["sysctls"] = [
        {"name": "kernel.msgmax", "value": "65536"}
    ]
    message = _refusal(kube, _pod(unsafe, namespace))
    assert message is not None and "sysctl" in message, message
