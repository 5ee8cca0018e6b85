"""`dorgu recommend` through the CLI: outputs, patches, and one-line errors with the documented
exit codes.  The cluster is ``FakeKube`` (the testbed test is in tests/cluster); Prometheus is a
local server speaking its HTTP API."""

from __future__ import annotations

import csv
import io
import json
import logging
import socket

import pytest

from dorgu.cli import recommend as recommend_cli
from tests.cli.running import dorgu, isolate_environment
from tests.clients.prometheus_server import Reply, serve
from tests.services.test_recommending import _answer, _kube


@pytest.fixture
def kube(tmp_path, monkeypatch):
    isolate_environment(tmp_path, monkeypatch, "work")
    fake = _kube()
    monkeypatch.setattr(recommend_cli, "open_client", lambda: fake)
    return fake


def test_json_output_has_the_documented_shape(kube):
    with serve(_answer) as server:
        result = dorgu("recommend", "-n", "shop", "--prometheus-url", server.url, "-o", "json")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    for key in ("namespace", "kind", "name", "container", "current", "recommended", "strategy",
                "window", "points", "confidence", "monthly_savings_usd", "reasons"):  # fmt: skip
        assert key in record
    assert record["recommended"]["requests"]["cpu"] == "300m"
    assert set(record["current"]) == {"requests", "limits"}


def test_the_url_comes_from_the_environment_and_verbose_reports_queries(kube, monkeypatch, caplog):
    caplog.set_level("INFO", logger="dorgu")
    with serve(_answer) as server:
        monkeypatch.setenv("DORGU_PROMETHEUS_URL", server.url)
        result = dorgu("recommend", "-n", "shop", "-v")
    assert result.exit_code == 0, result.output
    assert "sent 3 Prometheus queries (0 retries, 0 failed) in 1 batch(es)" in caplog.text
    assert "total monthly savings: $" in result.output
    header, row = result.output.splitlines()[:2]
    assert "deployment/web" in row
    for column, value in (("CPU REQ", "1 -> 300m"), ("MEM REQ", "1Gi -> 2458Mi"),
                          ("CPU LIM", "2 -> -"), ("MEM LIM", "2Gi -> 2458Mi")):  # fmt: skip
        assert row.index(value) == header.index(column), column


def test_csv_output_is_one_row_per_container(kube):
    with serve(_answer) as server:
        result = dorgu(
            "recommend", "web", "-n", "shop", "--prometheus-url", server.url, "-o", "csv"
        )
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 1
    assert rows[0]["recommended_requests_cpu"] == "300m"
    assert rows[0]["recommended_limits_cpu"] == ""


def test_patch_writes_kustomize_files_and_changes_nothing_in_the_cluster(kube, tmp_path):
    before = {k: json.dumps(v, sort_keys=True) for k, v in kube.objects.items()}
    out = tmp_path / "patches"
    with serve(_answer) as server:
        result = dorgu("recommend", "-n", "shop", "--prometheus-url", server.url,
                       "--patch", "kustomize", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "kustomization.yaml").is_file()
    assert "cpu: 300m" in (out / "shop" / "deployment-web.yaml").read_text()
    assert kube.applied == []
    assert {k: json.dumps(v, sort_keys=True) for k, v in kube.objects.items()} == before


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "cannot reach Prometheus at"),
        (lambda p, f: Reply(404, b"not found", content_type="text/plain"), "has no /api/v1/query"),
        (lambda p, f: Reply(200, b"<html>", content_type="text/html"), "not JSON"),
    ],
)
def test_a_bad_prometheus_is_one_line_exit_6_and_nothing_is_written(
    kube, tmp_path, answer, message
):
    out = tmp_path / "patches"
    if answer is None:
        url = f"http://127.0.0.1:{_closed_port()}"
        result = dorgu("recommend", "-n", "shop", "--prometheus-url", url, "--patch", "persona",
                       str(out))  # fmt: skip
    else:
        with serve(answer) as server:
            result = dorgu("recommend", "-n", "shop", "--prometheus-url", server.url,
                           "--patch", "persona", str(out))  # fmt: skip
    assert result.exit_code == 6
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no Prometheus URL"),
        (["--prometheus-url", "prometheus:9090"], "is not an http(s) URL"),
        (["--prometheus-url", "http://p:9090", "--history", "3"], "--history '3'"),
        (["--prometheus-url", "http://p:9090", "-A"], "exclude each other"),
        (["--prometheus-url", "http://p:9090", "job/x"], "unknown kind 'job'"),
        (["--prometheus-url", "http://p:9090", "--step", "30s"], "--step '30s'"),
        (["--prometheus-url", "http://p:9090", "--step", "2h"], "from 1m to 1h"),
    ],
)
def test_usage_errors_are_exit_2(kube, args, message):
    result = dorgu("recommend", "-n", "shop", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_slow_prometheus_is_one_line_exit_6(kube, monkeypatch):
    monkeypatch.setenv("DORGU_PROMETHEUS__TIMEOUT_SECONDS", "0.3")
    with serve(lambda p, f: Reply(delay=2.0, body={"status": "success"})) as server:
        result = dorgu("recommend", "-n", "shop", "--prometheus-url", server.url)
    assert result.exit_code == 6
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "did not answer within 0.3s" in lines[0]
    assert len(server.requests) == 1  # the probe is not retried: a wrong URL fails fast


def test_the_cli_offers_exactly_the_registered_strategies_and_patch_formats():
    from dorgu.learning.rightsizing import STRATEGIES
    from dorgu.services.patches import FORMATS

    assert tuple(STRATEGIES) == recommend_cli.STRATEGY_NAMES
    assert recommend_cli.PATCH_FORMATS == FORMATS


def test_a_token_file_authenticates_and_a_refused_one_is_exit_6_without_the_token(
    kube, tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    token = tmp_path / "token"
    token.write_text("very-secret-token\n")
    monkeypatch.setenv("DORGU_PROMETHEUS__BEARER_TOKEN_FILE", str(token))

    def answer(path, form):
        return _answer(path, form)

    with serve(answer) as server:
        result = dorgu("--debug", "recommend", "-n", "shop", "--prometheus-url", server.url,
                       "--step", "5m", "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(server.authorizations) == {"Bearer very-secret-token"}
    assert "send_request_headers" in caplog.text  # httpcore traced the request
    assert "very-secret-token" not in result.output + caplog.text
    assert any("[10m]" in form["query"] for _, form in server.requests)
    with serve(lambda p, f: Reply(403, b"forbidden", content_type="text/plain")) as server:
        result = dorgu("recommend", "-n", "shop", "--prometheus-url", server.url)
    assert result.exit_code == 6
    (line,) = result.output.strip().splitlines()
    assert "refused access (HTTP 403)" in line and "very-secret-token" not in line
    token.unlink()
    result = dorgu("recommend", "-n", "shop", "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "prometheus.bearer_token_file: cannot read" in line
