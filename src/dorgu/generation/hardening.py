"""Secure defaults for pods and containers.

Pod: ``runAsNonRoot`` (setting ``security.run_as_non_root``), ``runAsUser``/``runAsGroup`` when
the image USER is numeric or known (``nonroot`` -> 65532, postgres -> 999, ...), ``fsGroup``
when there are volumes, ``seccompProfile`` (setting, default RuntimeDefault), and the sysctl that lets a non-root pod
bind its ports below 1024 (``privileged_ports.py``).  An image that
runs as root, or as a user name Kubernetes cannot verify, runs as uid 10001 with a warning whose
fix fits how the image is built (Dockerfile, code from a stock runtime, build plugin, stock image).
Container: ``allowPrivilegeEscalation: false``, ``privileged: false``, ``capabilities.drop:
[ALL]``, ``readOnlyRootFilesystem`` (setting) with an emptyDir for every path the app writes
to: ``/tmp`` always, the framework's directories and the image's declared VOLUMEs.

Must not weaken anything silently: compose ``privileged`` or ``cap_add`` give warnings (compose
``NET_BIND_SERVICE`` an info: the sysctl replaces it).
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.generation.diagnosing import info, warning
from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan
from dorgu.generation.privileged_ports import privileged_port_sysctls
from dorgu.generation.runtimes import (
    BACKING_RUNTIMES,
    BASE_IMAGE_WRITABLE,
    FRAMEWORK_WRITABLE,
    KNOWN_USERS,
    TEMPLATE_OUTPUTS,
)
from dorgu.models.app import ComponentKind, VolumeKind
from dorgu.models.evidence import Diagnostic

FALLBACK_UID = 10001
ALLOWED_CAPABILITIES: frozenset[str] = frozenset()
# Compose adds it to bind ports below 1024; a non-root process never gets it without file
# capabilities, so the pod gets the unprivileged-port sysctl instead (privileged_ports.py).
BIND_CAPABILITY = "NET_BIND_SERVICE"


@dataclass(frozen=True)
class Identity:
    uid: int | None
    gid: int | None
    diagnostics: tuple[Diagnostic, ...] = ()


def resolve_identity(plan: ComponentPlan) -> Identity:
    """The uid/gid to run as (None: the image's own numeric USER is trusted as is)."""
    component = plan.component
    hints = component.security
    runtime = BACKING_RUNTIMES.get(plan.input.backing_kind or "")
    if runtime is not None and hints.user is None and hints.uid is None:
        uid = runtime.uid_for(component.image or "")
        return Identity(uid, uid)
    if hints.uid is not None and hints.uid != 0:
        return Identity(hints.uid, hints.gid if hints.gid is not None else hints.uid)
    user = (hints.user or "").split(":", 1)[0]
    if user in KNOWN_USERS and not hints.runs_as_root:
        uid = KNOWN_USERS[user]
        return Identity(uid, uid)
    name = component.name
    if hints.runs_as_root or hints.uid == 0 or (not user and hints.runs_as_root is None):
        reason = "runs as root" if hints.runs_as_root or hints.uid == 0 else "declares no USER"
        if component.build is not None:  # built from a Dockerfile
            fix = f"add 'USER {FALLBACK_UID}' to the Dockerfile and make its files readable"
        elif component.kind is ComponentKind.APP and component.base_image is not None:
            # code that ran mounted on a stock runtime image: no Dockerfile yet
            fix = (
                f"the Dockerfile you write for it on {component.base_image} should end with "
                f"'USER {FALLBACK_UID}' and make its files readable"
            )
        elif component.kind is ComponentKind.APP:  # built by a plugin, buildpack, Procfile
            fix = "make the image build set a numeric non-root user"
        else:  # a stock image the user named
            fix = (
                "check that the image works as that user, or use a variant built to run as non-root"
            )
        message = f"{name}: the image {reason}; the pod runs it as uid {FALLBACK_UID} ({fix})"
        return Identity(FALLBACK_UID, FALLBACK_UID, (warning("runs-as-root", message),))
    message = (
        f"{name}: the image's USER {user!r} is a name, which Kubernetes cannot verify as "
        f"non-root; the pod runs as uid {FALLBACK_UID} (use a numeric USER in the Dockerfile)"
    )
    return Identity(FALLBACK_UID, FALLBACK_UID, (warning("user-not-numeric", message),))


def pod_security_context(plan: ComponentPlan, identity: Identity, *, volumes: bool) -> Manifest:
    security = plan.settings.security
    context: Manifest = {}
    if security.run_as_non_root:
        context["runAsNonRoot"] = True
    if identity.uid is not None:
        context["runAsUser"] = identity.uid
        context["runAsGroup"] = identity.gid if identity.gid is not None else identity.uid
        if volumes:
            context["fsGroup"] = context["runAsGroup"]
    context["seccompProfile"] = {"type": security.seccomp_profile.value}
    sysctls = privileged_port_sysctls(plan, identity.uid)
    if sysctls:
        context["sysctls"] = sysctls
    return context


def container_security_context(plan: ComponentPlan) -> tuple[Manifest, tuple[Diagnostic, ...]]:
    hints = plan.component.security
    diagnostics: list[Diagnostic] = []
    name = plan.component.name
    if hints.privileged:
        diagnostics.append(
            warning(
                "privileged-dropped",
                f"{name}: compose asks for privileged mode; the generated "
                "container is not privileged (grant it explicitly if really needed)",
            )
        )
    asked = {c.upper().removeprefix("CAP_") for c in hints.cap_add}
    added = sorted(asked & ALLOWED_CAPABILITIES)
    refused = sorted(asked - ALLOWED_CAPABILITIES - {BIND_CAPABILITY})
    if BIND_CAPABILITY in asked:
        diagnostics.append(
            info(
                "bind-capability-replaced",
                f"{name}: compose cap_add {BIND_CAPABILITY} is not granted (a non-root process "
                "does not get it); ports below 1024 are opened by the pod's "
                "net.ipv4.ip_unprivileged_port_start sysctl instead",
            )
        )
    if refused:
        diagnostics.append(
            warning(
                "capabilities-dropped",
                f"{name}: compose cap_add {', '.join(refused)} is not "
                "granted (all capabilities are dropped); add it by hand if it is really needed",
            )
        )
    capabilities: Manifest = {"drop": ["ALL"]}
    if added:
        capabilities["add"] = added
    context: Manifest = {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": plan.settings.security.read_only_root_filesystem,
        "capabilities": capabilities,
    }
    return context, tuple(diagnostics)


def writable_paths(plan: ComponentPlan) -> tuple[str, ...]:
    """Paths that need an emptyDir when the root filesystem is read-only (sorted, unique)."""
    component = plan.component
    workdir = (component.workdir or "/app").rstrip("/") or ""
    paths = {"/tmp"}
    for template in FRAMEWORK_WRITABLE.get((component.framework or "").lower(), ()):
        paths.add(template.format(workdir=workdir))
    base = (component.base_image or component.image or "").lower()
    for marker, dirs in BASE_IMAGE_WRITABLE.items():
        if marker in base:
            paths.update(dirs)
    runtime = BACKING_RUNTIMES.get(plan.input.backing_kind or "")
    if runtime is not None:
        paths.update(runtime.writable)
    for volume in component.volumes:
        if volume.kind is VolumeKind.ANONYMOUS and plan.app_settings:
            paths.add(volume.target)
        if volume.target.rstrip("/") in TEMPLATE_OUTPUTS:
            paths.add(TEMPLATE_OUTPUTS[volume.target.rstrip("/")])
    persistent = {v.target for v in component.volumes if v.kind is not VolumeKind.ANONYMOUS}
    return tuple(sorted(p for p in paths if p not in persistent))
