"""kwok's metrics emulation for ``dorgu dev up --metrics``: what the fake kubelets expose.

Pure: returns the kwok configuration documents (``Metric`` and ``ClusterResourceUsage``,
``kwok.x-k8s.io/v1alpha1``) that go into kwok's ``--config`` file next to the stages.

Two endpoints per simulated Node, served by kwok on its ``--server-address``:

* ``/metrics/nodes/<node>/metrics/resource``: the kubelet's resource metrics
  (``container_cpu_usage_seconds_total``, ``container_memory_working_set_bytes`` with
  ``namespace``/``pod``/``container``; ``pod_*`` and ``node_*`` series; ``scrape_error``);
* ``/metrics/nodes/<node>/metrics/cadvisor``: cAdvisor-shaped series (the same two metric names
  with ``image`` and ``name`` labels, plus a pod-level cgroup series with ``container=""`` and
  ``image=""``, which kube-prometheus rules filter out with ``container!=""``/``image!=""``).

Usage comes from Pod annotations (evaluated by kwok as CEL on every scrape):

* ``kwok.x-k8s.io/usage-cpu`` / ``kwok.x-k8s.io/usage-memory``: the base usage of every
  container of the Pod, a Kubernetes quantity (default ``1m`` / ``1Mi``, kwok's own defaults);
* ``dorgu.dev/usage-cpu-pattern`` / ``dorgu.dev/usage-memory-pattern``: how it moves with time
  (``PATTERNS``; default ``steady``);
* ``dorgu.dev/usage-period``: the pattern's period in seconds (default 86400, one day; tests
  shorten it to see a whole cycle).
"""

from __future__ import annotations

from typing import Any

USAGE_ANNOTATIONS = {"cpu": "kwok.x-k8s.io/usage-cpu", "memory": "kwok.x-k8s.io/usage-memory"}
PATTERN_ANNOTATIONS = {
    "cpu": "dorgu.dev/usage-cpu-pattern",
    "memory": "dorgu.dev/usage-memory-pattern",
}
PERIOD_ANNOTATION = "dorgu.dev/usage-period"
DEFAULT_USAGE = {"cpu": "1m", "memory": "1Mi"}
DEFAULT_PERIOD_SECONDS = 86400

# pattern -> (what the usage is, as a multiple of the base; the CEL factor).  ``f`` is the
# phase in [0, 1) of the current period, ``age`` the Pod's age in periods.
PATTERNS: dict[str, tuple[str, str]] = {
    "steady": ("the base, always", "1.0"),
    "daily": (
        "a triangle wave between 0.25x and 1.75x the base (mean 1x), peak at mid-period",
        "(0.25 + 1.5 * ({f} < 0.5 ? 2.0 * {f} : 2.0 - 2.0 * {f}))",
    ),
    "spiky": (
        "4x the base for the first tenth of each period, else the base",
        "({f} < 0.1 ? 4.0 : 1.0)",
    ),
    "leak": ("grows by one base per period since the Pod started (memory leak)", "(1.0 + {age})"),
    "jitter": ("uniformly random between 0.5x and 1.5x the base at every sample", "(0.5 + Rand())"),
}

METRICS_RESOURCE_PATH = "/metrics/nodes/{nodeName}/metrics/resource"
METRICS_CADVISOR_PATH = "/metrics/nodes/{nodeName}/metrics/cadvisor"
ENDPOINTS = {"resource": METRICS_RESOURCE_PATH, "cadvisor": METRICS_CADVISOR_PATH}
_API = "kwok.x-k8s.io/v1alpha1"
_CONTAINER_LABELS = (
    ("container", "container.name"),
    ("namespace", "pod.metadata.namespace"),
    ("pod", "pod.metadata.name"),
)
# kwok keeps one metrics registry per Node for all its Metric paths, and a registry refuses a
# metric name with other label names or help: the kubelet's container series therefore carry
# cAdvisor's ``image`` and ``name`` labels too, empty (Prometheus drops empty labels, so they
# are stored with the kubelet's labels).
_EMPTY_CADVISOR_LABELS = (("image", '""'), ("name", '""'))
_CPU_HELP = "Cumulative cpu time consumed by the container in core-seconds"
_MEMORY_HELP = "Current working set of the container in bytes"


