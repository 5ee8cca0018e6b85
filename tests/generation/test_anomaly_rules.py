"""The anomaly rules of ``dorgu generate``: their shape, and with promtool, that they are valid
and fire on synthetic faults (step, spike, leak, CPU step) but not on steady or daily-cycling
series (``promtool test rules``, input_series notation, the ALERTS series it records)."""

from __future__ import annotations

import math
import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dorgu.generation import GenerationOptions, GenerationResult
from dorgu.generation.anomaly_rules import PLAIN_FILE, RULE_FILE, duration
from dorgu.models.app import Component, Endpoint, EndpointKind, Port
from dorgu.rules.schemas import validate_object
from dorgu.services.schemas import load_schema_bundle
from tests.generation.builders import generate, settings
from tests.judges import PROMTOOL, require

NAMESPACE = "prod"
POD = "shop-6d4cf56db6-x7k2p"  # a Deployment's pod: <name>-<hash>-<suffix>
MEMORY = (
    f'container_memory_working_set_bytes{{namespace="{NAMESPACE}", pod="{POD}", container="api"}}'
)
CPU = f'container_cpu_usage_seconds_total{{namespace="{NAMESPACE}", pod="{POD}", container="api"}}'


def _generate(*, metrics: bool = False, **options: object) -> GenerationResult:
    endpoints = [Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)] if metrics else []
    component = Component(name="api", ports=[Port(number=8080)], endpoints=endpoints)
    config = settings(namespace=NAMESPACE, app={"name": "shop", "team": "payments", "owner": "ana"})
    return generate(component, config=config, options=GenerationOptions(**options))  # type: ignore[arg-type]


def _document(result: GenerationResult, filename: str) -> dict[str, object]:
    document = next(d for d in result.documents if d.filename == filename)
    data = yaml.safe_load(document.text)
    assert isinstance(data, dict)
    return data


def _rules(result: GenerationResult) -> list[dict[str, object]]:
    data = _document(result, PLAIN_FILE)
    return [rule for group in data["groups"] for rule in group["rules"]]  # type: ignore[attr-defined]


# --- shape ------------------------------------------------------------------------------------


def test_both_files_hold_the_same_groups() -> None:
    result = _generate()
    rule = _document(result, RULE_FILE)
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["metadata"] == {
        "name": "shop-anomaly",
        "namespace": NAMESPACE,
        "labels": rule["metadata"]["labels"],  # type: ignore[index]
    }
    assert rule["spec"] == _document(result, PLAIN_FILE)


def test_signals_select_the_apps_containers_never_job_or_instance() -> None:
    signals = [
        r for r in _rules(_generate(metrics=True)) if r.get("record") == "dorgu_anomaly:signal"
    ]
    assert [s["labels"]["signal"] for s in signals] == [  # type: ignore[index]
        "cpu",
        "memory",
        "requests",
        "errors",
        "latency",
    ]
    for signal in signals:
        expr = str(signal["expr"])
        selectors = re.findall(r"\{([^}]*)\}", expr)
        assert selectors
        for selector in selectors:
            assert f'namespace="{NAMESPACE}"' in selector
            assert 'pod=~"shop-[a-z0-9]+-[a-z0-9]+"' in selector
            assert 'container="api"' in selector
        assert "job" not in expr and "instance" not in expr


def test_without_a_metrics_endpoint_only_resources_are_watched() -> None:
    alerts = [r["alert"] for r in _rules(_generate()) if "alert" in r]
    assert alerts == ["DorguCpuAnomaly", "DorguMemoryAnomaly"]


def test_alerts_carry_persona_team_owner_severity_and_a_band_summary() -> None:
    for rule in (r for r in _rules(_generate(metrics=True)) if "alert" in r):
        assert rule["labels"] == {
            "owner": "ana",
            "persona": "shop",
            "severity": "warning",
            "team": "payments",
        }
        assert rule["for"] == "3m"
        summary = str(rule["annotations"]["summary"])  # type: ignore[index]
        for metric in ("smoothed", "lower", "upper"):
            assert f"dorgu_anomaly:{metric}{{" in summary


def test_no_anomaly_rules_option_writes_none() -> None:
    result = _generate(anomaly_rules=False)
    assert not [d for d in result.documents if "anomaly" in d.filename]


