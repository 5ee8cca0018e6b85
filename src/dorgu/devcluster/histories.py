"""History that continues the live usage of running Pods (``dorgu dev backfill --pods``).

Pure: Pod documents (as the API returns them) in, ``SyntheticContainer``s out, one per
container and metrics endpoint, with the exact labels the testbed Prometheus gives the live
series and the base usage, pattern and period of the Pod's usage annotations
(``dorgu.devcluster.emulating``), so the backfilled history and the live samples are one series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from dorgu.devcluster import emulating, scraping
from dorgu.formats.usagehistories import PATTERNS, SyntheticContainer
from dorgu.models.kubesyntax import quantity_value


def containers_of_pods(
    pods: Iterable[Mapping[str, Any]], *, endpoints: tuple[str, ...] = ("resource", "cadvisor")
) -> list[SyntheticContainer]:
    """History specs for every container of the Running Pods (others are skipped)."""
    result: list[SyntheticContainer] = []
    for pod in pods:
        metadata = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        node = spec.get("nodeName")
        if (pod.get("status") or {}).get("phase") != "Running" or not node:
            continue
        annotations = metadata.get("annotations") or {}
        cpu = _quantity(annotations, "cpu")
        memory = _quantity(annotations, "memory")
        period = _period(annotations)
        for container in spec.get("containers") or []:
            for endpoint in endpoints:
                labels = scraping.live_labels(
                    endpoint=endpoint,
                    node=node,
                    namespace=metadata.get("namespace", "default"),
                    pod=metadata.get("name", ""),
                    container=container.get("name", ""),
                    image=container.get("image", ""),
                )
                result.append(
                    SyntheticContainer(
                        labels=labels,
                        cpu_cores=float(cpu),
                        memory_bytes=float(memory),
                        cpu_pattern=_pattern(annotations, "cpu"),
                        memory_pattern=_pattern(annotations, "memory"),
                        period=period,
                    )
                )
    return result


def _quantity(annotations: Mapping[str, str], resource: str) -> Decimal:
    text = annotations.get(emulating.USAGE_ANNOTATIONS[resource])
    try:
        return quantity_value(text) if text else quantity_value(emulating.DEFAULT_USAGE[resource])
    except ValueError:  # kwok cannot use it either: its default applies
        return quantity_value(emulating.DEFAULT_USAGE[resource])


def _pattern(annotations: Mapping[str, str], resource: str) -> str:
    """The annotated pattern; an unknown one is steady, as kwok's expression treats it."""
    pattern = annotations.get(emulating.PATTERN_ANNOTATIONS[resource], "steady")
    return pattern if pattern in emulating.PATTERNS and pattern in PATTERNS else "steady"


def _period(annotations: Mapping[str, str]) -> float:
    try:
        period = float(annotations.get(emulating.PERIOD_ANNOTATION, ""))
    except ValueError:
        return float(emulating.DEFAULT_PERIOD_SECONDS)
    return period if period > 0 else float(emulating.DEFAULT_PERIOD_SECONDS)
