"""Benchmark: the anomaly rules ``dorgu generate`` writes (docs/generation.md, "Exported rules"),
evaluated by ``promtool test rules`` (Prometheus 2.42 from the testbed cache) on synthetic
series, one sample and one rule evaluation a minute.

- ``anomaly_rules_false_alarms_week``: alerts fired in 7 days of memory with a daily cycle of
  +-40 % and 3 % noise; OK at <= 1 (issue 13's budget: one per workload per week);
- ``anomaly_rules_detection``: minutes from a fault's start to the first firing alert (the
  ``timestamp`` of ``ALERTS``) for a memory step, a CPU step, an error ratio x3, p99 latency
  +100 % and a memory leak of 1 % a minute, after 8 hours of normal history; OK when every
  fault fires within 5 evaluations (issue 13: within 5 scrape intervals).

Without promtool in the cache (``dorgu dev build``) the rows say so and are not OK.
"""

from __future__ import annotations

import math
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from dorgu.devcluster import building, locations
from dorgu.errors import DorguError
from dorgu.generation import ComponentInput, GenerationRequest, generate_manifests
from dorgu.generation.anomaly_rules import PLAIN_FILE
from dorgu.models.app import AppModel, Component, Endpoint, EndpointKind, Port
from dorgu.models.config import EffectiveSettings
from dorgu.settings import sanitize_name

NAMESPACE = "prod"
LABELS = f'namespace="{NAMESPACE}", pod="shop-6d4cf56db6-x7k2p", container="api"'
FAULT_AT = 480
AFTER = 60
WEEK = 7 * 1440
Shape = Callable[[int], float]


def _rules_text() -> str:
    component = Component(
        name="api",
        ports=[Port(number=8080)],
        endpoints=[Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)],
    )
    settings = EffectiveSettings.model_validate({"namespace": NAMESPACE, "app": {"name": "shop"}})
    request = GenerationRequest(
        model=AppModel(name="shop", root=".", components=[component]),
        settings=settings,
        components=(ComponentInput(component=component, name="shop", service_name="shop"),),
        app_name="shop",
        sanitize_name=sanitize_name,
    )
    result = generate_manifests(request)
    return next(d.text for d in result.documents if d.filename == PLAIN_FILE)


def _noisy(level: float, seed: int, minutes: int) -> Shape:
    rng = random.Random(seed)
    noise = [rng.gauss(0, 1) for _ in range(minutes)]
    return lambda m: level * (1 + 0.03 * noise[m])


def _gauge(shape: Shape, minutes: int) -> str:
    return " ".join(f"{shape(m):.6g}" for m in range(minutes))


def _counter(rate: Shape, minutes: int) -> str:
    total, values = 0.0, []
    for m in range(minutes):
        total += 60 * rate(m)
        values.append(f"{total:.6g}")
    return " ".join(values)


def _latency(p99: Shape, minutes: int) -> list[tuple[str, str]]:
    """Histogram counters with 10 requests/s whose p99 follows ``p99`` (uniform in 0..p99/0.99)."""
    bounds = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
    series = []
    for bound in (*bounds, math.inf):
        le = "+Inf" if bound == math.inf else f"{bound:g}"

        def share(m: int, bound: float = bound) -> float:
            return 10 * min(1.0, bound * 0.99 / p99(m))

        series.append((f'http_request_duration_seconds_bucket{{{LABELS}, le="{le}"}}', share))
    return [(name, _counter(rate, minutes)) for name, rate in series]


def _requests(error_share: Shape, minutes: int) -> list[tuple[str, str]]:
    total = _noisy(50, 8, minutes)
    name = f"http_requests_total{{{LABELS}, code="
    return [
        (name + '"200"}', _counter(lambda m: total(m) * (1 - error_share(m)), minutes)),
        (name + '"500"}', _counter(lambda m: total(m) * error_share(m), minutes)),
    ]


FIRST = 'min(min_over_time(timestamp(ALERTS{alertstate="firing"})[8d:1m])) / 60'
STARTS = (
    'sum(count_over_time((ALERTS{alertstate="firing"} '
    'unless ALERTS{alertstate="firing"} offset 1m)[8d:1m]))'
)