def test_run_once_and_backing_components_get_no_rules() -> None:
    job = Component(name="migrate", run_once=True, command=("migrate",))
    result = generate(job)
    assert not [d for d in result.documents if "anomaly" in d.filename]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(60, "1m"), (60_000, "16h40m"), (86_400, "1d"), (86_400 * 7 - 600, "6d23h50m"), (0, "0s")],
)
def test_durations_are_prometheus_durations(seconds: int, text: str) -> None:
    assert duration(seconds) == text


# --- promtool ---------------------------------------------------------------------------------


def _promtool() -> Path:
    return require(PROMTOOL, "promtool")


def _write_rules(directory: Path, result: GenerationResult) -> Path:
    document = next(d for d in result.documents if d.filename == PLAIN_FILE)
    path = directory / "anomaly-rules.yaml"
    path.write_text(document.text, encoding="utf-8")
    return path


def test_generated_rules_pass_promtool_check(tmp_path: Path) -> None:
    result = _generate(metrics=True)
    path = _write_rules(tmp_path, result)
    done = subprocess.run(
        [str(_promtool()), "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_rules(result))} rules found" in done.stdout


Shape = Callable[[int], float]
FAULT_AT = 480  # minutes of normal history before a fault (the bars need 60 to warm up)
DETECT_WITHIN = 10  # minutes from a fault's start to a firing alert (3 smoothing + 3 for + lag)
LEAK_WITHIN = 30  # a leak of 1 % of the level per minute: 30 % after 30 minutes


def _noisy(level: float, *, seed: int) -> Shape:
    rng = random.Random(seed)
    noise = [rng.gauss(0, 1) for _ in range(4000)]
    return lambda minute: level * (1 + 0.03 * noise[minute])


def _values(shape: Shape, minutes: int) -> str:
    return " ".join(f"{shape(m):.6g}" for m in range(minutes))


def _counter(rate: Shape, minutes: int) -> str:
    """A counter's samples (cumulative seconds of CPU) for a per-second ``rate`` each minute."""
    total, values = 0.0, []
    for minute in range(minutes):
        total += 60 * rate(minute)
        values.append(f"{total:.6g}")
    return " ".join(values)


Inputs = list[tuple[str, str]]  # (series, values in input_series notation)


def _run_promtool_test(directory: Path, inputs: Inputs, tests: list[object]) -> None:
    rules = _write_rules(directory, _generate(metrics=True))
    unit = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": k, "values": v} for k, v in inputs],
                "promql_expr_test": tests,
            }
        ],
    }
    path = directory / "anomaly-rules.test.yaml"
    path.write_text(yaml.safe_dump(unit, width=1 << 20), encoding="utf-8")
    done = subprocess.run(
        [str(_promtool()), "test", "rules", path.name],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _firing(window: str) -> str:
    return f'count by (alertname) (max_over_time(ALERTS{{alertstate="firing"}}[{window}]))'


def _requests(error_share: Shape, minutes: int) -> Inputs:
    """Two request counters, 200s and 500s, 50 requests/s in all, ``error_share`` of them 5xx."""
    total = _noisy(50, seed=8)
    series = f'http_requests_total{{namespace="{NAMESPACE}", pod="{POD}", container="api", code='
    return [
        (series + '"200"}', _counter(lambda m: total(m) * (1 - error_share(m)), minutes)),
        (series + '"500"}', _counter(lambda m: total(m) * error_share(m), minutes)),
    ]


FAULTS: dict[str, tuple[Callable[[], Inputs], str, int]] = {
    "memory step": (
        lambda: [
            (
                MEMORY,
                _values(
                    lambda m: _noisy(200e6, seed=1)(m) + (80e6 if m >= FAULT_AT else 0),
                    FAULT_AT + 60,
                ),
            )
        ],
        "DorguMemoryAnomaly",
        DETECT_WITHIN,
    ),
    "memory spike": (
        lambda: [
            (
                MEMORY,
                _values(
                    lambda m: (
                        _noisy(200e6, seed=2)(m) + (200e6 if FAULT_AT <= m < FAULT_AT + 8 else 0)
                    ),
                    FAULT_AT + 60,
                ),
            )
        ],
        "DorguMemoryAnomaly",
        DETECT_WITHIN,
    ),
    "memory leak": (
        lambda: [
            (
                MEMORY,
                _values(
                    lambda m: _noisy(200e6, seed=3)(m) + 2e6 * max(0, m - FAULT_AT), FAULT_AT + 60
                ),
            )
        ],
        "DorguMemoryAnomaly",
        LEAK_WITHIN,
    ),
    "cpu step": (
        lambda: [
            (
                CPU,
                _counter(
                    lambda m: _noisy(0.25, seed=4)(m) * (2 if m >= FAULT_AT else 1), FAULT_AT + 60
                ),
            )
        ],
        "DorguCpuAnomaly",
        DETECT_WITHIN,
    ),
    "error rate x3": (
        lambda: _requests(
            lambda m: _noisy(0.01, seed=9)(m) * (3 if m >= FAULT_AT else 1), FAULT_AT + 60
        ),
        "DorguErrorRatioAnomaly",
        DETECT_WITHIN,
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_alert_fires_on_a_fault_and_not_before(tmp_path: Path, fault: str) -> None:
    inputs, alert, within = FAULTS[fault]
    _run_promtool_test(
        tmp_path,
        inputs(),
        [
            {"expr": _firing("1d"), "eval_time": f"{FAULT_AT - 1}m", "exp_samples": []},
            {
                "expr": _firing(f"{within}m"),
                "eval_time": f"{FAULT_AT + within}m",
                "exp_samples": [{"labels": f'{{alertname="{alert}"}}', "value": 1}],
            },
        ],
    )


QUIET: dict[str, tuple[Callable[[], Inputs], int]] = {
    "steady memory": (lambda: [(MEMORY, _values(_noisy(200e6, seed=5), 900))], 900),
    "steady cpu": (lambda: [(CPU, _counter(_noisy(0.25, seed=6), 900))], 900),
    "steady errors": (lambda: _requests(_noisy(0.01, seed=10), 900), 900),
    # the daily view takes over on the second day
    "daily cycle": (
        lambda: [
            (
                MEMORY,
                _values(
                    lambda m: _noisy(200e6, seed=7)(m) + 80e6 * math.sin(2 * math.pi * m / 1440),
                    2600,
                ),
            )
        ],
        2600,
    ),
}


@pytest.mark.parametrize("case", list(QUIET))
def test_alert_stays_silent_on_normal_series(tmp_path: Path, case: str) -> None:
    inputs, minutes = QUIET[case]
    _run_promtool_test(
        tmp_path,
        inputs(),
        [{"expr": _firing("3d"), "eval_time": f"{minutes - 1}m", "exp_samples": []}],
    )


def test_a_broken_daily_cycle_fires_through_the_daily_view(tmp_path: Path) -> None:
    """On day 2 the usual afternoon dip does not come: every value stays inside the range the
    global and local views know, only "same time yesterday" says it is wrong."""
    broken_at = 1440 + 720  # noon of day 2, where the level starts falling towards its trough
    noise = _noisy(200e6, seed=11)

    def level(minute: int) -> float:
        cycle = 80e6 * math.sin(2 * math.pi * minute / 1440)
        return noise(minute) + (0 if minute >= broken_at else cycle)

    _run_promtool_test(
        tmp_path,
        [(MEMORY, _values(level, broken_at + 120))],
        [
            {"expr": _firing("3d"), "eval_time": f"{broken_at - 1}m", "exp_samples": []},
            {
                "expr": _firing("2h"),
                "eval_time": f"{broken_at + 119}m",
                "exp_samples": [{"labels": '{alertname="DorguMemoryAnomaly"}', "value": 1}],
            },
        ],
    )


def test_every_golden_rules_file_passes_promtool_check() -> None:
    golden = Path(__file__).parent / "golden"
    files = sorted(golden.rglob("anomaly-rules.prometheus.yaml"))
    assert len(files) > 10
    done = subprocess.run(
        [str(_promtool()), "check", "rules", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("SUCCESS") == len(files)


def test_dorgu_validate_checks_the_prometheus_rule_against_its_schema() -> None:
    bundle = load_schema_bundle("1.37")
    rule = _document(_generate(metrics=True), RULE_FILE)
    assert validate_object(rule, bundle=bundle) == []
    rules = rule["spec"]["groups"][0]["rules"]  # type: ignore[index]
    rules[0]["recrod"] = rules[0].pop("record")
    del rules[-1]["expr"]
    found = {(f.rule_id, f.field) for f in validate_object(rule, bundle=bundle)}
    assert found == {
        ("schema.unknown-field", "spec.groups[0].rules[0].recrod"),
        ("schema.invalid", f"spec.groups[0].rules[{len(rules) - 1}]"),  # expr is required
    }