def usage_annotations(
    *,
    cpu: str | None = None,
    memory: str | None = None,
    cpu_pattern: str | None = None,
    memory_pattern: str | None = None,
    period: float | None = None,
) -> dict[str, str]:
    """The Pod annotations that make kwok report this usage (quantities as strings)."""
    annotations: dict[str, str] = {}
    for resource, base, pattern in (("cpu", cpu, cpu_pattern), ("memory", memory, memory_pattern)):
        if base is not None:
            annotations[USAGE_ANNOTATIONS[resource]] = base
        if pattern is not None:
            if pattern not in PATTERNS:
                raise ValueError(
                    f"unknown usage pattern {pattern!r} (one of {', '.join(PATTERNS)})"
                )
            annotations[PATTERN_ANNOTATIONS[resource]] = pattern
    if period is not None:
        if period <= 0:
            raise ValueError("the usage period must be positive")
        annotations[PERIOD_ANNOTATION] = f"{period:g}"
    return annotations


def usage_expression(resource: str) -> str:
    """The CEL expression kwok evaluates for one container's ``resource`` usage."""
    annotations = "pod.metadata.annotations"
    usage, pattern = USAGE_ANNOTATIONS[resource], PATTERN_ANNOTATIONS[resource]
    base = (
        f'("{usage}" in {annotations} ? Quantity({annotations}["{usage}"])'
        f' : Quantity("{DEFAULT_USAGE[resource]}"))'
    )
    period = (
        f'("{PERIOD_ANNOTATION}" in {annotations} ? double({annotations}["{PERIOD_ANNOTATION}"])'
        f" : {float(DEFAULT_PERIOD_SECONDS)})"
    )
    phase = f"(double(int(UnixSecond(Now())) % int({period})) / {period})"
    age = f"(pod.SinceSecond() / {period})"
    chosen = f'({annotations}["{pattern}"])'
    expression = base
    for name, (_, factor) in reversed(list(PATTERNS.items())):
        if name == "steady":
            continue
        term = f"{base} * {factor.format(f=phase, age=age)}"
        expression = (
            f'("{pattern}" in {annotations} && {chosen} == "{name}" ? {term} : {expression})'
        )
    return expression


def usage_document() -> dict[str, Any]:
    """The ClusterResourceUsage that drives every container's CPU and memory."""
    return {
        "apiVersion": _API,
        "kind": "ClusterResourceUsage",
        "metadata": {"name": "dorgu-usage-from-annotations"},
        "spec": {
            "usages": [
                {
                    "usage": {
                        resource: {"expression": usage_expression(resource)}
                        for resource in ("cpu", "memory")
                    }
                }
            ]
        },
    }


