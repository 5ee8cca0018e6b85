"""Probe rules: long-running containers have readiness and liveness probes, the two are not
the same probe, and batch pods do not carry probes that mean nothing for them.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def _missing(target: Target, probe: str, why: str) -> Iterator[Violation]:
    if not target.workload.long_running:
        return
    for container in target.workload.app_containers:
        if not isinstance(container.data.get(probe), dict):
            yield Violation(
                container.at(probe),
                f"no {probe}: {why}",
                f"add a {probe} (httpGet on the app's health endpoint, else tcpSocket on its port)",
                container=container.name,
            )


def check_readiness(target: Target) -> Iterator[Violation]:
    yield from _missing(target, "readinessProbe", "traffic reaches the pod before it is ready")


def check_liveness(target: Target) -> Iterator[Violation]:
    yield from _missing(target, "livenessProbe", "a hung process is never restarted")


def check_identical(target: Target) -> Iterator[Violation]:
    for container in target.workload.app_containers:
        readiness = container.data.get("readinessProbe")
        liveness = container.data.get("livenessProbe")
        if isinstance(readiness, dict) and readiness == liveness:
            yield Violation(
                container.at("livenessProbe"),
                "the liveness probe is identical to the readiness probe: an overloaded pod is "
                "restarted instead of just taken out of rotation",
                "make liveness more tolerant (higher failureThreshold or periodSeconds) or "
                "point it at a cheaper endpoint",
                container=container.name,
            )


def check_batch_probes(target: Target) -> Iterator[Violation]:
    if target.workload.long_running:
        return
    for container in target.workload.app_containers:
        if isinstance(container.data.get("readinessProbe"), dict):
            yield Violation(
                container.at("readinessProbe"),
                f"a {target.workload.kind} receives no traffic, so its readinessProbe does nothing",
                "remove the readinessProbe",
                container=container.name,
            )


RULES = (
    Rule("reliability.readiness-probe", Category.RELIABILITY, Severity.WARNING,
         "Long-running containers have a readiness probe",
         "Without one, Services send requests to pods that are still starting or overloaded.",
         "Add a readinessProbe.", check_readiness),
    Rule("reliability.liveness-probe", Category.RELIABILITY, Severity.WARNING,
         "Long-running containers have a liveness probe",
         "Without one, a deadlocked process keeps its pod and never recovers.",
         "Add a livenessProbe.", check_liveness),
    Rule("reliability.identical-probes", Category.RELIABILITY, Severity.WARNING,
         "Liveness and readiness probes differ",
         "When both fail together, load spikes turn into restart storms.",
         "Give liveness a higher failureThreshold or a cheaper endpoint.", check_identical),
    Rule("reliability.batch-probes", Category.RELIABILITY, Severity.INFO,
         "Jobs and CronJobs carry no readiness probe",
         "Batch pods serve no traffic; probes are not required and readiness has no effect.",
         "Remove the readinessProbe.", check_batch_probes),
)  # fmt: skip
