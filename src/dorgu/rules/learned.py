"""Rules on the baselines the operator learned (the persona's ``status.learned``): a workload
must not ask for less than what its containers have been seen to use.

- ``persona.learned-memory`` (error: denied in enforce mode): a container's memory request
  or limit is below the learned p99 working set; such a container is OOM-killed (limit) or
  evicted first under node pressure (request) in ordinary operation;
- ``persona.learned-cpu`` (warning): a container's CPU request is below ``CPU_FACTOR`` (half)
  of the learned p95 CPU usage; it is throttled or starves its neighbours most of the day.

A baseline applies to the container of the same name in the workload of the same kind and
name, and only once it rests on at least ``MIN_POINTS`` samples.  Stale baselines (Prometheus
unreachable) still apply: they are the last good values.  The inputs are plain status fields
(``containers[].kind``, ``.workload``, ``.name``, ``.points``, ``.memory.p99``, ``.cpu.p95``),
so the same check can be written in CEL.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from dorgu.models.evidence import Severity
from dorgu.models.personas_learned import ContainerBaseline
from dorgu.rules.objects import Container
from dorgu.rules.resources import amounts, quantity
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation

CPU_FACTOR = Decimal("0.5")
MIN_POINTS = 30


def _baselines(target: Target) -> Iterator[tuple[Container, ContainerBaseline]]:
    learned = target.learned
    if learned is None or not learned.containers:
        return
    workload = target.workload
    for container in workload.app_containers:
        for baseline in learned.containers:
            if (
                baseline.kind == workload.kind
                and baseline.workload == workload.name
                and baseline.name == container.name
                and baseline.points >= MIN_POINTS
            ):
                yield container, baseline


def _stale(target: Target) -> str:
    learned = target.learned
    return " (stale: the last good baselines)" if learned and learned.stale else ""


def check_learned_memory(target: Target) -> Iterator[Violation]:
    for container, baseline in _baselines(target):
        p99 = quantity(baseline.memory.p99)
        if p99 is None:
            continue
        for section in ("limits", "requests"):
            given = amounts(container, section).get("memory")
            value = quantity(given)
            if value is None or value >= p99:
                continue
            yield Violation(
                container.at("resources", section, "memory"),
                f"memory {section[:-1]} {given} is below the learned p99 working set "
                f"{baseline.memory.p99} (max {baseline.memory.max}, over "
                f"{target.learned.window if target.learned else '?'}){_stale(target)}: "
                + ("an OOM kill in waiting" if section == "limits" else "evicted first under "
                   "node memory pressure"),
                f"raise {section}.memory to at least {baseline.memory.p99} (dorgu recommend "
                "sizes it from the same history)",
                container=container.name,
            )  # fmt: skip
            break  # the limit finding says it all when both are low


def check_learned_cpu(target: Target) -> Iterator[Violation]:
    for container, baseline in _baselines(target):
        p95 = quantity(baseline.cpu.p95)
        given = amounts(container, "requests").get("cpu")
        value = quantity(given)
        if p95 is None or value is None or p95 == 0 or value >= p95 * CPU_FACTOR:
            continue
        yield Violation(
            container.at("resources", "requests", "cpu"),
            f"cpu request {given} is below half the learned p95 CPU usage {baseline.cpu.p95}"
            f"{_stale(target)}: the container is throttled or starves its neighbours",
            f"raise requests.cpu towards {baseline.cpu.p95}",
            container=container.name,
        )


RULES = (
    Rule("persona.learned-memory", Category.PERSONA, Severity.ERROR,
         "Memory requests and limits cover the learned p99 working set",
         "A limit below what the app has been seen to use is an OOM kill in waiting.",
         "Raise the memory request/limit to at least status.learned's memory.p99.",
         check_learned_memory),
    Rule("persona.learned-cpu", Category.PERSONA, Severity.WARNING,
         "CPU requests are at least half the learned p95 usage",
         "A request far below ordinary use is throttled and misleads the scheduler.",
         "Raise the CPU request towards status.learned's cpu.p95.", check_learned_cpu),
)  # fmt: skip