def _query(promtool: Path, rules: str, inputs: list[tuple[str, str]], at: int, expr: str) -> float:
    """The single value of ``expr`` at minute ``at`` (``nan`` when it has none)."""
    with tempfile.TemporaryDirectory(prefix="dorgu-bench-rules-") as root:
        directory = Path(root)
        (directory / "rules.yaml").write_text(rules, encoding="utf-8")
        unit = {
            "rule_files": ["rules.yaml"],
            "evaluation_interval": "1m",
            "tests": [
                {
                    "interval": "1m",
                    "input_series": [{"series": k, "values": v} for k, v in inputs],
                    "promql_expr_test": [{"expr": expr, "eval_time": f"{at}m", "exp_samples": []}],
                }
            ],
        }
        (directory / "unit.yaml").write_text(yaml.safe_dump(unit, width=1 << 20), "utf-8")
        done = subprocess.run(
            [str(promtool), "test", "rules", "unit.yaml"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode == 0:
        return math.nan  # the expected empty result: nothing fired
    found = re.search(r"got: \{\} ([0-9.eE+-]+)", done.stdout + done.stderr)
    if found is None:
        raise RuntimeError(f"promtool failed: {done.stdout[-500:]}{done.stderr[-500:]}")
    return float(found.group(1))


def _faults(minutes: int) -> dict[str, list[tuple[str, str]]]:
    after = FAULT_AT
    memory = f"container_memory_working_set_bytes{{{LABELS}}}"
    cpu = f"container_cpu_usage_seconds_total{{{LABELS}}}"
    base = _noisy(200e6, 1, minutes)
    cores = _noisy(0.25, 4, minutes)
    errors = _noisy(0.01, 9, minutes)
    p99 = _noisy(0.3, 12, minutes)
    return {
        "memory_step": [(memory, _gauge(lambda m: base(m) + (80e6 if m >= after else 0), minutes))],
        "cpu_step": [(cpu, _counter(lambda m: cores(m) * (2 if m >= after else 1), minutes))],
        "errors_x3": _requests(lambda m: errors(m) * (3 if m >= after else 1), minutes),
        "latency_x2": _latency(lambda m: p99(m) * (2 if m >= after else 1), minutes),
        "memory_leak": [
            (memory, _gauge(lambda m: base(m) + 2e6 * max(0, m - after), minutes)),
        ],
    }


def run() -> list[dict[str, object]]:
    try:
        binaries = building.find_binaries(env=locations.current_env())
        promtool = binaries.path("promtool") if binaries else None
    except DorguError as error:
        return [{"name": "anomaly_rules", "ok": False, "error": str(error)}]
    if promtool is None:
        return [{"name": "anomaly_rules", "ok": False, "error": "no promtool: dorgu dev build"}]
    rules = _rules_text()
    start = time.perf_counter()
    rng = random.Random(21)
    week = _gauge(
        lambda m: 200e6 * (1 + 0.03 * rng.gauss(0, 1)) + 80e6 * math.sin(2 * math.pi * m / 1440),
        WEEK,
    )
    memory = f"container_memory_working_set_bytes{{{LABELS}}}"
    starts = _query(promtool, rules, [(memory, week)], WEEK - 1, STARTS)
    fired = 0 if math.isnan(starts) else int(starts)
    rows: list[dict[str, object]] = [
        {
            "name": "anomaly_rules_false_alarms_week",
            "ok": fired <= 1,
            "alerts": fired,
            "seconds": round(time.perf_counter() - start, 1),
        }
    ]
    minutes = FAULT_AT + AFTER
    delays: dict[str, float | None] = {}
    start = time.perf_counter()
    for name, inputs in _faults(minutes).items():
        at = _query(promtool, rules, inputs, minutes - 1, FIRST)
        delays[name] = None if math.isnan(at) else round(at - FAULT_AT, 1)
    rows.append(
        {
            "name": "anomaly_rules_detection",
            "ok": all(d is not None and 0 <= d <= 5 for d in delays.values()),
            "delay_min": delays,
            "seconds": round(time.perf_counter() - start, 1),
        }
    )
    return rows
