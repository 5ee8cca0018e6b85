"""ClusterPersona discovery: at start, on a timer, and when a ClusterPersona is created or its
spec changes.  Reads the version, the served API groups, nodes (true count, summed capacity
and allocatable), workloads that reveal add-ons, and namespaces with persona counts; writes
the status of every ClusterPersona through the status subresource.

Only the active replica discovers (``is_active``: kopf peering's highest-priority live peer).
Must not fail on a missing API or forbidden list: that signal is skipped and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

from dorgu.models.cluster_personas import (
    ClusterPersonaStatus,
    ClusterPhase,
    ClusterResourceSummary,
    NamespaceSummary,
    NodeInfo,
    NodeResources,
)
from dorgu.models.kubesyntax import quantity_value
from dorgu.models.personas_base import Condition, ConditionStatus, dump_wire
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure, JsonObject, Kind
from dorgu.operator.metrics import Metrics
from dorgu.operator.platforms import NodeSignals, WorkloadSignals, detect_addons, detect_platform
from dorgu.operator.watching import ClusterView

logger = logging.getLogger(__name__)
DAEMONSETS = Kind("apps", "v1", "daemonsets")
NOTABLE_LABELS = ("kubernetes.io/arch", "kubernetes.io/os", "node.kubernetes.io/instance-type",
                  "topology.kubernetes.io/region", "topology.kubernetes.io/zone")  # fmt: skip
MAX_NODES_LISTED = 100


def _map(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _strs(value: object) -> dict[str, str]:
    return {k: v for k, v in _map(value).items() if isinstance(v, str)}


def _resources(value: object) -> NodeResources:
    data = _strs(value)
    return NodeResources(cpu=data.get("cpu"), memory=data.get("memory"), pods=data.get("pods"),
                         ephemeral_storage=data.get("ephemeral-storage"))  # fmt: skip


def _sum(nodes: list[JsonObject], section: str, name: str) -> Decimal:
    total = Decimal(0)
    for node in nodes:
        text = _strs(_map(node.get("status")).get(section)).get(name)
        try:
            total += quantity_value(text) if text else 0
        except (ValueError, ArithmeticError):
            continue
    return total


def _cpu(value: Decimal) -> str:
    return str(int(value)) if value == int(value) else f"{int(value * 1000)}m"


def _memory(value: Decimal) -> str:
    return f"{int(value / (1 << 20))}Mi"


def node_info(node: JsonObject) -> NodeInfo:
    meta, status, spec = (
        _map(node.get("metadata")),
        _map(node.get("status")),
        _map(node.get("spec")),
    )
    labels = _strs(meta.get("labels"))
    conditions = [c for c in _list(status.get("conditions")) if isinstance(c, dict)]
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    role = "control-plane" if any(k in labels for k in (
        "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")) else "worker"  # fmt: skip
    taints = [
        f"{t.get('key')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect')}"
        for t in _list(spec.get("taints")) if isinstance(t, dict)
    ]  # fmt: skip
    info = _strs(status.get("nodeInfo"))
    return NodeInfo(
        name=str(meta.get("name") or ""), role=role, ready=ready,
        capacity=_resources(status.get("capacity")), allocatable=_resources(status.get("allocatable")),
        taints=taints, labels={k: v for k, v in labels.items() if k in NOTABLE_LABELS},
        kubelet_version=info.get("kubeletVersion"), container_runtime=info.get("containerRuntimeVersion"),
    )  # fmt: skip


def _signals(node: JsonObject) -> NodeSignals:
    meta = _map(node.get("metadata"))
    return NodeSignals(
        name=str(meta.get("name") or ""),
        labels=_strs(meta.get("labels")),
        annotations=_strs(meta.get("annotations")),
        provider_id=str(_map(node.get("spec")).get("providerID") or ""),
        kubelet_version=str(
            _strs(_map(node.get("status")).get("nodeInfo")).get("kubeletVersion") or ""
        ),
    )


def _workload_signals(kind: str, obj: JsonObject) -> WorkloadSignals:
    meta, spec, status = _map(obj.get("metadata")), _map(obj.get("spec")), _map(obj.get("status"))
    pod = _map(_map(spec.get("template")).get("spec"))
    containers = [c for c in _list(pod.get("containers")) if isinstance(c, dict)]
    image = str(containers[0].get("image") or "") if containers else ""
    if kind == "DaemonSet":
        ready = status.get("numberReady") == status.get("desiredNumberScheduled")
    else:
        ready = _int(status.get("readyReplicas")) >= _int(spec.get("replicas", 1))
    return WorkloadSignals(kind=kind, namespace=str(meta.get("namespace") or ""),
                           name=str(meta.get("name") or ""),
                           app_name=_strs(meta.get("labels")).get("app.kubernetes.io/name", ""),
                           image=image, ready=bool(ready))  # fmt: skip


async def _items(api: Api, kind: Kind) -> list[JsonObject]:
    try:
        return (await api.list(kind)).items
    except ApiFailure as error:
        if error.code in (403, 404):
            logger.info("discovery skips %s: %s", kind.plural, error)
            return []
        raise


async def discover(api: Api, *, view: ClusterView, now: datetime) -> ClusterPersonaStatus:
    """One discovery of the whole cluster."""
    version = await api.raw("/version")
    groups_doc = await api.raw("/apis")
    groups = sorted(
        str(_map(g).get("name")) for g in _list(groups_doc.get("groups")) if isinstance(g, dict)
    )
    nodes = await _items(api, kinds.NODES)
    workloads = [
        _workload_signals(kind, obj)
        for kind, k in (("Deployment", kinds.DEPLOYMENTS), ("DaemonSet", DAEMONSETS), ("StatefulSet", kinds.STATEFULSETS))
        for obj in await _items(api, k)
    ]  # fmt: skip
    namespaces = await _items(api, kinds.CORE_NAMESPACES)
    server_version = str(version.get("gitVersion") or "")
    platform, evidence = detect_platform(server_version=server_version, groups=groups,
                                         nodes=[_signals(n) for n in nodes])  # fmt: skip
    counts: dict[str, int] = {}
    for (namespace, _), _entry in view.personas.items():
        counts[namespace] = counts.get(namespace, 0) + 1
    active = sum(1 for n in namespaces if _map(n.get("status")).get("phase") == "Active")
    summary = ClusterResourceSummary(
        total_cpu=_cpu(_sum(nodes, "capacity", "cpu")),
        total_memory=_memory(_sum(nodes, "capacity", "memory")),
        allocatable_cpu=_cpu(_sum(nodes, "allocatable", "cpu")),
        allocatable_memory=_memory(_sum(nodes, "allocatable", "memory")),
        total_pods=int(_sum(nodes, "capacity", "pods")),
    )
    message = f"{len(nodes)} nodes, platform {platform} ({evidence})"
    return ClusterPersonaStatus(
        phase=ClusterPhase.READY,
        last_discovery=now,
        kubernetes_version=server_version or None,
        platform=platform,
        node_count=len(nodes),
        nodes=[node_info(n) for n in sorted(nodes, key=lambda n: str(_map(n.get("metadata")).get("name")))[:MAX_NODES_LISTED]],
        resource_summary=summary,
        addons=detect_addons(groups=groups, workloads=workloads),
        namespaces=NamespaceSummary(total=len(namespaces), active=active,
                                    with_personas=len(counts), persona_counts=dict(sorted(counts.items()))),
        application_count=sum(counts.values()),
        conditions=[Condition(type="Discovered", status=ConditionStatus.TRUE, last_transition_time=now,
                              reason="DiscoverySucceeded", message=message)],
    )  # fmt: skip


class Discoverer:
    """Runs discovery at start, every ``interval`` seconds and on ``request()``."""

    def __init__(
        self,
        *,
        api: Api,
        view: ClusterView,
        metrics: Metrics,
        interval: float,
        is_active: Callable[[], Awaitable[bool]],
    ) -> None:
        self.api, self.view, self.metrics = api, view, metrics
        self.interval = interval
        self.is_active = is_active
        self._wake = asyncio.Event()
        self.last: ClusterPersonaStatus | None = None

    def request(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                if await self.is_active():
                    await self.discover_and_write()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.metrics.discoveries.inc(result="error")
                logger.warning(
                    "cluster discovery failed: %s",
                    error,
                    exc_info=not isinstance(error, ApiFailure),
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()

    async def discover_and_write(self) -> int:
        """Discover once and write every ClusterPersona's status; how many were written."""
        personas = await _items(self.api, kinds.CLUSTER_PERSONAS)
        if not personas:
            return 0
        status = await discover(self.api, view=self.view, now=datetime.now(UTC))
        self.last = status
        written = 0
        for obj in personas:
            meta = _map(obj.get("metadata"))
            generation = meta.get("generation")
            mine = status.model_copy(
                update={"observed_generation": generation if isinstance(generation, int) else None}
            )
            ops = [{"op": "add", "path": "/status", "value": dump_wire(mine)}]
            await self.api.patch(
                kinds.CLUSTER_PERSONAS,
                str(meta.get("name")),
                ops,
                patch="json",
                subresource="status",
            )
            self.metrics.status_writes.inc(kind="clusterpersona")
            written += 1
        self.metrics.discoveries.inc(result="ok")
        return written
