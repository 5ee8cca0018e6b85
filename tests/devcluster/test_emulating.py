"""kwok's metrics emulation documents and the testbed Prometheus configuration (pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dorgu.devcluster import emulating, scraping
from dorgu.formats import usagehistories


def test_both_endpoints_and_the_usage_source_are_emitted() -> None:
    documents = emulating.emulation_documents()

    kinds = [(d["kind"], d["metadata"]["name"]) for d in documents]
    assert kinds == [
        ("Metric", "dorgu-metrics-resource"),
        ("Metric", "dorgu-metrics-cadvisor"),
        ("ClusterResourceUsage", "dorgu-usage-from-annotations"),
    ]
    paths = [d["spec"]["path"] for d in documents[:2]]
    assert paths == [
        "/metrics/nodes/{nodeName}/metrics/resource",
        "/metrics/nodes/{nodeName}/metrics/cadvisor",
    ]
    assert yaml.safe_load(yaml.safe_dump(documents[2])) == documents[2]


def test_cadvisor_series_carry_image_and_name_labels() -> None:
    cadvisor = emulating.cadvisor_metric_document()["spec"]["metrics"]

    containers = [m for m in cadvisor if m["dimension"] == "container"]
    assert {m["name"] for m in containers} == {
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
    }
    for metric in cadvisor:
        assert [label["name"] for label in metric["labels"]] == [
            "container",
            "namespace",
            "pod",
            "image",
            "name",
        ]


def test_one_endpoint_can_be_chosen_and_unknown_ones_are_refused() -> None:
    assert len(emulating.emulation_documents(("cadvisor",))) == 2
    with pytest.raises(ValueError, match="unknown metrics endpoints: kubelet"):
        emulating.emulation_documents(("kubelet",))


def test_usage_expressions_read_every_annotation_and_pattern() -> None:
    for resource in ("cpu", "memory"):
        expression = emulating.usage_expression(resource)
        assert emulating.USAGE_ANNOTATIONS[resource] in expression
        assert emulating.PATTERN_ANNOTATIONS[resource] in expression
        assert emulating.PERIOD_ANNOTATION in expression
        for pattern in emulating.PATTERNS:
            assert pattern == "steady" or f'== "{pattern}"' in expression
        assert expression.count("(") == expression.count(")")


def test_live_patterns_are_the_synthetic_history_patterns() -> None:
    assert set(emulating.PATTERNS) <= set(usagehistories.PATTERNS)
    for name, (description, _) in emulating.PATTERNS.items():
        if name != "leak":  # live: since the Pod started; history: since the history starts
            assert usagehistories.PATTERNS[name] == description


def test_usage_annotations_are_checked() -> None:
    assert emulating.usage_annotations(cpu="250m", memory_pattern="leak", period=60) == {
        "kwok.x-k8s.io/usage-cpu": "250m",
        "dorgu.dev/usage-memory-pattern": "leak",
        "dorgu.dev/usage-period": "60",
    }
    with pytest.raises(ValueError, match="unknown usage pattern"):
        emulating.usage_annotations(cpu_pattern="sine")
    with pytest.raises(ValueError, match="positive"):
        emulating.usage_annotations(period=0)


def test_prometheus_finds_kwok_by_http_sd_and_labels_series_by_node() -> None:
    config = yaml.safe_load(
        scraping.render_config(kwok_address="127.0.0.1:4000", scrape_interval=0.5)
    )

    assert config["global"]["scrape_interval"] == "500ms"
    job = config["scrape_configs"][0]
    assert job["job_name"] == "kubelet"
    assert job["http_sd_configs"][0]["url"] == "http://127.0.0.1:4000/discovery/prometheus"
    targets = {r.get("target_label") for r in job["relabel_configs"]}
    assert {"node", "instance", "metrics_path"} <= targets
    assert scraping.render_config(kwok_address="h:1", scrape_interval=5).count("5s") == 4
    assert "rule_files" not in config


def test_rule_files_are_listed_for_prometheus_to_evaluate() -> None:
    config = yaml.safe_load(
        scraping.render_config(kwok_address="h:1", rule_files=("/r/000-a.yaml", "/r/001-b.yaml"))
    )
    assert config["rule_files"] == ["/r/000-a.yaml", "/r/001-b.yaml"]


def test_live_labels_match_the_relabelling() -> None:
    labels = scraping.live_labels(
        endpoint="cadvisor", node="kwok-node-1", namespace="n", pod="p", container="c", image="i"
    )

    assert labels == {
        "container": "c",
        "image": "i",
        "instance": "kwok-node-1",
        "job": "kubelet",
        "metrics_path": "/metrics/cadvisor",
        "name": "k8s_c_p_n",
        "namespace": "n",
        "node": "kwok-node-1",
        "pod": "p",
    }
    assert "image" not in scraping.live_labels(
        endpoint="resource", node="x", namespace="n", pod="p", container="c"
    )
    with pytest.raises(ValueError, match="unknown metrics endpoint"):
        scraping.live_labels(endpoint="probes", node="x", namespace="n", pod="p", container="c")


def test_prometheus_keeps_history_for_years() -> None:
    argv = scraping.prometheus_argv(
        binary=Path("/p"),
        config=Path("/c"),
        data=Path("/d"),
        port=9,
    )
    assert "--storage.tsdb.retention.time=3650d" in argv
    assert "--web.listen-address=127.0.0.1:9" in argv


def test_backfill_blocks_span_the_input_up_to_31_days() -> None:
    from dorgu.devcluster.backfilling import block_hours
    from dorgu.formats.openmetrics import Summary

    def hours(span: float) -> int:
        return block_hours(
            Summary(series=1, samples=2, start=1000.0, end=1000.0 + span, has_eof=True)
        )

    assert hours(0) == 2
    assert hours(3 * 3600) == 4
    assert hours(14 * 86400) == 14 * 24 + 2
    assert hours(90 * 86400) == 31 * 24
