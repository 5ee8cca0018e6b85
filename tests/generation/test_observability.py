"""The observability files of ``dorgu generate``: monitors, SLO burn-rate rules with their
promtool unit tests, and health alerts.  With promtool: every rule file is valid, the generated
unit tests pass (each burn-rate alert fires on a fast burn, stays silent on a healthy series and
on a slow burn below its threshold), and they fail when an alert is weakened."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from dorgu.generation import GenerationOptions, GenerationResult
from dorgu.generation.observability import (
    HEALTH_PLAIN_FILE,
    HEALTH_RULE_FILE,
    SLO_PLAIN_FILE,
    SLO_RULE_FILE,
    SLO_TEST_FILE,
)
from dorgu.models.app import Component, Endpoint, EndpointKind, Port, Volume, VolumeKind
from dorgu.rules import evaluate
from dorgu.rules.observability import promql_error
from dorgu.rules.schemas import validate_objects
from dorgu.services.schemas import load_schema_bundle
from tests.generation.builders import generate, settings
from tests.judges import PROMTOOL, require

NAMESPACE = "prod"
APP = {"name": "shop", "team": "payments", "owner": "ana", "runbook": "https://rb.example/shop"}


ROUTING_AND_DASHBOARD = (
    "monitoring/alertmanager-route.yaml",
    "monitoring/alertmanagerconfig.yaml",
    "monitoring/shop-dashboard.configmap.yaml",
    "monitoring/shop-dashboard.json",
)


def _component(*, metrics: bool = True, framework: str | None = None, **extra: object) -> Component:
    endpoints = [Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)] if metrics else []
    return Component(
        name="api", ports=[Port(number=8080)], endpoints=endpoints, framework=framework, **extra
    )


def _generate(
    component: Component | None = None,
    *,
    obs: dict[str, object] | None = None,
    **options: object,
) -> GenerationResult:
    config = settings(namespace=NAMESPACE, app=dict(APP), observability=obs or {})
    return generate(
        component or _component(),
        config=config,
        options=GenerationOptions(**options),  # type: ignore[arg-type]
    )


def _files(result: GenerationResult) -> dict[str, str]:
    return {
        d.filename: d.text
        for d in result.documents
        if d.filename.startswith("monitoring/") and "anomaly" not in d.filename
    }


def _load(result: GenerationResult, name: str) -> dict[str, object]:
    data = yaml.safe_load(_files(result)[name])
    assert isinstance(data, dict)
    return data


def _rules(data: dict[str, object]) -> list[dict[str, object]]:
    return [rule for group in data["groups"] for rule in group["rules"]]  # type: ignore[attr-defined]


# --- shape ------------------------------------------------------------------------------------


def test_with_metrics_every_file_is_written() -> None:
    assert sorted(_files(_generate())) == sorted(
        [
            HEALTH_PLAIN_FILE,
            HEALTH_RULE_FILE,
            SLO_PLAIN_FILE,
            SLO_TEST_FILE,
            SLO_RULE_FILE,
            "monitoring/servicemonitor.yaml",
            *ROUTING_AND_DASHBOARD,
        ]
    )


def test_without_metrics_only_health_alerts_come() -> None:
    result = _generate(_component(metrics=False))
    assert sorted(_files(result)) == sorted(
        [HEALTH_PLAIN_FILE, HEALTH_RULE_FILE, *ROUTING_AND_DASHBOARD]
    )
    alerts = [r["alert"] for r in _rules(_load(result, HEALTH_PLAIN_FILE))]
    assert alerts == [
        "DorguPodCrashLooping",
        "DorguContainerOOMKilled",
        "DorguMemoryNearLimit",
        "DorguReplicasUnavailable",
        "DorguAutoscalerAtMax",
    ]


def test_no_observability_writes_nothing_and_jobs_get_nothing() -> None:
    assert _files(_generate(observability=False)) == {}
    job = Component(name="migrate", run_once=True, command=("migrate",))
    assert _files(generate(job)) == {}


def test_the_service_monitor_scrapes_the_found_endpoint_with_the_release_label() -> None:
    result = _generate(obs={"release": "monitoring", "labels": {"team": "x"}})
    monitor = _load(result, "monitoring/servicemonitor.yaml")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["kind"] == "ServiceMonitor"
    labels = monitor["metadata"]["labels"]  # type: ignore[index]
    assert labels["release"] == "monitoring" and labels["team"] == "x"
    assert monitor["spec"] == {
        "selector": {
            "matchLabels": {"app.kubernetes.io/instance": "shop", "app.kubernetes.io/name": "shop"}
        },
        "namespaceSelector": {"matchNames": [NAMESPACE]},
        "endpoints": [{"port": "http", "path": "/metrics", "scheme": "http"}],
    }


def test_an_empty_release_leaves_the_label_out() -> None:
    monitor = _load(_generate(obs={"release": None}), "monitoring/servicemonitor.yaml")
    assert "release" not in monitor["metadata"]["labels"]  # type: ignore[index]


def test_a_statefulset_gets_a_pod_monitor_not_two_scrapes_per_pod() -> None:
    component = _component(volumes=[Volume(kind=VolumeKind.NAMED, source="data", target="/data")])
    result = _generate(component)
    files = _files(result)
    assert "monitoring/servicemonitor.yaml" not in files
    assert any(r.kind == "StatefulSet" for r in result.resources)
    monitor = _load(result, "monitoring/podmonitor.yaml")
    assert monitor["spec"]["podMetricsEndpoints"] == [  # type: ignore[index]
        {"port": "http", "path": "/metrics", "scheme": "http"}
    ]
    alerts = {r["alert"]: r["expr"] for r in _rules(_load(result, HEALTH_PLAIN_FILE))}
    assert 'persistentvolumeclaim=~"data-shop-[0-9]+"' in str(alerts["DorguVolumeFillingUp"])
    assert "kube_statefulset_status_replicas_ready" in str(alerts["DorguReplicasUnavailable"])


def test_slo_rules_record_every_window_and_the_budget() -> None:
    rules = _rules(_load(_generate(), SLO_PLAIN_FILE))
    records = [(r["record"], r["labels"]["slo"]) for r in rules if "record" in r]  # type: ignore[index]
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    for slo in ("availability", "latency"):
        got = [name for name, s in records if s == slo]
        assert got == [f"dorgu_slo:sli_error:ratio_rate{w}" for w in windows] + [
            "dorgu_slo:objective:ratio",
            "dorgu_slo:error_budget:remaining",
        ]
    budget = next(r for r in rules if r.get("record") == "dorgu_slo:error_budget:remaining")
    assert str(budget["expr"]).endswith("/ 0.001")


def test_burn_alerts_follow_the_sre_workbook_and_carry_owner_team_runbook_severity() -> None:
    rules = _rules(_load(_generate(), SLO_PLAIN_FILE))
    alerts = {r["alert"]: r for r in rules if "alert" in r}
    page, ticket = (
        alerts["DorguAvailabilityBurnRatePage"],
        alerts["DorguAvailabilityBurnRateTicket"],
    )
    pairs = lambda expr: re.findall(r"ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* 0.001\)", expr)  # noqa: E731
    assert pairs(page["expr"]) == [("1h", "14.4"), ("5m", "14.4"), ("6h", "6"), ("30m", "6")]
    assert pairs(ticket["expr"]) == [("1d", "3"), ("2h", "3"), ("3d", "1"), ("6h", "1")]
    assert page["labels"] == {
        "owner": "ana",
        "persona": "shop",
        "runbook": "https://rb.example/shop",
        "severity": "critical",
        "team": "payments",
    }
    assert ticket["labels"]["severity"] == "warning"  # type: ignore[index]
    assert page["annotations"]["runbook_url"] == "https://rb.example/shop"  # type: ignore[index]


def test_selectors_use_the_apps_pods_never_job_or_instance() -> None:
    for name in (SLO_PLAIN_FILE, HEALTH_PLAIN_FILE):
        for rule in _rules(_load(_generate(), name)):
            expr = str(rule["expr"])
            assert "job=" not in expr and "instance=" not in expr
            for selector in re.findall(r"\{([^}]*)\}", expr):
                assert f'namespace="{NAMESPACE}"' in selector, expr


def test_framework_metric_names_and_overrides() -> None:
    spring = _rules(_load(_generate(_component(framework="spring-boot")), SLO_PLAIN_FILE))
    first = str(spring[0]["expr"])
    assert "http_server_requests_seconds_count{" in first and 'status=~"5.."' in first
    custom = _generate(
        obs={
            "requests_metric": "app_requests_total",
            "errors_selector": 'outcome="SERVER_ERROR"',
            "latency_histogram": "app_latency_seconds",
        }
    )
    exprs = " ".join(str(r["expr"]) for r in _rules(_load(custom, SLO_PLAIN_FILE)))
    assert (
        'app_requests_total{namespace="prod", pod=~"shop-[a-z0-9]+-[a-z0-9]+", container="api", outcome="SERVER_ERROR"}'
        in exprs
    )
    assert "app_latency_seconds_bucket{" in exprs and "app_latency_seconds_count{" in exprs
    unit = yaml.safe_load(_files(custom)[SLO_TEST_FILE])
    series = [s["series"] for s in unit["tests"][0]["input_series"]]
    assert any('outcome="SERVER_ERROR"' in s for s in series)


def test_an_errors_selector_without_synthetic_series_leaves_that_slo_untested() -> None:
    result = _generate(obs={"errors_selector": 'code=~"5..", method="GET"'})
    assert any(d.code == "generate.slo-untested" for d in result.diagnostics)
    unit = yaml.safe_load(_files(result)[SLO_TEST_FILE])
    names = {c["alertname"] for t in unit["tests"] for c in t["alert_rule_test"]}
    assert names == {"DorguLatencyBurnRatePage", "DorguLatencyBurnRateTicket"}


def test_whole_second_latency_thresholds_match_both_le_spellings() -> None:
    web = _generate(
        obs={"slos": [{"name": "fast", "indicator": "latency", "objective": 95, "threshold": "1s"}]}
    )
    first = str(_rules(_load(web, SLO_PLAIN_FILE))[0]["expr"])
    assert 'le=~"1|1.0"' in first


def test_generated_objects_pass_dorgus_own_rules_and_schemas() -> None:
    result = _generate()
    objects = [
        yaml.safe_load(text)
        for name, text in _files(result).items()
        if not name.endswith((".prometheus.yaml", ".test.yaml", ".json", "alertmanager-route.yaml"))
    ]
    objects += [r.manifest for r in result.resources]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    found = [f.finding for f in evaluate(objects, now=now)]
    assert [f for f in found if (f.rule_id or "").startswith("observability.")] == []
    schema = [f.finding for f in validate_objects(objects, bundle=load_schema_bundle("1.37"))]
    assert schema == []


def test_the_output_is_deterministic() -> None:
    assert _files(_generate()) == _files(_generate())


# --- promtool ---------------------------------------------------------------------------------


def _promtool() -> Path:
    return require(PROMTOOL, "promtool")


def _write(directory: Path, result: GenerationResult) -> None:
    for name, text in _files(result).items():
        (directory / Path(name).name).write_text(text, encoding="utf-8")


def _run(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_promtool()), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.parametrize("metrics", [True, False])
def test_every_rule_file_passes_promtool_check(tmp_path: Path, metrics: bool) -> None:
    result = _generate(_component(metrics=metrics))
    _write(tmp_path, result)
    for name in ("slo-rules.prometheus.yaml", "health-rules.prometheus.yaml"):
        path = tmp_path / name
        if not path.exists():
            continue
        done = _run(tmp_path, "check", "rules", name)
        assert done.returncode == 0, done.stdout + done.stderr
        count = len(_rules(yaml.safe_load(path.read_text())))
        assert f"SUCCESS: {count} rules found" in done.stdout


def test_the_generated_unit_tests_pass(tmp_path: Path) -> None:
    _write(tmp_path, _generate())
    done = _run(tmp_path, "test", "rules", "slo-rules.test.yaml")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "SUCCESS" in done.stdout


def _only(tmp_path: Path, *, keep: str, edit: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the scenarios whose name contains ``keep`` against rules with ``edit`` applied."""
    _write(tmp_path, _generate())
    unit = yaml.safe_load((tmp_path / "slo-rules.test.yaml").read_text())
    unit["tests"] = [t for t in unit["tests"] if keep in t["name"]]
    assert unit["tests"]
    (tmp_path / "slo-rules.test.yaml").write_text(yaml.safe_dump(unit, width=1 << 20))
    rules = tmp_path / "slo-rules.prometheus.yaml"
    text = rules.read_text()
    assert edit[0] in text
    rules.write_text(text.replace(edit[0], edit[1]))
    return _run(tmp_path, "test", "rules", "slo-rules.test.yaml")


