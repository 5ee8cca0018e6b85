"""Ports below 1024 for pods that run as non-root, and images that need root anyway.

A non-root process cannot bind a port below ``net.ipv4.ip_unprivileged_port_start`` (1024 by
default), so nginx or Apache listening on 80 as uid 101 or 33 would crash-loop with EACCES.
The pod gets the sysctl set to 0, as Docker (since 20.10) and Podman set it for every
container, so the server binds in Kubernetes whatever it bound under compose (also ports its
configuration names that no one connects to, such as a redirect on 80 next to 443).  The
sysctl is namespaced to the pod's network namespace, in the kubelet's safe set since
Kubernetes 1.22 (so no node needs to allow it) and allowed by the baseline and restricted Pod
Security Standards.  ``NET_BIND_SERVICE`` is never added for this: a capability in
``capabilities.add`` does not reach a non-root process without file capabilities on the binary.

Some images need root for more than a port (an init system that switches users itself, a
daemon that manages the node's container runtime): ``root_needs`` warns when the pod runs one
as non-root.

Must not look at anything but the plan it is given.
"""

from __future__ import annotations

from dorgu.generation.diagnosing import warning
from dorgu.generation.images import parse_image
from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan
from dorgu.models.evidence import Diagnostic

UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start"
FIRST_UNPRIVILEGED_PORT = 1024

# Images whose stock entrypoint needs root for something else than binding a port, matched by
# repository (without registry and tag) or by a repository prefix ending in "/".
ROOT_NEEDS: dict[str, str] = {
    "linuxserver/": "its s6-overlay init starts as root and switches to PUID/PGID itself",
    "gitlab/gitlab-ce": "its Omnibus services start under runit as root",
    "gitlab/gitlab-ee": "its Omnibus services start under runit as root",
    "portainer/portainer-ce": "it manages the node's Docker socket, which needs root",
    "portainer/portainer": "it manages the node's Docker socket, which needs root",
    "pihole/pihole": "its DNS and DHCP services start as root",
    "mailserver/docker-mailserver": "its supervisord starts every mail daemon as root",
}
_DIND_TAG = "dind"


def runs_as_non_root(plan: ComponentPlan, uid: int | None) -> bool:
    return plan.settings.security.run_as_non_root or (uid is not None and uid != 0)


def privileged_port_sysctls(plan: ComponentPlan, uid: int | None) -> list[Manifest]:
    """``spec.securityContext.sysctls`` for the pod: empty unless it runs as non-root and
    listens below 1024 (then every port is unprivileged in its network namespace)."""
    if not runs_as_non_root(plan, uid):
        return []
    if not any(0 < p.number < FIRST_UNPRIVILEGED_PORT for p in plan.ports):
        return []
    return [{"name": UNPRIVILEGED_PORT_SYSCTL, "value": "0"}]


def root_needs(plan: ComponentPlan, uid: int | None) -> tuple[Diagnostic, ...]:
    """A warning when the image is known to need root for more than its ports."""
    if not runs_as_non_root(plan, uid) or not plan.component.image:
        return ()
    ref = parse_image(plan.component.image)
    repository = ref.repository.lower().removeprefix("library/")
    reason = ROOT_NEEDS.get(repository) or next(
        (
            why
            for key, why in ROOT_NEEDS.items()
            if key.endswith("/") and repository.startswith(key)
        ),
        None,
    )
    if reason is None and repository == "docker" and _DIND_TAG in (ref.tag or ""):
        reason = "Docker-in-Docker needs a privileged root container"
    if reason is None:
        return ()
    return (
        warning(
            "image-needs-root",
            f"{plan.component.name}: image {plan.component.image} runs here as non-root, but "
            f"{reason}, so it may fail to start; use an image built to run as non-root, or run "
            "it as root with a dorgu.io/exempt annotation (owner and expiry) on the workload",
        ),
    )
