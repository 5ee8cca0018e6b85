"""Grafana dashboards and Alertmanager routing of ``dorgu generate`` (docs/observability.md):
the panels, the SDK's dashboard model, PromQL validity (promql-parser and promtool), that
every query reads a generated recording rule, an SLO input series or a documented exporter
series, and the routing's matchers against the generated alerts' labels."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import promql_parser
import pytest
import yaml

from dorgu.generation import GenerationOptions, GenerationResult
from dorgu.generation.dashboards import EXPORTER_SERIES
from dorgu.models.app import (
    Component,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    Port,
)
from dorgu.rules import evaluate
from dorgu.rules.observability import promql_error
from dorgu.rules.schemas import validate_objects
from dorgu.services.schemas import load_schema_bundle
from tests.generation.builders import generate, settings
from tests.judges import PROMTOOL, require

NAMESPACE = "prod"
APP = {"name": "shop", "team": "payments", "owner": "ana", "runbook": "https://rb.example/shop"}
METRICS = [Endpoint(kind=EndpointKind.METRICS, path="/metrics", port=8080)]


def _component(name: str = "api", *, metrics: bool = True, **extra: object) -> Component:
    return Component(
        name=name, ports=[Port(number=8080)], endpoints=METRICS if metrics else [], **extra
    )


def _generate(
    *components: Component, obs: dict[str, object] | None = None, **options: object
) -> GenerationResult:
    config = settings(namespace=NAMESPACE, app=dict(APP), observability=obs or {})
    return generate(
        *(components or (_component(),)),
        config=config,
        options=GenerationOptions(**options),  # type: ignore[arg-type]
    )


def _docs(result: GenerationResult) -> dict[tuple[str | None, str], str]:
    return {(d.component, d.filename): d.text for d in result.documents}


def _dashboards(result: GenerationResult) -> dict[tuple[str | None, str], dict[str, object]]:
    return {
        key: json.loads(text) for key, text in _docs(result).items() if key[1].endswith(".json")
    }


def _one(result: GenerationResult) -> dict[str, object]:
    boards = list(_dashboards(result).values())
    assert len(boards) == 1
    return boards[0]


def _panels(board: dict[str, object]) -> list[dict[str, object]]:
    return list(board["panels"])  # type: ignore[call-overload]


def _titles(board: dict[str, object], kind: str | None = None) -> list[str]:
    return [str(p["title"]) for p in _panels(board) if kind is None or p["type"] == kind]


def _queries(board: dict[str, object]) -> list[str]:
    found = [str(t["expr"]) for p in _panels(board) for t in p.get("targets", [])]  # type: ignore[attr-defined]
    annotations = board["annotations"]["list"]  # type: ignore[index]
    return found + [str(a["expr"]) for a in annotations if "expr" in a]


def _records(result: GenerationResult) -> set[str]:
    records: set[str] = set()
    for (_, name), text in _docs(result).items():
        if name.endswith(".prometheus.yaml"):
            for group in yaml.safe_load(text)["groups"]:
                records |= {r["record"] for r in group["rules"] if "record" in r}
    return records


def _metric_names(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


# --- panels ------------------------------------------------------------------------------------


def test_an_instrumented_app_gets_golden_signals_slos_resources_and_rollouts() -> None:
    board = _one(_generate())
    assert _titles(board, "row") == ["Golden signals", "SLOs", "Resources"]
    assert _titles(board, "timeseries")[:3] == ["Request rate", "Errors", "Latency"]
    assert "availability: error budget left" in _titles(board, "stat")
    assert "latency: burn rate" in _titles(board, "timeseries")
    assert "CPU against requests and limits" in _titles(board)
    latency = next(p for p in _panels(board) if p["title"] == "Latency")
    legends = [t["legendFormat"] for t in latency["targets"]]  # type: ignore[attr-defined]
    assert legends == ["p50", "p95", "p99"]
    annotation = board["annotations"]["list"][0]  # type: ignore[index]
    assert annotation["expr"] == (
        'changes(kube_deployment_status_observed_generation{namespace="prod", '
        'deployment="shop"}[5m]) > 0'
    )
    cpu = next(p for p in _panels(board) if p["title"].startswith("CPU"))  # type: ignore[attr-defined]
    exprs = [t["expr"] for t in cpu["targets"]]  # type: ignore[attr-defined]
    assert any("kube_pod_container_resource_requests" in e and 'resource="cpu"' in e for e in exprs)
    assert any("kube_pod_container_resource_limits" in e for e in exprs)


def test_golden_signals_read_the_same_series_as_the_slos_and_follow_overrides() -> None:
    board = _one(
        _generate(
            obs={
                "requests_metric": "app_requests_total",
                "errors_selector": 'outcome="error"',
                "latency_histogram": "app_latency_seconds",
            }
        )
    )
    queries = " ".join(_queries(board))
    assert 'app_requests_total{namespace="prod", pod=~"shop-[a-z0-9]+-[a-z0-9]+", ' in queries
    assert 'outcome="error"' in queries
    assert "app_latency_seconds_bucket" in queries
    assert "http_requests_total" not in queries
    assert "job=" not in queries and "instance=" not in queries


def test_without_metrics_only_resources_and_a_note_on_instrumenting() -> None:
    board = _one(_generate(_component(metrics=False)))
    assert _titles(board, "row") == ["Instrumentation", "Resources"]
    note = next(p for p in _panels(board) if p["type"] == "text")
    assert "would add" in str(note["options"])
    names = set().union(*(_metric_names(q) for q in _queries(board)))
    assert names <= EXPORTER_SERIES


def test_slos_come_from_settings_and_none_means_no_slo_row() -> None:
    board = _one(_generate(obs={"slos": []}))
    assert "SLOs" not in _titles(board, "row")
    custom = {"name": "checkout", "indicator": "availability", "objective": 99.5, "window": "28d"}
    board = _one(_generate(obs={"slos": [custom]}))
    assert "checkout: good over 28d" in _titles(board, "stat")
    assert any("dorgu_slo:sli_error:ratio_rate28d" in q for q in _queries(board))


def test_uid_ids_and_output_are_stable() -> None:
    first, second = _generate(), _generate()
    assert _docs(first) == _docs(second)
    board = _one(first)
    ids = [p["id"] for p in _panels(board)]
    assert ids == list(range(1, len(ids) + 1))
    assert board["uid"] == "dorgu-shop-" + str(board["uid"]).rsplit("-", 1)[1]
    assert len(str(board["uid"])) <= 40
    other = _one(generate(_component(), config=settings(namespace="dev", app=dict(APP))))
    assert other["uid"] != board["uid"]


# --- schema, PromQL, series --------------------------------------------------------------------


def _sdk_round_trip(board: dict[str, object]) -> dict[str, object]:
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import Dashboard

    return json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))  # type: ignore[no-any-return]


def _cases() -> list[GenerationResult]:
    db = Dependency(name="orders", type=DependencyType.SERVICE, component="orders")
    return [
        _generate(),
        _generate(_component(metrics=False)),
        _generate(_component(dependencies=[db]), _component("orders")),
    ]


def test_every_dashboard_is_grafana_schema_41_and_survives_the_sdk_model() -> None:
    for result in _cases():
        for board in _dashboards(result).values():
            assert board["schemaVersion"] == 41
            # the model drops what the schema does not know: equal means nothing unknown
            assert _sdk_round_trip(board) == board


def test_the_sdk_model_catches_a_field_the_schema_does_not_know() -> None:
    board = _one(_generate())
    _panels(board)[1]["fillopacity"] = 10
    assert _sdk_round_trip(board) != board


def test_every_query_parses_and_reads_only_known_series() -> None:
    for result in _cases():
        known = _records(result) | EXPORTER_SERIES
        known |= {"http_requests_total", "http_request_duration_seconds_bucket"}
        for board in _dashboards(result).values():
            for query in _queries(board):
                assert promql_error(query) is None, query
                unknown = _metric_names(query) - known
                assert not unknown, f"{query}: {unknown}"


def test_the_series_check_fails_on_a_made_up_record_name() -> None:
    result = _generate()
    query = next(q for q in _queries(_one(result)) if "error_budget" in q)
    wrong = query.replace("dorgu_slo:error_budget:remaining", "dorgu_slo:budget:remaining")
    assert _metric_names(wrong) - _records(result) - EXPORTER_SERIES == {
        "dorgu_slo:budget:remaining"
    }


def test_every_query_passes_promtool(tmp_path: Path) -> None:
    promtool = require(PROMTOOL, "promtool")
    queries = [q for result in _cases() for b in _dashboards(result).values() for q in _queries(b)]
    rules = [{"record": f"dorgu_dashboard_check_{i}", "expr": q} for i, q in enumerate(queries)]
    (tmp_path / "queries.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, width=1 << 20)
    )
    done = subprocess.run(
        [str(promtool), "check", "rules", "queries.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules)} rules found" in done.stdout


# --- multi-component apps and dependencies ------------------------------------------------------


def test_a_multi_component_app_gets_one_dashboard_more_and_dependency_panels() -> None:
    result = _cases()[2]
    boards = _dashboards(result)
    assert set(boards) == {
        (None, "monitoring/shop-dashboard.json"),
        ("api", "monitoring/shop-api-dashboard.json"),
        ("orders", "monitoring/shop-orders-dashboard.json"),
    }
    app = boards[(None, "monitoring/shop-dashboard.json")]
    assert _titles(app, "row") == ["shop-api", "shop-orders"]
    api = boards[("api", "monitoring/shop-api-dashboard.json")]
    assert _titles(api, "row")[-1] == "Dependencies"
    table = next(p for p in _panels(api) if p["title"] == "What shop-api talks to")
    assert "| orders | service | - | orders |" in str(table["options"])
    assert "shop-orders availability: error budget left" in _titles(api, "stat")
    assert any('dorgu_workload="shop-orders"' in q for q in _queries(api))


def test_the_configmap_carries_the_sidecar_label_and_the_same_json() -> None:
    result = _generate()
    docs = _docs(result)
    configmap = yaml.safe_load(docs[("api", "monitoring/shop-dashboard.configmap.yaml")])
    assert configmap["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "dorgu",  # recognised as dorgu output when re-read
        "grafana_dashboard": "1",
    }
    assert configmap["metadata"]["namespace"] == NAMESPACE
    (text,) = configmap["data"].values()
    assert text == docs[("api", "monitoring/shop-dashboard.json")]
    custom = _generate(obs={"dashboard_labels": {"dashboards": "grafana"}})
    configmap = yaml.safe_load(_docs(custom)[("api", "monitoring/shop-dashboard.configmap.yaml")])
    assert configmap["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "dorgu",
        "dashboards": "grafana",
    }


def test_no_observability_means_no_dashboard_and_no_routing() -> None:
    names = [n for _, n in _docs(_generate(observability=False))]
    assert not [n for n in names if "dashboard" in n or "alertmanager" in n]


# --- routing -----------------------------------------------------------------------------------


def _alert_labels(result: GenerationResult) -> list[dict[str, str]]:
    labels = []
    for (_, name), text in _docs(result).items():
        if name.startswith("monitoring/") and name.endswith("rules.prometheus.yaml"):
            for group in yaml.safe_load(text)["groups"]:
                labels += [r["labels"] for r in group["rules"] if "alert" in r]
    return labels


def test_the_route_matches_every_generated_alert_and_names_the_team() -> None:
    result = _generate()
    docs = _docs(result)
    config = yaml.safe_load(docs[("api", "monitoring/alertmanagerconfig.yaml")])
    route = config["spec"]["route"]
    assert route["receiver"] == "payments"
    assert config["spec"]["receivers"] == [{"name": "payments"}]
    matchers = {m["name"]: m["value"] for m in route["matchers"]}
    assert matchers == {"persona": "shop", "team": "payments"}
    alerts = _alert_labels(result)
    assert len(alerts) > 5
    for labels in alerts:
        assert all(labels.get(k) == v for k, v in matchers.items()), labels
    plain = yaml.safe_load(docs[("api", "monitoring/alertmanager-route.yaml")])
    (sub,) = plain["route"]["routes"]
    assert sub["matchers"] == ['persona="shop"', 'team="payments"']
    assert plain["receivers"] == [{"name": "payments"}]


def test_without_a_team_the_receiver_is_named_after_the_workload() -> None:
    result = generate(_component(), config=settings(namespace=NAMESPACE, app={"name": "shop"}))
    config = yaml.safe_load(_docs(result)[("api", "monitoring/alertmanagerconfig.yaml")])
    assert config["spec"]["route"]["receiver"] == "shop-owners"
    assert [m["name"] for m in config["spec"]["route"]["matchers"]] == ["persona"]


def test_routing_and_configmaps_pass_the_crd_schemas_and_dorgus_rules() -> None:
    objects = [
        yaml.safe_load(text)
        for result in _cases()
        for (_, name), text in _docs(result).items()
        if name.endswith(("alertmanagerconfig.yaml", ".configmap.yaml"))
    ]
    assert {o["kind"] for o in objects} == {"AlertmanagerConfig", "ConfigMap"}
    schema = [f.finding for f in validate_objects(objects, bundle=load_schema_bundle("1.37"))]
    assert schema == []
    found = [f.finding for f in evaluate(objects, now=datetime(2026, 1, 1, tzinfo=UTC))]
    assert [f for f in found if (f.rule_id or "").startswith("observability.")] == []


def test_the_crd_schema_rejects_a_broken_alertmanager_config() -> None:
    result = _generate()
    config = yaml.safe_load(_docs(result)[("api", "monitoring/alertmanagerconfig.yaml")])
    config["spec"]["route"]["matchers"][0]["matchType"] = "=="
    schema = [f.finding for f in validate_objects([config], bundle=load_schema_bundle("1.37"))]
    assert schema


@pytest.mark.parametrize("team", ["payments", None])
def test_the_receiver_holds_no_integration_so_no_secret_is_written(team: str | None) -> None:
    app = {"name": "shop", **({"team": team} if team else {})}
    result = generate(_component(), config=settings(namespace=NAMESPACE, app=app))
    text = _docs(result)[("api", "monitoring/alertmanagerconfig.yaml")]
    assert "slackConfigs" not in text and "apiURL" not in text


def test_a_dependency_name_cannot_break_the_markdown_table() -> None:
    odd = Dependency(name="a|b", type=DependencyType.EXTERNAL, kind="x|y", external=True)
    board = _one(_generate(_component(dependencies=[odd])))
    table = next(p for p in _panels(board) if str(p["title"]).startswith("What "))
    content = str(table["options"]["content"])  # type: ignore[index]
    assert "| a\\|b | external | x\\|y | external |" in content
    assert content.count("\n") == 2  # header, rule, one row


@pytest.mark.parametrize(
    "text", ['{\n  "a": 1\n}\n', "trailing \nblank\n", "no newline", "two\n\n", " lead\n"]
)
def test_the_fast_configmap_rendering_is_what_pyyaml_writes(text: str) -> None:
    from dorgu.generation.dashboards import render_configmap
    from dorgu.generation.rendering import render_manifest

    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "d", "labels": {"grafana_dashboard": "1"}},
        "data": {"d.json": text},
    }
    assert render_configmap(configmap) == render_manifest(configmap)
    assert yaml.safe_load(render_configmap(configmap))["data"]["d.json"] == text
