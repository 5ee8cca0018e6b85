"""Security rules: the pod and container security context, host access and the API token.

Severities follow the Pod Security Standards: what the *baseline* profile forbids (privileged
containers, host namespaces, hostPath volumes, host ports, extra capabilities, an Unconfined
seccomp profile) is an error, because such a pod can take over its node; what only the
*restricted* profile requires (non-root, no privilege escalation, drop ALL, RuntimeDefault
seccomp) and a read-only root filesystem are warnings.  Init containers are checked too.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.objects import Container, as_int, as_list, as_map, as_text
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Check, Rule, Violation

BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)  # fmt: skip
"""Capabilities the baseline Pod Security Standard lets a container add."""
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})


def _effective(target: Target, container: Container, key: str) -> tuple[object, bool]:
    """A security setting as the kubelet applies it, and whether the container sets it."""
    if key in container.security_context:
        return container.security_context[key], True
    return as_map(target.workload.pod.get("securityContext")).get(key), False


def _pod_or_containers(
    target: Target, culprits: list[tuple[Container, bool]], key: str, message: str, fix: str
) -> Iterator[Violation]:
    """One violation at the pod level for containers that inherit ``key``; one per container
    that sets it itself."""
    workload = target.workload
    inherited = [c.name for c, own in culprits if not own]
    if inherited:
        shown = f" (containers: {', '.join(inherited)})" if len(inherited) > 1 else ""
        yield Violation(
            workload.at("securityContext", key),
            f"{message}{shown}",
            fix,
            container=inherited[0] if len(inherited) == 1 else None,
        )
    for container, own in culprits:
        if own:
            yield Violation(
                container.at("securityContext", key), message, fix, container=container.name
            )


def check_run_as_non_root(target: Target) -> Iterator[Violation]:
    culprits: list[tuple[Container, bool]] = []
    for container in target.workload.containers:
        non_root, own_flag = _effective(target, container, "runAsNonRoot")
        user, own_user = _effective(target, container, "runAsUser")
        if non_root is True and user == 0:
            yield Violation(
                container.at("securityContext", "runAsUser"),
                "runAsNonRoot is true but runAsUser is 0: the kubelet will refuse to start "
                "the container",
                "set runAsUser to the image's non-root uid (e.g. 10001)",
                container=container.name,
                severity=Severity.ERROR,
            )
        elif non_root is not True and not (as_int(user) or 0) > 0:
            culprits.append((container, own_flag or own_user))
    yield from _pod_or_containers(
        target,
        culprits,
        "runAsNonRoot",
        "may run as root: runAsNonRoot is not true and runAsUser is not a non-zero uid",
        "set securityContext.runAsNonRoot: true (and runAsUser to a non-zero uid) on the pod",
    )


def check_seccomp(target: Target) -> Iterator[Violation]:
    culprits: list[tuple[Container, bool]] = []
    for container in target.workload.containers:
        profile, own = _effective(target, container, "seccompProfile")
        kind = as_map(profile).get("type")
        if kind == "Unconfined":
            path = (
                container.at("securityContext", "seccompProfile", "type")
                if own
                else target.workload.at("securityContext", "seccompProfile", "type")
            )
            yield Violation(
                path,
                "seccomp profile is Unconfined: every system call is allowed",
                "set seccompProfile.type: RuntimeDefault",
                container=container.name,
                severity=Severity.ERROR,
            )
        elif kind not in ("RuntimeDefault", "Localhost"):
            culprits.append((container, own))
    yield from _pod_or_containers(
        target,
        culprits,
        "seccompProfile",
        "no seccomp profile: the container runtime's default filter may not apply",
        "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
    )


def check_privilege_escalation(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        value = container.security_context.get("allowPrivilegeEscalation")
        if value is not False:
            shown = "true" if value is True else "not set (defaults to true)"
            yield Violation(
                container.at("securityContext", "allowPrivilegeEscalation"),
                f"allowPrivilegeEscalation is {shown}: setuid binaries can gain privileges",
                "set securityContext.allowPrivilegeEscalation: false",
                container=container.name,
            )


def check_read_only_root(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        if container.security_context.get("readOnlyRootFilesystem") is not True:
            yield Violation(
                container.at("securityContext", "readOnlyRootFilesystem"),
                "the root filesystem is writable",
                "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at "
                "each path the app writes (e.g. /tmp)",
                container=container.name,
            )


def _capabilities(container: Container, key: str) -> list[str]:
    values = as_list(as_map(container.security_context.get("capabilities")).get(key))
    return [v.upper().removeprefix("CAP_") for v in values if isinstance(v, str)]


def check_drop_capabilities(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        if "ALL" not in _capabilities(container, "drop"):
            yield Violation(
                container.at("securityContext", "capabilities", "drop"),
                "capabilities are not dropped: the runtime's default set stays granted",
                'set securityContext.capabilities.drop: ["ALL"] (a non-root process binds '
                "ports below 1024 through the pod sysctl net.ipv4.ip_unprivileged_port_start)",
                container=container.name,
            )


def check_added_capabilities(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        added = _capabilities(container, "add")
        beyond_baseline = [c for c in added if c not in BASELINE_CAPABILITIES]
        beyond_restricted = [c for c in added if c not in RESTRICTED_CAPABILITIES]
        if beyond_baseline or beyond_restricted:
            names = beyond_baseline or beyond_restricted
            yield Violation(
                container.at("securityContext", "capabilities", "add"),
                f"adds capabilities {', '.join(names)}",
                "remove them from capabilities.add; only NET_BIND_SERVICE is allowed by the "
                "restricted Pod Security Standard",
                container=container.name,
                severity=Severity.ERROR if beyond_baseline else Severity.WARNING,
            )


def check_privileged(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        if container.security_context.get("privileged") is True:
            yield Violation(
                container.at("securityContext", "privileged"),
                "runs privileged: it has every capability and access to all host devices",
                "remove privileged: true (or set it to false)",
                container=container.name,
            )


def check_host_namespaces(target: Target) -> Iterator[Violation]:
    pod = target.workload.pod
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key) is True:
            yield Violation(
                target.workload.at(key),
                f"{key} is true: the pod shares the node's namespace",
                f"remove {key} (or set it to false)",
            )


def check_host_path(target: Target) -> Iterator[Violation]:
    for index, volume in enumerate(as_list(target.workload.pod.get("volumes"))):
        host_path = as_map(volume).get("hostPath")
        if host_path is not None:
            where = as_text(as_map(host_path).get("path")) or "?"
            name = as_text(as_map(volume).get("name")) or f"#{index}"
            yield Violation(
                target.workload.at("volumes", index, "hostPath"),
                f"volume {name} mounts the node's {where}",
                "use an emptyDir, ConfigMap, Secret or PersistentVolumeClaim instead",
            )


def check_host_ports(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        for index, port in enumerate(as_list(container.data.get("ports"))):
            host_port = as_int(as_map(port).get("hostPort"))
            if host_port:
                yield Violation(
                    container.at("ports", index, "hostPort"),
                    f"binds host port {host_port} on the node",
                    "remove hostPort and expose the port through a Service",
                    container=container.name,
                )


def check_service_account_token(target: Target) -> Iterator[Violation]:
    pod_value = target.workload.pod.get("automountServiceAccountToken")
    account = as_map(target.service_account).get("automountServiceAccountToken")
    if pod_value is False or (pod_value is None and account is False):
        return
    shown = "true" if pod_value is True else "not set (defaults to true)"
    yield Violation(
        target.workload.at("automountServiceAccountToken"),
        f"automountServiceAccountToken is {shown}: every container gets an API token",
        "set automountServiceAccountToken: false unless the app calls the Kubernetes API",
    )


def _rule(rule_id: str, severity: Severity, title: str, why: str, fix: str, check: Check) -> Rule:
    return Rule(rule_id, Category.SECURITY, severity, title, why, fix, check)


ERROR, WARNING = Severity.ERROR, Severity.WARNING
RULES = (
    _rule("security.run-as-non-root", WARNING, "Containers run as a non-root user",
          "A process running as root inside a container is root on the node after an escape.",
          "Set runAsNonRoot: true and a non-zero runAsUser.", check_run_as_non_root),
    _rule("security.privilege-escalation", WARNING, "Privilege escalation is disabled",
          "Without it, setuid binaries can give a process more privileges than its parent.",
          "Set allowPrivilegeEscalation: false on every container.", check_privilege_escalation),
    _rule("security.read-only-root-filesystem", WARNING, "The root filesystem is read-only",
          "A writable root lets an attacker drop tools and change the app's code.",
          "Set readOnlyRootFilesystem: true; mount emptyDirs where the app writes.",
          check_read_only_root),
    _rule("security.drop-capabilities", WARNING, "All capabilities are dropped",
          "The default capability set includes NET_RAW and others most apps never need.",
          'Set capabilities.drop: ["ALL"].', check_drop_capabilities),
    _rule("security.added-capabilities", ERROR, "No dangerous capabilities are added",
          "Capabilities like SYS_ADMIN or NET_ADMIN give control over the node.",
          "Remove them from capabilities.add.", check_added_capabilities),
    _rule("security.privileged", ERROR, "Containers are not privileged",
          "A privileged container is root on the node with every device.",
          "Remove privileged: true.", check_privileged),
    _rule("security.seccomp-profile", WARNING, "A seccomp profile is set",
          "seccomp blocks the system calls most kernel exploits use.",
          "Set seccompProfile.type: RuntimeDefault on the pod.", check_seccomp),
    _rule("security.host-namespaces", ERROR, "The pod does not share host namespaces",
          "hostNetwork, hostPID and hostIPC expose the node's network, processes and memory.",
          "Remove hostNetwork, hostPID and hostIPC.", check_host_namespaces),
    _rule("security.host-path", ERROR, "No hostPath volumes",
          "A hostPath volume reads or writes the node's filesystem.",
          "Use emptyDir, ConfigMap, Secret or PVC volumes.", check_host_path),
    _rule("security.host-ports", ERROR, "No host ports",
          "A hostPort binds the node's port and limits scheduling to one pod per node.",
          "Expose the port through a Service.", check_host_ports),
    _rule("security.service-account-token", WARNING, "The API token is not mounted",
          "A mounted token lets anyone who breaks into the container call the Kubernetes API.",
          "Set automountServiceAccountToken: false on the pod or its ServiceAccount.",
          check_service_account_token),
)  # fmt: skip
