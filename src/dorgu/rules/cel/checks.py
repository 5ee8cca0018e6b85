"""The rules that compile to CEL: for each, an expression giving the list of its findings
on ``object`` (an apps/v1 Deployment) and ``params`` (the persona's PersonaPolicy), with the same
rule id, severity, field path, message and fix as the Python check in ``dorgu.rules``.

``CHECKS`` maps a rule id to its expression, in ``RULES`` order; ``HPA_SENSITIVE`` are the
rules whose verdict depends on an HPA (CEL cannot see HPAs: they are skipped on workloads
marked as autoscaled, see ``compiling``).  Every other rule stays with the webhook.

A rule belongs here only if its Python check reads nothing but the Deployment and the
persona.  Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from dorgu.rules.cel.literals import bind, concat, finding, quote, string_list
from dorgu.rules.security import BASELINE_CAPABILITIES, RESTRICTED_CAPABILITIES

POD = "object.spec.template.spec"
GROUPS = ("initContainers", "containers")


def _path(group: str) -> str:
    return f"'spec.template.spec.{group}[' + string(i) + ']'"


def _each(groups: tuple[str, ...], keep: str, make: Callable[[str], str]) -> str:
    """Findings over the containers of ``groups`` (``c`` the container, ``i`` its index);
    ``make(path)`` builds the finding, ``path`` being the container's path expression."""
    parts = []
    for group in groups:
        items = f"{POD}.{group}"
        body = f"{items}.transformList(i, c, {keep}, {make(_path(group))})"
        parts.append(f"(has({items}) ? {body} : [])" if group == "initContainers" else body)
    return " + ".join(parts)


def _own(key: str) -> str:
    """Whether the container ``c`` sets securityContext.``key``."""
    return f"(has(c.securityContext) && has(c.securityContext.{key}))"


def _at(path: str, suffix: str) -> str:
    return f"{path} + {quote(suffix)}"


def privilege_escalation() -> str:
    rule = "security.privilege-escalation"
    own = _own("allowPrivilegeEscalation")
    value = "c.securityContext.allowPrivilegeEscalation"
    return _each(GROUPS, f"!({own} && {value} == false)", lambda p: finding(
        rule, "warning", "c.name", _at(p, ".securityContext.allowPrivilegeEscalation"),
        concat("'allowPrivilegeEscalation is '",
               f"({own} && {value} == true ? 'true' : 'not set (defaults to true)')",
               "': setuid binaries can gain privileges'"),
        quote("set securityContext.allowPrivilegeEscalation: false"),
    ))  # fmt: skip


def read_only_root() -> str:
    own = _own("readOnlyRootFilesystem")
    return _each(GROUPS, f"!({own} && c.securityContext.readOnlyRootFilesystem == true)",
                 lambda p: finding(
        "security.read-only-root-filesystem", "warning", "c.name",
        _at(p, ".securityContext.readOnlyRootFilesystem"),
        quote("the root filesystem is writable"),
        quote("set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at "
              "each path the app writes (e.g. /tmp)"),
    ))  # fmt: skip


def _capabilities(key: str) -> str:
    """The container's capabilities.``key``, upper-cased without ``CAP_``."""
    caps = "c.securityContext.capabilities"
    return (
        f"(has(c.securityContext) && has({caps}) && has({caps}.{key}) ? {caps}.{key}.map(x, "
        "x.upperAscii().startsWith('CAP_') ? x.upperAscii().substring(4) : x.upperAscii()) : [])"
    )


def drop_capabilities() -> str:
    return _each(GROUPS, f"!('ALL' in {_capabilities('drop')})", lambda p: finding(
        "security.drop-capabilities", "warning", "c.name",
        _at(p, ".securityContext.capabilities.drop"),
        quote("capabilities are not dropped: the runtime's default set stays granted"),
        quote('set securityContext.capabilities.drop: ["ALL"] (a non-root process binds '
              "ports below 1024 through the pod sysctl net.ipv4.ip_unprivileged_port_start)"),
    ))  # fmt: skip


def added_capabilities() -> str:
    added = _capabilities("add")
    baseline = f"{added}.filter(x, !(x in {string_list(sorted(BASELINE_CAPABILITIES))}))"
    restricted = f"{added}.filter(x, !(x in {string_list(sorted(RESTRICTED_CAPABILITIES))}))"
    return _each(GROUPS, f"size({restricted}) > 0", lambda p: {
        "x": finding(
            "security.added-capabilities", "SEVERITY", "c.name",
            _at(p, ".securityContext.capabilities.add"),
            f"'adds capabilities ' + (size({baseline}) > 0 ? {baseline} : {restricted}).join(', ')",
            quote("remove them from capabilities.add; only NET_BIND_SERVICE is allowed by the "
                  "restricted Pod Security Standard"),
        ).replace("'SEVERITY'", f"(size({baseline}) > 0 ? 'error' : 'warning')")
    }["x"])  # fmt: skip


