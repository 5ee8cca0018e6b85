"""`dorgu recommend` end to end in-process: workloads from ``FakeKube``, usage from a local
server speaking the Prometheus HTTP API."""

from __future__ import annotations

import asyncio
import os
import re
import stat

import pytest

from dorgu.clients import FakeKube
from dorgu.clients.prometheus import PrometheusError
from dorgu.errors import OutputError, UsageError
from dorgu.services.patches import render_patches, write_patches
from dorgu.services.recommending import RecommendRequest, recommend
from dorgu.services.usage import plan_batches
from dorgu.services.workloads import list_workloads, owner_of, parse_target
from tests.clients.prometheus_server import failure, serve, success

MI = 1024**2
END = 1_700_000_000.0


def _deployment(name: str, ns: str = "shop", replicas: int = 2) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "resources": {
                                "requests": {"cpu": "1", "memory": "1Gi"},
                                "limits": {"cpu": "2", "memory": "2Gi"},
                            },
                        }
                    ]
                }
            },
        },
    }


def _pod(name: str, owner: str, template_hash: str, *, oom: bool = False) -> dict:
    status = {"containerStatuses": []}
    if oom:
        status["containerStatuses"] = [
            {"name": "app", "lastState": {"terminated": {"reason": "OOMKilled"}}}
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "labels": {"pod-template-hash": template_hash},
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": f"{owner}-{template_hash}", "controller": True}
            ],
        },
        "spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "2Gi"}}}]},
        "status": status,
    }


def _kube() -> FakeKube:
    kube = FakeKube(namespace="shop")
    kube.add(_deployment("web"))
    kube.add(_pod("web-7d9f8c6b5-abcde", "web", "7d9f8c6b5", oom=True))
    kube.add(_pod("web-7d9f8c6b5-fghij", "web", "7d9f8c6b5"))
    kube.add(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        }
    )
    return kube


def _series(pod: str, value: float, stat: str | None = None) -> dict:
    labels = {"namespace": "shop", "pod": pod, "container": "app"}
    if stat:
        labels["stat"] = stat
    return {"metric": labels, "value": [END, repr(value)]}


PODS = ("web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij", "web-5c6d7e8f9-zzzzz", "other-x1-abcde")
CPU = {"p95": (0.2, 0.3, 0.25, 9.0), "max": (0.4, 0.5, 0.3, 9.0), "avg": (0.1, 0.1, 0.1, 9.0),
       "points": (5000, 5000, 5000, 9.0)}  # fmt: skip
MEMORY = {"max": (300 * MI, 250 * MI, 100 * MI, 9e9), "avg": (200 * MI, 200 * MI, 90 * MI, 1.0)}


def _answer(path: str, form: dict[str, str]):
    query = form["query"]
    if query == "vector(1)":
        return success("vector", [{"metric": {}, "value": [END, "1"]}])
    table = CPU if "container_cpu_usage_seconds_total" in query else MEMORY
    return success(
        "vector",
        [_series(pod, values[i], stat) for stat, values in table.items()
         for i, pod in enumerate(PODS)],
    )  # fmt: skip


def _request(url: str, **kwargs: object) -> RecommendRequest:
    return RecommendRequest(strategy="krr-simple", window="14d", prometheus_url=url, end=END,
                            **kwargs)  # type: ignore[arg-type]  # fmt: skip


def _run(kube: FakeKube, request: RecommendRequest):
    workloads = list_workloads(client=kube, namespace="shop")
    return asyncio.run(recommend(workloads=workloads, request=request))