def test_the_unit_tests_catch_a_page_alert_that_no_longer_fires(tmp_path: Path) -> None:
    done = _only(tmp_path, keep="fast burn", edit=("(14.4 * ", "(40 * "))
    assert done.returncode != 0
    assert "DorguAvailabilityBurnRatePage" in done.stdout + done.stderr


def test_the_unit_tests_catch_a_ticket_alert_that_fires_on_a_slow_burn(tmp_path: Path) -> None:
    done = _only(tmp_path, keep="below the ticket", edit=("(1 * ", "(0.5 * "))
    assert done.returncode != 0
    assert "DorguAvailabilityBurnRateTicket" in done.stdout + done.stderr


HEALTH_POD = 'namespace="prod", pod="shop-6d4cf56db6-x7k2p", container="api"'


def test_health_alerts_fire_on_crash_loops_oom_kills_and_missing_replicas(tmp_path: Path) -> None:
    _write(tmp_path, _generate())
    waiting = f'kube_pod_container_status_waiting_reason{{{HEALTH_POD}, reason="CrashLoopBackOff"}}'
    restarts = f"kube_pod_container_status_restarts_total{{{HEALTH_POD}}}"
    oom = f'kube_pod_container_status_last_terminated_reason{{{HEALTH_POD}, reason="OOMKilled"}}'
    deployment = 'namespace="prod", deployment="shop"'
    unit = {
        "rule_files": ["health-rules.prometheus.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": waiting, "values": "0x10 1x30"},
                    {"series": restarts, "values": "0x10 1x30"},
                    {"series": oom, "values": "0x10 1x30"},
                    {
                        "series": f"kube_deployment_status_replicas_available{{{deployment}}}",
                        "values": "2x10 1x30",
                    },
                    {"series": f"kube_deployment_spec_replicas{{{deployment}}}", "values": "2x40"},
                ],
                "promql_expr_test": [
                    {
                        "expr": 'count by (alertname) (ALERTS{alertstate="firing"})',
                        "eval_time": "9m",
                        "exp_samples": [],
                    },
                    {
                        "expr": 'count by (alertname) (ALERTS{alertstate="firing"})',
                        "eval_time": "15m",
                        "exp_samples": [
                            {"labels": '{alertname="DorguContainerOOMKilled"}', "value": 1},
                        ],
                    },
                    {
                        "expr": 'count by (alertname) (ALERTS{alertstate="firing"})',
                        "eval_time": "30m",
                        "exp_samples": [
                            {"labels": '{alertname="DorguPodCrashLooping"}', "value": 1},
                            {"labels": '{alertname="DorguReplicasUnavailable"}', "value": 1},
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "health.test.yaml").write_text(yaml.safe_dump(unit, width=1 << 20))
    done = _run(tmp_path, "test", "rules", "health.test.yaml")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


# --- persona and properties ---------------------------------------------------------------------


def _persona_slos(result: GenerationResult) -> object:
    text = next(d.text for d in result.documents if d.filename.endswith("applicationpersona.yaml"))
    return yaml.safe_load(text)["spec"].get("slos")


def test_the_persona_states_the_slos_the_rules_enforce() -> None:
    assert _persona_slos(_generate()) == [
        {"name": "availability", "indicator": "availability", "objective": 99.9, "window": "30d"},
        {
            "name": "latency",
            "indicator": "latency",
            "objective": 99.0,
            "window": "30d",
            "threshold": "500ms",
        },
    ]
    worker = Component(name="api", command=("python", "work.py"))
    assert _persona_slos(_generate(worker)) is None
    assert _persona_slos(_generate(obs={"slos": []})) is None
    assert _files(_generate(obs={"slos": []})).keys() == {
        HEALTH_PLAIN_FILE,
        HEALTH_RULE_FILE,
        "monitoring/servicemonitor.yaml",
        *ROUTING_AND_DASHBOARD,
    }


_names = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


@settings_(max_examples=40, deadline=None)
@given(
    objective=st.floats(min_value=50, max_value=99.999, allow_nan=False),
    threshold=st.integers(min_value=1, max_value=20_000),
    window=st.sampled_from(["1d", "7d", "28d", "30d", "4w", "90d"]),
    requests=_names,
    histogram=_names,
    label=_names,
)
def test_every_generated_expression_is_valid_promql(
    objective: float, threshold: int, window: str, requests: str, histogram: str, label: str
) -> None:
    slos = [
        {
            "name": "availability",
            "indicator": "availability",
            "objective": objective,
            "window": window,
        },
        {
            "name": "latency",
            "indicator": "latency",
            "objective": objective,
            "threshold": f"{threshold}ms",
        },
    ]
    result = _generate(
        obs={
            "slos": slos,
            "requests_metric": requests,
            "latency_histogram": histogram,
            "errors_selector": f'{label}=~"5.."',
        }
    )
    for name in (SLO_PLAIN_FILE, HEALTH_PLAIN_FILE):
        for rule in _rules(_load(result, name)):
            assert promql_error(str(rule["expr"])) is None, rule["expr"]