def privileged() -> str:
    own = _own("privileged")
    return _each(GROUPS, f"{own} && c.securityContext.privileged == true", lambda p: finding(
        "security.privileged", "error", "c.name", _at(p, ".securityContext.privileged"),
        quote("runs privileged: it has every capability and access to all host devices"),
        quote("remove privileged: true (or set it to false)"),
    ))  # fmt: skip


def host_namespaces() -> str:
    parts = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        item = finding(
            "security.host-namespaces",
            "error",
            None,
            quote(f"spec.template.spec.{key}"),
            quote(f"{key} is true: the pod shares the node's namespace"),
            quote(f"remove {key} (or set it to false)"),
        )
        parts.append(f"(has({POD}.{key}) && {POD}.{key} == true ? [{item}] : [])")
    return " + ".join(parts)


def host_path() -> str:
    volumes = f"{POD}.volumes"
    item = finding(
        "security.host-path", "error", None,
        "'spec.template.spec.volumes[' + string(i) + '].hostPath'",
        concat("'volume '", "(has(v.name) && v.name != '' ? v.name : '#' + string(i))",
               "' mounts the node\\'s '",
               "(has(v.hostPath.path) && v.hostPath.path != '' ? v.hostPath.path : '?')"),
        quote("use an emptyDir, ConfigMap, Secret or PersistentVolumeClaim instead"),
    )  # fmt: skip
    return f"(has({volumes}) ? {volumes}.transformList(i, v, has(v.hostPath), {item}) : [])"


def _image(body: str) -> str:
    """``body`` with ``at``, ``ref``, ``digest`` and ``tag`` of ``c.image`` bound
    (``dorgu.rules.images.split_image``; '' for a missing tag or digest)."""
    tag = (
        "ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.substring(ref.lastIndexOf(':') + 1) : ''"
    )
    return bind("at", "c.image.indexOf('@')", bind(
        "ref", "at >= 0 ? c.image.substring(0, at) : c.image", bind(
            "digest", "at >= 0 ? c.image.substring(at + 1) : ''", bind("tag", tag, body))))  # fmt: skip


def image_tag() -> str:
    keep = "has(c.image) && c.image != '' && " + _image(
        "digest == '' && (tag == '' || tag == 'latest')"
    )
    make = lambda p: _image(finding(  # noqa: E731
        "reliability.image-tag", "error", "c.name", _at(p, ".image"),
        concat("'image '", "c.image",
               "(tag == '' ? ' has no tag (so it means :latest)' : ' uses :latest')",
               "': each node may run a different version'"),
        quote("deploy an immutable tag (a version or commit sha) or pin a digest (@sha256:...)"),
    ))  # fmt: skip
    return _each(GROUPS, keep, make)


def _pull_policy() -> str:
    return (
        "(has(c.imagePullPolicy) ? c.imagePullPolicy : (tag == '' || tag == 'latest') "
        "? 'Always' : '')"
    )


def image_pull_policy() -> str:
    keep = "has(c.image) && c.image != '' && " + _image(
        f"digest == '' && {_pull_policy()} != 'Always'"
    )
    make = lambda p: _image(finding(  # noqa: E731
        "reliability.image-pull-policy", "warning", "c.name", _at(p, ".imagePullPolicy"),
        concat("'imagePullPolicy is '",
               f"({_pull_policy()} == '' ? 'not set (IfNotPresent)' : {_pull_policy()})",
               "' for '", "c.image",
               "': a node that has an older image under the same tag keeps running it'"),
        quote("set imagePullPolicy: Always, or pin the image by digest"),
    ))  # fmt: skip
    return _each(GROUPS, keep, make)


def _has_amount(section: str, name: str) -> str:
    """Whether container ``c`` sets resources.``section``[``name``] (``name`` a CEL string)."""
    return f"(has(c.resources) && has(c.resources.{section}) && {name} in c.resources.{section})"