def test_a_deployment_is_sized_from_its_present_and_past_pods():
    with serve(_answer) as server:
        report = _run(_kube(), _request(server.url))
    (record,) = report.records
    assert (record["namespace"], record["kind"], record["name"], record["container"]) == (
        "shop", "Deployment", "web", "app",
    )  # fmt: skip
    # p95 of the three web pods (the old ReplicaSet's included), never the other app's 9 cores
    assert record["recommended"]["requests"]["cpu"] == "300m"
    assert record["recommended"]["limits"]["cpu"] is None
    # 300 MiB peak + 15 % = 345 MiB, but it was OOMKilled at 2 GiB: 2 GiB · 1.2
    assert record["recommended"]["requests"]["memory"] == "2458Mi"
    assert record["points"] == 15000
    assert record["current"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    reasons = " | ".join(record["reasons"])
    assert "OOMKilled at 2Gi" in reasons and "HPA web" in reasons
    assert record["monthly_savings_usd"] == report.monthly_savings_usd
    assert report.queries_sent == 3  # probe + CPU statistics + memory statistics


def test_queries_select_by_namespace_pod_and_container_only():
    with serve(_answer) as server:
        _run(_kube(), _request(server.url, cluster="eu-1"))
    queries = [form["query"] for _, form in server.requests[1:]]
    for query in queries:
        assert 'namespace="shop"' in query and 'container=~"app"' in query
        assert 'cluster="eu-1"' in query
        assert "job" not in query and "instance" not in query
        assert re.search(r"\[14d:1m\]|\[14d\]", query)
    assert any("quantile_over_time(0.95," in q for q in queries)


def test_a_failed_memory_query_gives_a_partial_answer_with_lower_confidence():
    def answer(path, form):
        if "memory" in form["query"]:
            return failure(422, "execution", "query processing would load too many samples")
        return _answer(path, form)

    with serve(answer) as server:
        report = _run(_kube(), _request(server.url))
    (record,) = report.records
    assert any("partial data" in r for r in record["reasons"])
    assert record["recommended"]["requests"]["memory"] == "1Gi"  # kept: no memory data
    assert record["confidence"] <= 0.5


def test_prometheus_down_is_an_exit_6_error_and_nothing_else_happens():
    with serve(lambda p, f: failure(503, "unavailable", "down")) as server:
        url = server.url
    with pytest.raises(PrometheusError) as caught:
        _run(_kube(), _request(url, timeout_seconds=1.0))
    assert caught.value.exit_code == 6


def test_a_too_small_query_budget_is_refused_before_any_query():
    with serve(_answer) as server, pytest.raises(UsageError, match="needs 3 Prometheus queries"):
        _run(_kube(), _request(server.url, max_queries=2))
    assert server.requests == []


def test_vpa_reads_range_series():
    def answer(path, form):
        if form["query"] == "vector(1)":
            return success("vector", [{"metric": {}, "value": [END, "1"]}])
        cpu = "cpu" in form["query"]
        step = 300 if cpu else 3600  # memory: the peak of every hour, all daily peaks need
        assert path == "/api/v1/query_range" and form["step"] == f"{step}s"
        assert cpu or "max_over_time(container_memory_working_set_bytes{" in form["query"]
        assert cpu or form["query"].endswith("[1h]))")
        value = 0.2 if cpu else 300 * MI
        stamps = [END - 14 * 86400 + step * i for i in range(14 * 86400 // step)]
        values = [[t, repr(value)] for t in stamps]
        labels = {"namespace": "shop", "pod": "web-7d9f8c6b5-abcde", "container": "app"}
        return success("matrix", [{"metric": labels, "values": values}])

    with serve(answer) as server:
        request = RecommendRequest(strategy="vpa", window="14d", prometheus_url=server.url,
                                   end=END)  # fmt: skip
        report = _run(_kube(), request)
    (record,) = report.records
    assert record["points"] == 14 * 288 * 5
    assert record["bounds"]["cpu"]["lower"] is not None
    cpu = record["recommended"]["requests"]["cpu"]
    assert 0.2 * 1.15 <= int(cpu.rstrip("m")) / 1000 <= 0.2 * 1.15 * 1.06  # bucket end + 15 %
    assert record["recommended"]["limits"]["cpu"] is not None  # VPA keeps the limit ratio
    assert not any("partial" in reason for reason in record["reasons"])
    # the request is the OOM floor (2Gi x 1.2); the VPA's lower bound shows the daily peaks
    lower = int(record["bounds"]["memory"]["lower"].rstrip("Mi"))
    assert 300 * 1.15 * 0.99 <= lower <= 300 * 1.15 * 1.06


def test_patches_are_rendered_for_changed_containers_and_never_overwrite(tmp_path):
    with serve(_answer) as server:
        report = _run(_kube(), _request(server.url))
    kustomize = render_patches(report.records, "kustomize")
    patch = kustomize["shop/deployment-web.yaml"]
    assert "cpu: 300m" in patch and "cpu: null" in patch  # the CPU limit is removed
    assert "shop/deployment-web.yaml" in kustomize["kustomization.yaml"]
    helm = render_patches(report.records, "helm-values")["shop/web.values.yaml"]
    assert helm.splitlines()[1] == "resources:"
    persona = render_patches(report.records, "persona")["shop/web.persona.yaml"]
    assert "kind: ApplicationPersona" in persona and "memory: 2458Mi" in persona
    written = write_patches(kustomize, tmp_path)
    assert len(written) == 2
    assert write_patches(kustomize, tmp_path) == written  # same content: fine
    (tmp_path / "shop" / "deployment-web.yaml").write_text("edited\n")
    with pytest.raises(OutputError, match="exists with other content"):
        write_patches(kustomize, tmp_path)


def test_owners_and_targets():
    assert owner_of(_pod("web-7d9f8c6b5-abcde", "web", "7d9f8c6b5")) == ("Deployment", "web")
    job_pod = {"metadata": {"ownerReferences": [
        {"kind": "Job", "name": "nightly-28912345", "controller": True}]}}  # fmt: skip
    assert owner_of(job_pod) == ("CronJob", "nightly")
    assert parse_target("sts/db")[1] == "db"
    with pytest.raises(UsageError, match="unknown kind"):
        parse_target("replicaset/x")
    kube = _kube()
    kube.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    with pytest.raises(UsageError, match="no Deployment, StatefulSet"):
        list_workloads(client=kube, namespace="shop", target="nope")


def test_a_missing_namespace_is_a_usage_error_not_an_empty_report():
    with pytest.raises(UsageError, match="namespace 'typo' does not exist"):
        list_workloads(client=_kube(), namespace="typo")
    kube = _kube()
    kube.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}})
    assert list_workloads(client=kube, namespace="empty") == []
    assert list_workloads(client=kube, all_namespaces=True) != []


