"""Resource rules: requests for scheduling, a memory limit, limits not below requests, and
quantities the API server accepts.  A CPU limit is not required (it throttles; see docs).

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from dorgu.models.evidence import Severity
from dorgu.models.kubesyntax import quantity_value
from dorgu.rules.objects import Container, as_map
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation

RESOURCE_NAMES = ("cpu", "memory")


def quantity(value: object) -> Decimal | None:
    """A quantity's value (numbers allowed, as YAML gives them), None if it is invalid."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        return quantity_value(str(value))
    except ValueError:
        return None


def amounts(container: Container, section: str) -> dict[str, object]:
    """``requests`` or ``limits`` of ``container`` as given."""
    return dict(as_map(as_map(container.data.get("resources")).get(section)))


def check_requests(target: Target) -> Iterator[Violation]:
    for container in target.workload.app_containers:
        requests = amounts(container, "requests")
        limits = amounts(container, "limits")
        # The API server copies a limit into a missing request.
        missing = [n for n in RESOURCE_NAMES if n not in requests and n not in limits]
        if missing:
            yield Violation(
                container.at("resources", "requests"),
                f"no {' and '.join(missing)} request: the scheduler cannot place the pod "
                "sensibly and it is evicted first under pressure",
                "set resources.requests.cpu and resources.requests.memory (e.g. 100m, 128Mi)",
                container=container.name,
            )


def check_memory_limit(target: Target) -> Iterator[Violation]:
    for container in target.workload.app_containers:
        if "memory" not in amounts(container, "limits"):
            yield Violation(
                container.at("resources", "limits", "memory"),
                "no memory limit: a leak can exhaust the node's memory",
                "set resources.limits.memory (e.g. twice the memory request)",
                container=container.name,
            )


def check_limits_cover_requests(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        requests = amounts(container, "requests")
        limits = amounts(container, "limits")
        for name in RESOURCE_NAMES:
            request, limit = quantity(requests.get(name)), quantity(limits.get(name))
            if request is not None and limit is not None and limit < request:
                yield Violation(
                    container.at("resources", "limits", name),
                    f"{name} limit {limits[name]} is below the request {requests[name]}: "
                    "the API server rejects the pod",
                    f"raise limits.{name} to at least {requests[name]}",
                    container=container.name,
                )


def check_quantities(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        for section in ("requests", "limits"):
            for name, value in amounts(container, section).items():
                if quantity(value) is None or (quantity(value) or 0) < 0:
                    yield Violation(
                        container.at("resources", section, name),
                        f"{section}.{name} {value!r} is not a Kubernetes quantity",
                        "write a quantity such as 250m, 1, 512Mi or 2Gi",
                        container=container.name,
                    )


RULES = (
    Rule("resources.requests", Category.RESOURCES, Severity.WARNING,
         "CPU and memory requests are set",
         "Requests drive scheduling and eviction order; without them the pod is BestEffort.",
         "Set resources.requests.cpu and resources.requests.memory.", check_requests),
    Rule("resources.memory-limit", Category.RESOURCES, Severity.WARNING,
         "A memory limit is set",
         "Without a limit one leaking pod can push the whole node out of memory.",
         "Set resources.limits.memory.", check_memory_limit),
    Rule("resources.limit-below-request", Category.RESOURCES, Severity.ERROR,
         "Limits are not below requests",
         "The API server rejects a container whose limit is below its request.",
         "Raise the limit or lower the request.", check_limits_cover_requests),
    Rule("resources.quantity", Category.RESOURCES, Severity.ERROR,
         "Resource amounts are valid quantities",
         "The API server rejects values like '1 GB' or '512mb'.",
         "Use Kubernetes quantities: 250m, 1, 512Mi, 2Gi.", check_quantities),
)  # fmt: skip