def _labels(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _metric(
    name: str,
    *,
    dimension: str,
    kind: str,
    help_: str,
    value: str,
    labels: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "dimension": dimension, "kind": kind, "help": help_}
    if labels:
        entry["labels"] = _labels(labels)
    entry["value"] = value
    return entry


def resource_metric_document() -> dict[str, Any]:
    """The kubelet's ``/metrics/resource`` (what metrics-server reads)."""
    pod_labels = _CONTAINER_LABELS[1:]
    metrics = [
        _metric(
            "scrape_error",
            dimension="node",
            kind="gauge",
            help_="1 if getting metrics failed",
            value="0",
        ),
        _metric(
            "container_start_time_seconds",
            dimension="container",
            kind="gauge",
            help_="Start time of the container since unix epoch in seconds",
            labels=_CONTAINER_LABELS,
            value="UnixSecond(Now()) - pod.SinceSecond()",
        ),
        _metric(
            "container_cpu_usage_seconds_total",
            dimension="container",
            kind="counter",
            help_=_CPU_HELP,
            labels=(*_CONTAINER_LABELS, *_EMPTY_CADVISOR_LABELS),
            value='pod.CumulativeUsage("cpu", container.name)',
        ),
        _metric(
            "container_memory_working_set_bytes",
            dimension="container",
            kind="gauge",
            help_=_MEMORY_HELP,
            labels=(*_CONTAINER_LABELS, *_EMPTY_CADVISOR_LABELS),
            value='pod.Usage("memory", container.name)',
        ),
        _metric(
            "pod_cpu_usage_seconds_total",
            dimension="pod",
            kind="counter",
            help_="Cumulative cpu time consumed by the pod in core-seconds",
            labels=pod_labels,
            value='pod.CumulativeUsage("cpu")',
        ),
        _metric(
            "pod_memory_working_set_bytes",
            dimension="pod",
            kind="gauge",
            help_="Current working set of the pod in bytes",
            labels=pod_labels,
            value='pod.Usage("memory")',
        ),
        _metric(
            "node_cpu_usage_seconds_total",
            dimension="node",
            kind="counter",
            help_="Cumulative cpu time consumed by the node in core-seconds",
            value='node.CumulativeUsage("cpu")',
        ),
        _metric(
            "node_memory_working_set_bytes",
            dimension="node",
            kind="gauge",
            help_="Current working set of the node in bytes",
            value='node.Usage("memory")',
        ),
    ]
    return _metric_document("dorgu-metrics-resource", METRICS_RESOURCE_PATH, metrics)


def cadvisor_name(*, namespace: str, pod: str, container: str) -> str:
    """The ``name`` label of a container's cAdvisor series (a Docker-style runtime name)."""
    return f"k8s_{container}_{pod}_{namespace}"


def cadvisor_metric_document() -> dict[str, Any]:
    """cAdvisor-shaped series, as the kubelet's ``/metrics/cadvisor`` has them."""
    container_labels = (
        *_CONTAINER_LABELS,
        ("image", "container.image"),
        (
            "name",
            '"k8s_" + container.name + "_" + pod.metadata.name + "_" + pod.metadata.namespace',
        ),
    )
    cgroup_labels = (
        ("container", '""'),
        ("namespace", "pod.metadata.namespace"),
        ("pod", "pod.metadata.name"),
        ("image", '""'),
        ("name", '""'),
    )
    metrics = [
        _metric(
            "container_cpu_usage_seconds_total",
            dimension="container",
            kind="counter",
            help_=_CPU_HELP,
            labels=container_labels,
            value='pod.CumulativeUsage("cpu", container.name)',
        ),
        _metric(
            "container_memory_working_set_bytes",
            dimension="container",
            kind="gauge",
            help_=_MEMORY_HELP,
            labels=container_labels,
            value='pod.Usage("memory", container.name)',
        ),
        _metric(
            "container_cpu_usage_seconds_total",
            dimension="pod",
            kind="counter",
            help_=_CPU_HELP,
            labels=cgroup_labels,
            value='pod.CumulativeUsage("cpu")',
        ),
        _metric(
            "container_memory_working_set_bytes",
            dimension="pod",
            kind="gauge",
            help_=_MEMORY_HELP,
            labels=cgroup_labels,
            value='pod.Usage("memory")',
        ),
    ]
    return _metric_document("dorgu-metrics-cadvisor", METRICS_CADVISOR_PATH, metrics)


def _metric_document(name: str, path: str, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": _API,
        "kind": "Metric",
        "metadata": {"name": name},
        "spec": {"path": path, "metrics": metrics},
    }


def emulation_documents(
    endpoints: tuple[str, ...] = ("resource", "cadvisor"),
) -> list[dict[str, Any]]:
    """The Metric documents of ``endpoints`` (names in ``ENDPOINTS``) and the usage source."""
    makers = {"resource": resource_metric_document, "cadvisor": cadvisor_metric_document}
    unknown = sorted(set(endpoints) - set(makers))
    if unknown:
        raise ValueError(f"unknown metrics endpoints: {', '.join(unknown)}")
    return [*(makers[e]() for e in endpoints), usage_document()]