def requests() -> str:
    missing = (
        f"['cpu', 'memory'].filter(n, !{_has_amount('requests', 'n')} && "
        f"!{_has_amount('limits', 'n')})"
    )
    return _each(("containers",), f"size({missing}) > 0", lambda p: finding(
        "resources.requests", "warning", "c.name", _at(p, ".resources.requests"),
        concat("'no '", f"{missing}.join(' and ')",
               "' request: the scheduler cannot place the pod sensibly and it is evicted "
               "first under pressure'"),
        quote("set resources.requests.cpu and resources.requests.memory (e.g. 100m, 128Mi)"),
    ))  # fmt: skip


def memory_limit() -> str:
    return _each(("containers",), f"!{_has_amount('limits', quote('memory'))}", lambda p: finding(
        "resources.memory-limit", "warning", "c.name", _at(p, ".resources.limits.memory"),
        quote("no memory limit: a leak can exhaust the node's memory"),
        quote("set resources.limits.memory (e.g. twice the memory request)"),
    ))  # fmt: skip


def _missing_probe(rule: str, probe: str, why: str) -> str:
    return _each(("containers",), f"!has(c.{probe})", lambda p: finding(
        rule, "warning", "c.name", _at(p, f".{probe}"),
        quote(f"no {probe}: {why}"),
        quote(f"add a {probe} (httpGet on the app's health endpoint, else tcpSocket on its port)"),
    ))  # fmt: skip


def readiness_probe() -> str:
    return _missing_probe("reliability.readiness-probe", "readinessProbe",
                          "traffic reaches the pod before it is ready")  # fmt: skip


def liveness_probe() -> str:
    return _missing_probe("reliability.liveness-probe", "livenessProbe",
                          "a hung process is never restarted")  # fmt: skip


def identical_probes() -> str:
    keep = "has(c.readinessProbe) && has(c.livenessProbe) && c.readinessProbe == c.livenessProbe"
    return _each(("containers",), keep, lambda p: finding(
        "reliability.identical-probes", "warning", "c.name", _at(p, ".livenessProbe"),
        quote("the liveness probe is identical to the readiness probe: an overloaded pod is "
              "restarted instead of just taken out of rotation"),
        quote("make liveness more tolerant (higher failureThreshold or periodSeconds) or "
              "point it at a cheaper endpoint"),
    ))  # fmt: skip


def single_replica() -> str:
    critical = "(has(params.spec.tier) && params.spec.tier == 'critical')"
    item = finding(
        "scaling.single-replica", "SEVERITY", None, quote("spec.replicas"),
        concat("'it runs a single pod: a node drain or crash takes it offline'",
               f"({critical} ? ' (the persona\\'s tier is critical)' : '')"),
        quote("run at least 2 replicas (minReplicas: 2 when an HPA scales it)"),
    ).replace("'SEVERITY'", f"({critical} ? 'warning' : 'info')")  # fmt: skip
    return f"(variables.replicas == 1 ? [{item}] : [])"


def topology_spread() -> str:
    spread = f"(has({POD}.topologySpreadConstraints) && size({POD}.topologySpreadConstraints) > 0)"
    anti = f"(has({POD}.affinity) && has({POD}.affinity.podAntiAffinity))"
    item = finding(
        "reliability.topology-spread", "warning", None,
        quote("spec.template.spec.topologySpreadConstraints"),
        quote("replicas are not spread: they may all land on one node or zone"),
        quote("add topologySpreadConstraints over kubernetes.io/hostname and "
              "topology.kubernetes.io/zone (whenUnsatisfiable: ScheduleAnyway)"),
    )  # fmt: skip
    return f"(variables.replicas >= 2 && !{spread} && !{anti} ? [{item}] : [])"


CHECKS: Mapping[str, str] = MappingProxyType({
    "security.privilege-escalation": privilege_escalation(),
    "security.read-only-root-filesystem": read_only_root(),
    "security.drop-capabilities": drop_capabilities(),
    "security.added-capabilities": added_capabilities(),
    "security.privileged": privileged(),
    "security.host-namespaces": host_namespaces(),
    "security.host-path": host_path(),
    "reliability.image-tag": image_tag(),
    "reliability.image-pull-policy": image_pull_policy(),
    "resources.requests": requests(),
    "resources.memory-limit": memory_limit(),
    "reliability.readiness-probe": readiness_probe(),
    "reliability.liveness-probe": liveness_probe(),
    "reliability.identical-probes": identical_probes(),
    "scaling.single-replica": single_replica(),
    "reliability.topology-spread": topology_spread(),
})  # fmt: skip

HPA_SENSITIVE = frozenset({"scaling.single-replica", "reliability.topology-spread"})
