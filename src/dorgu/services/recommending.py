"""`dorgu recommend`: workloads from the Kubernetes API, usage from Prometheus, sizes from a
``dorgu.learning.rightsizing`` strategy, cost from the price sheet.

Returns plain records (the JSON shape of docs/recommend.md) and the query statistics.  Nothing
is written here (see ``dorgu.services.patches``) and the cluster is never changed.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dorgu.clients.prometheus import PrometheusClient, check_url
from dorgu.errors import UsageError
from dorgu.learning.rightsizing import (
    STRATEGIES,
    ContainerHistory,
    HpaTarget,
    Limits,
    PodUsage,
    PriceSheet,
    Recommendation,
    Resources,
    cpu_quantity,
    finish,
    memory_quantity,
    monthly_cost,
    parse_quantity,
)
from dorgu.models.config import EffectiveSettings
from dorgu.services.usage import ContainerKey, Usage, UsageOptions, fetch_usage, planned_queries
from dorgu.services.workloads import Workload

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MIN_WINDOW_SECONDS = 3600.0
MAX_WINDOW_SECONDS = 400 * 86400.0
MIN_STEP_SECONDS, MAX_STEP_SECONDS = 60.0, 3600.0

Record = dict[str, object]


def parse_window(text: str) -> float:
    """``14d`` -> seconds; ``UsageError`` unless it is 1h..400d written as N[mhdw]."""
    match = re.fullmatch(r"([1-9][0-9]{0,5})([mhdw])", text.strip())
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if not MIN_WINDOW_SECONDS <= seconds <= MAX_WINDOW_SECONDS:
        raise UsageError(
            f"--history {text!r}: expected a duration from 1h to 400d",
            hint="for example --history 14d, 36h or 2w",
        )
    return float(seconds)


def parse_step(text: str) -> float:
    """``5m`` -> seconds; ``UsageError`` unless it is 1m..1h written as N[mh]."""
    match = re.fullmatch(r"([1-9][0-9]{0,3})([mh])", text.strip())
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if not MIN_STEP_SECONDS <= seconds <= MAX_STEP_SECONDS:
        raise UsageError(
            f"--step {text!r}: expected a resolution from 1m to 1h",
            hint="for example --step 1m, or --step 5m for a Prometheus keeping 5-minute samples",
        )
    return float(seconds)


def _secret_file(path: str, key: str) -> str:
    """The first line of a credentials file (a mounted token, a password file)."""
    location = Path(path).expanduser()
    try:
        text = location.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise UsageError(
            f"{key}: cannot read {location}: {reason}",
            hint=f"point {key} at a readable file holding the credential",
        ) from None
    secret = text.splitlines()[0].strip() if text else ""
    if not secret:
        raise UsageError(f"{key}: {location} is empty", hint="write the credential into it")
    return secret


def authorization(settings: EffectiveSettings) -> str | None:
    """The Authorization header value for Prometheus from the settings (None: none).  The
    credential comes from a file, so it never sits in a configuration file or a flag."""
    section = settings.prometheus
    if section.bearer_token_file and (section.username or section.password_file):
        raise UsageError(
            "prometheus.bearer_token_file and basic auth (prometheus.username) exclude each other",
            hint="keep one way of authenticating to Prometheus",
        )
    if section.bearer_token_file:
        token = _secret_file(section.bearer_token_file, "prometheus.bearer_token_file")
        if not re.fullmatch(r"[\x21-\x7e]+", token):  # what an HTTP header can carry
            raise UsageError(
                f"prometheus.bearer_token_file: {section.bearer_token_file} does not hold a "
                "token (spaces or characters outside printable ASCII)",
                hint="the file's first line must be the token alone",
            )
        return "Bearer " + token
    if section.username or section.password_file:
        if not (section.username and section.password_file):
            raise UsageError(
                "Prometheus basic auth needs both prometheus.username and prometheus.password_file"
            )
        password = _secret_file(section.password_file, "prometheus.password_file")
        pair = f"{section.username}:{password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return None


@dataclass(frozen=True)
class RecommendRequest:
    strategy: str
    window: str
    prometheus_url: str
    timeout_seconds: float = 30.0
    max_queries: int = 10_000
    cluster: str | None = None
    cluster_label: str = "cluster"
    prices: PriceSheet = field(default_factory=PriceSheet)
    limits: Limits = field(default_factory=Limits)
    end: float | None = None
    step: str = "1m"
    authorization: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(
        cls,
        settings: EffectiveSettings,
        *,
        strategy: str | None,
        window: str | None,
        prometheus_url: str | None,
        max_queries: int | None,
        step: str | None = None,
    ) -> RecommendRequest:
        url = prometheus_url or settings.prometheus.url
        if not url:
            raise UsageError(
                "no Prometheus URL",
                hint="pass --prometheus-url, export DORGU_PROMETHEUS_URL or set prometheus.url",
            )
        recommend = settings.recommend
        parse_window(window or recommend.history)
        parse_step(step or recommend.step)
        check_url(url)
        return cls(
            strategy=strategy or recommend.strategy.value,
            window=window or recommend.history,
            step=step or recommend.step,
            authorization=authorization(settings),
            prometheus_url=url,
            timeout_seconds=settings.prometheus.timeout_seconds,
            max_queries=max_queries or settings.prometheus.max_queries,
            cluster=settings.prometheus.cluster,
            cluster_label=settings.prometheus.cluster_label,
            prices=PriceSheet(settings.pricing.cpu_core_hour, settings.pricing.memory_gib_hour),
            limits=Limits(
                min_cpu=parse_quantity(recommend.min_cpu) or 0.0,
                min_memory=parse_quantity(recommend.min_memory) or 0.0,
            ),
        )


@dataclass(frozen=True)
class RecommendReport:
    records: list[Record]
    monthly_savings_usd: float
    containers: int
    queries_sent: int = 0
    retries: int = 0
    failed: int = 0
    batches: int = 0

    @property
    def queries_per_container(self) -> float:
        return self.queries_sent / self.containers if self.containers else 0.0


def _amounts(resources: Resources) -> dict[str, dict[str, str | None]]:
    return {
        "requests": {
            "cpu": cpu_quantity(resources.cpu_request),
            "memory": memory_quantity(resources.memory_request),
        },
        "limits": {
            "cpu": cpu_quantity(resources.cpu_limit),
            "memory": memory_quantity(resources.memory_limit),
        },
    }


def _history(
    workload: Workload, key: ContainerKey, current: Resources, usage: Usage, *,
    window_seconds: float, step_seconds: float,
) -> ContainerHistory:  # fmt: skip
    pods = tuple(sorted(usage.pods.get(key, {}).values(), key=lambda p: p.pod))
    hpas: list[HpaTarget] = [t for c, t in workload.hpas if c in (None, key[3])]
    return ContainerHistory(
        pods=pods,
        cpu_series=tuple(sorted(usage.cpu_series.get(key, []), key=lambda s: s.pod)),
        memory_series=tuple(sorted(usage.memory_series.get(key, []), key=lambda s: s.pod)),
        step_seconds=step_seconds,
        window_seconds=window_seconds,
        current=current,
        containers_per_pod=len(workload.containers),
        copies=max(len(workload.pods), workload.replicas),
        oom_killed_limit=workload.oom_limits.get(key[3]),
        hpas=tuple(hpas),
        partial=key in usage.partial,
    )


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _record(
    workload: Workload, container: str, history: ContainerHistory, done: Recommendation,
    request: RecommendRequest,
) -> Record:  # fmt: skip
    pods: Sequence[PodUsage] = history.pods
    running = history.points * history.step_seconds / history.window_seconds
    copies = running if history.points else float(workload.replicas)
    cpu_use = _mean([p.cpu_mean for p in pods])
    memory_use = _mean([p.memory_mean for p in pods])
    now, then = history.current, done.resources

    def cost(resources: Resources) -> float:
        return monthly_cost(
            cpu=resources.cpu_request, memory=resources.memory_request, pods=copies,
            prices=request.prices, cpu_usage=cpu_use, memory_usage=memory_use,
        )  # fmt: skip

    current_cost, recommended_cost = cost(now), cost(then)
    record: Record = {
        "namespace": workload.namespace,
        "kind": workload.kind,
        "name": workload.name,
        "container": container,
        "current": _amounts(now),
        "recommended": _amounts(then),
        "strategy": request.strategy,
        "window": request.window,
        "points": done.points,
        "confidence": done.confidence,
        "monthly_cost_usd": {
            "current": round(current_cost, 2),
            "recommended": round(recommended_cost, 2),
        },
        "monthly_savings_usd": round(current_cost - recommended_cost, 2),
        "reasons": list(done.reasons),
    }
    if done.bounds:
        show = {"cpu": cpu_quantity, "memory": memory_quantity}
        record["bounds"] = {
            resource: {"lower": show[resource](low), "upper": show[resource](high)}
            for resource, (low, high) in sorted(done.bounds.items())
        }
    return record


async def recommend(
    *,
    workloads: Sequence[Workload],
    request: RecommendRequest,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RecommendReport:
    """Recommendations for every container of ``workloads`` (sorted).  Raises
    ``PrometheusError`` (exit 6) when Prometheus cannot answer, ``UsageError`` when the scan
    would need more than ``max_queries`` queries."""
    strategy = STRATEGIES.get(request.strategy)
    if strategy is None:
        raise UsageError(
            f"unknown strategy {request.strategy!r}", hint="one of " + ", ".join(STRATEGIES)
        )
    window_seconds = parse_window(request.window)
    step_seconds = parse_step(request.step)
    containers = sum(len(w.containers) for w in workloads)
    if not containers:
        return RecommendReport([], 0.0, 0)
    planned = planned_queries(workloads)
    if planned > request.max_queries:
        raise UsageError(
            f"this scan needs {planned} Prometheus queries for {containers} container(s), "
            f"more than --max-queries {request.max_queries}",
            hint="narrow the scope (-n NAMESPACE, WORKLOAD) or raise --max-queries",
        )
    options = UsageOptions(
        window_seconds=window_seconds,
        end=request.end if request.end is not None else time.time(),
        step_seconds=step_seconds,
        rate_window_seconds=max(120.0, 2 * step_seconds),
        series=strategy.needs_series,
        cluster=request.cluster,
        cluster_label=request.cluster_label,
    )
    client = PrometheusClient(
        request.prometheus_url,
        timeout_seconds=request.timeout_seconds,
        max_queries=request.max_queries,
        transport=transport,
        authorization=request.authorization,
    )
    try:
        usage = await fetch_usage(client, workloads, options)
    finally:
        await client.aclose()
    records: list[Record] = []
    for workload in workloads:
        for spec in workload.containers:
            key = (workload.namespace, workload.kind, workload.name, spec.name)
            history = _history(
                workload, key, spec.current, usage,
                window_seconds=window_seconds, step_seconds=options.step_seconds,
            )  # fmt: skip
            done = finish(strategy, history, limits=request.limits)
            records.append(_record(workload, spec.name, history, done, request))
    records.sort(key=lambda r: (str(r["namespace"]), str(r["kind"]), str(r["name"]),
                                str(r["container"])))  # fmt: skip
    stats = client.stats
    logger.info(
        "sent %d Prometheus queries (%d retries, %d failed) in %d batch(es) for %d "
        "container(s): %.2f per container",
        stats.sent, stats.retries, stats.failed, usage.batches, containers,
        stats.sent / containers,
    )  # fmt: skip
    savings = round(sum(float(str(r["monthly_savings_usd"])) for r in records), 2)
    return RecommendReport(
        records, savings, containers, stats.sent, stats.retries, stats.failed, usage.batches
    )