def test_patch_files_get_the_usual_mode_and_no_tree_is_invented(tmp_path):
    files = {"shop/web.yaml": "a: 1\n"}
    old = os.umask(0o022)
    try:
        (written,) = write_patches(files, tmp_path / "out")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    with pytest.raises(OutputError, match=r"parent directory .* does not exist"):
        write_patches(files, tmp_path / "no" / "such" / "dir")
    assert not (tmp_path / "no").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        write_patches(files, tmp_path / "file")


def test_batches_hold_at_most_50_pods():
    kube = FakeKube(namespace="shop")
    for i in range(120):
        kube.add(_deployment(f"app{i:03d}", replicas=1))
    workloads = list_workloads(client=kube, namespace="shop")
    batches = plan_batches(workloads)
    assert [len(b) for b in batches] == [50, 50, 20]


def test_a_warning_of_a_partial_answer_lowers_confidence():
    def answer(path, form):
        reply = _answer(path, form)
        if form["query"] != "vector(1)":
            reply.body["warnings"] = ["partial response: store eu-1 unavailable"]
        return reply

    with serve(_answer) as server:
        whole = _run(_kube(), _request(server.url)).records[0]
    with serve(answer) as server:
        warned = _run(_kube(), _request(server.url)).records[0]
    assert warned["confidence"] == whole["confidence"] / 2
    assert warned["recommended"] == whole["recommended"]
    assert any("partial data" in r for r in warned["reasons"])


def test_a_coarser_step_widens_the_rate_window_and_the_subquery_step():
    with serve(_answer) as server:
        report = _run(_kube(), _request(server.url, step="5m"))
    cpu = next(form["query"] for _, form in server.requests[1:] if "cpu" in form["query"])
    assert "[10m]" in cpu and "[14d:5m]" in cpu and "[2m]" not in cpu
    (record,) = report.records
    assert record["points"] == 3 * 5000  # points count steps of the series
    with pytest.raises(UsageError, match="--step '30s'"):
        RecommendRequest.from_settings(
            _settings({}), strategy=None, window=None, prometheus_url="http://p:9090",
            max_queries=None, step="30s",
        )  # fmt: skip


def _settings(prometheus: dict[str, object]):
    from dorgu.models.config import EffectiveSettings

    return EffectiveSettings.model_validate({"prometheus": prometheus})


def test_prometheus_credentials_come_from_files(tmp_path):
    import base64

    token = tmp_path / "token"
    token.write_text("abc.def.ghi\n")
    password = tmp_path / "password"
    password.write_text("hunter2\n")

    def auth(prometheus: dict[str, object]) -> str | None:
        request = RecommendRequest.from_settings(
            _settings({"url": "http://p:9090", **prometheus}), strategy=None, window=None,
            prometheus_url=None, max_queries=None,
        )  # fmt: skip
        assert "abc.def" not in repr(request) and "hunter2" not in repr(request)
        return request.authorization

    assert auth({}) is None
    assert auth({"bearer_token_file": str(token)}) == "Bearer abc.def.ghi"
    basic = auth({"username": "dorgu", "password_file": str(password)})
    assert basic == "Basic " + base64.b64encode(b"dorgu:hunter2").decode()
    with pytest.raises(UsageError, match=r"cannot read .*missing"):
        auth({"bearer_token_file": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(UsageError, match="is empty"):
        auth({"bearer_token_file": str(tmp_path / "empty")})
    (tmp_path / "odd").write_text("two words\n")
    with pytest.raises(UsageError, match="does not hold a token"):
        auth({"bearer_token_file": str(tmp_path / "odd")})
    (tmp_path / "accents").write_text("tökén\n")
    with pytest.raises(UsageError, match="does not hold a token"):
        auth({"bearer_token_file": str(tmp_path / "accents")})
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="cannot read"):
        auth({"bearer_token_file": str(tmp_path / "binary")})
    with pytest.raises(UsageError, match="needs both"):
        auth({"username": "dorgu"})
    with pytest.raises(UsageError, match="exclude each other"):
        auth({"bearer_token_file": str(token), "username": "x", "password_file": str(password)})


def test_the_configured_token_reaches_prometheus(tmp_path):
    token = tmp_path / "token"
    token.write_text("tok-123")
    request = RecommendRequest.from_settings(
        _settings({"url": "http://127.0.0.1:9", "bearer_token_file": str(token)}),
        strategy=None, window=None, prometheus_url=None, max_queries=None,
    )  # fmt: skip
    with serve(_answer) as server:
        from dataclasses import replace

        _run(_kube(), replace(request, prometheus_url=server.url, end=END))
    assert server.authorizations and set(server.authorizations) == {"Bearer tok-123"}
