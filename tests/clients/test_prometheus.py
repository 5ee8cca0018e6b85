"""``PrometheusClient`` against a local server speaking the Prometheus HTTP API wire format."""

from __future__ import annotations

import asyncio
import math
import socket

import pytest

from dorgu.clients.prometheus import (
    PrometheusClient,
    PrometheusError,
    QueryBudgetError,
    check_url,
)
from dorgu.errors import ClusterError, UsageError
from tests.clients.prometheus_server import Reply, failure, serve, success


def _run(url: str, call, **options):
    async def go():
        client = PrometheusClient(url, backoff_seconds=0.01, **options)
        try:
            return await call(client), client.stats
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_vector_with_warnings_and_special_values_is_parsed():
    result = [
        {"metric": {"pod": "a", "container": "app"}, "value": [1700000000.5, "0.25"]},
        {"metric": {"pod": "b", "container": "app"}, "value": [1700000000.5, "NaN"]},
        {"metric": {"pod": "c"}, "value": [1700000000.5, "+Inf"]},
    ]
    with serve(lambda path, form: success("vector", result, ["partial response"])) as server:
        got, stats = _run(server.url, lambda c: c.query('up{job="x"}', at=1700000000.5))
    assert got.result_type == "vector"
    assert got.series[0].labels == {"pod": "a", "container": "app"}
    assert got.series[0].samples == ((1700000000.5, 0.25),)
    assert math.isnan(got.series[1].samples[0][1])
    assert got.series[2].samples[0][1] == math.inf
    assert got.warnings == ("partial response",)
    assert stats.sent == 1 and stats.warnings == ["partial response"]
    path, form = server.requests[0]
    assert path == "/api/v1/query"
    assert form["query"] == 'up{job="x"}' and form["time"] == "1700000000.500"


def test_a_matrix_from_query_range_is_parsed_and_the_step_is_sent():
    values = [[1700000000, "1"], [1700000060, "2.5"]]
    with serve(
        lambda path, form: success("matrix", [{"metric": {"pod": "a"}, "values": values}])
    ) as server:
        got, _ = _run(
            server.url, lambda c: c.query_range("x", start=1700000000, end=1700000060, step=60)
        )
    assert got.series[0].samples == ((1700000000.0, 1.0), (1700000060.0, 2.5))
    path, form = server.requests[0]
    assert path == "/api/v1/query_range" and form["step"] == "60s"


def test_a_scalar_result_is_one_unlabelled_sample():
    with serve(lambda path, form: success("scalar", [1700000000, "1"])) as server:
        got, _ = _run(server.url, lambda c: c.query("vector(1)"))
    assert got.result_type == "scalar"
    assert got.series[0].samples == ((1700000000.0, 1.0),)


def test_a_step_below_one_second_is_refused():
    with (
        serve(lambda path, form: success("matrix", [])) as server,
        pytest.raises(ValueError, match="below the 1s minimum"),
    ):
        _run(server.url, lambda c: c.query_range("x", start=0, end=60, step=0.5))


def test_bad_data_is_reported_once_without_retrying():
    with (
        serve(lambda path, form: failure(400, "bad_data", "parse error at char 3")) as server,
        pytest.raises(PrometheusError, match=r"bad_data, HTTP 400.*parse error"),
    ):
        _run(server.url, lambda c: c.query("up{"))
    assert len(server.requests) == 1


def test_unavailable_is_retried_with_backoff_then_succeeds():
    replies = iter([failure(503, "unavailable", "starting"), success("vector", [])])
    with serve(lambda path, form: next(replies)) as server:
        got, stats = _run(server.url, lambda c: c.query("up"))
    assert got.series == ()
    assert stats.sent == 2 and stats.retries == 1 and len(server.requests) == 2


def test_a_slow_prometheus_times_out_after_its_retries():
    with (
        serve(lambda path, form: Reply(delay=1.0, body={"status": "success"})) as server,
        pytest.raises(PrometheusError, match=r"did not answer within 0\.2s") as caught,
    ):
        _run(server.url, lambda c: c.query("up"), timeout_seconds=0.2, retries=1)
    assert caught.value.exit_code == 6
    assert len(server.requests) == 2


def test_an_unreachable_prometheus_is_a_cluster_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ClusterError, match="cannot reach Prometheus at"):
        _run(f"http://127.0.0.1:{port}", lambda c: c.query("up"), retries=0)


def test_a_reply_over_the_size_cap_is_cut_off_with_a_clear_error(monkeypatch):
    monkeypatch.setattr("dorgu.clients.prometheus.MAX_REPLY_BYTES", 4096)
    big = [{"metric": {"pod": f"p{i}"}, "value": [1700000000, "1"]} for i in range(1000)]
    with (
        serve(lambda path, form: success("vector", big)) as server,
        pytest.raises(PrometheusError, match="a reply larger than 64 MiB") as caught,
    ):
        _run(server.url, lambda c: c.query("up"))
    assert "cannot reach" not in str(caught.value)
    assert "narrow the scope" in (caught.value.hint or "")


def test_a_reply_broken_off_midway_is_not_reported_as_unreachable():
    body = success("vector", [{"metric": {}, "value": [1700000000, "1"]}]).payload()
    with (
        serve(lambda path, form: Reply(200, body, cut_after=10)) as server,
        pytest.raises(PrometheusError, match="broke off its reply") as caught,
    ):
        _run(server.url, lambda c: c.query("up"), retries=1)
    assert "cannot reach" not in str(caught.value)
    assert len(server.requests) == 2  # retried once


def test_a_url_that_is_not_prometheus_says_so():
    with (
        serve(lambda path, form: Reply(404, b"<html>nope</html>", content_type="text/html")) as s,
        pytest.raises(PrometheusError, match="has no /api/v1/query"),
    ):
        _run(s.url, lambda c: c.query("up"))
    with (
        serve(
            lambda path, form: Reply(200, b"<html>grafana</html>", content_type="text/html")
        ) as s,
        pytest.raises(PrometheusError, match="not JSON"),
    ):
        _run(s.url, lambda c: c.query("up"))
    with (
        serve(lambda path, form: Reply(200, {"hello": "world"})) as s,
        pytest.raises(PrometheusError, match="without a Prometheus API envelope"),
    ):
        _run(s.url, lambda c: c.query("up"))


def test_a_malformed_result_is_an_error_not_a_crash():
    bad = {"status": "success", "data": {"resultType": "vector", "result": [{"value": "x"}]}}
    with (
        serve(lambda path, form: Reply(200, bad)) as server,
        pytest.raises(PrometheusError, match="malformed reply"),
    ):
        _run(server.url, lambda c: c.query("up"))


def test_no_more_than_six_queries_are_in_flight():
    with serve(lambda path, form: Reply(delay=0.05, body=success("vector", []).body)) as server:

        async def many(client):
            return await asyncio.gather(*(client.query(f"q{i}") for i in range(20)))

        _, stats = _run(server.url, many)
    assert stats.sent == 20
    assert 1 < server.peak_in_flight <= 6


def test_the_query_budget_is_a_hard_cap():
    with serve(lambda path, form: success("vector", [])) as server:

        async def three(client):
            await client.query("a")
            await client.query("b")
            await client.query("c")

        with pytest.raises(QueryBudgetError, match="budget of 2"):
            _run(server.url, three, max_queries=2)
    assert len(server.requests) == 2


@pytest.mark.parametrize("url", ["prometheus:9090", "ftp://x", "", "http://user:pw@host:9090"])
def test_bad_urls_are_usage_errors(url):
    with pytest.raises(UsageError):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://127.0.0.1:99999/", "http://h:0", "http://h:port/",
     "ftp://user:s3cr3tpass@127.0.0.1/", "http://user:s3cr3tpass@[::1", "http://s3cr3tpass@h"],
)  # fmt: skip
def test_malformed_urls_are_usage_errors_that_never_echo_credentials(url):
    with pytest.raises(UsageError) as caught:
        check_url(url)
    assert "s3cr3tpass" not in f"{caught.value.message} {caught.value.hint}"


def test_an_unreachable_prometheus_is_named_without_its_query_or_credentials():
    async def one(client: PrometheusClient) -> None:
        await client.query("up")

    with pytest.raises(PrometheusError) as caught:
        _run("http://127.0.0.1:1/?token=s3cr3tpass", one)
    assert "s3cr3tpass" not in str(caught.value)


def test_a_long_regex_travels_in_the_body_intact():
    regex = "|".join(f"web-7d9f8c6b5-{i:05d}" for i in range(50))
    promql = f'max by (pod) (rate(container_cpu_usage_seconds_total{{pod=~"{regex}"}}[2m]))'
    with serve(lambda path, form: success("vector", [])) as server:
        _run(server.url, lambda c: c.query(promql))
    assert server.requests[0][1]["query"] == promql


def test_credentials_travel_as_the_authorization_header_and_never_in_errors():
    token = "s3cr3t-token-value"
    refuse = lambda path, form: Reply(401, b"no", content_type="text/plain")  # noqa: E731
    with serve(refuse) as s, pytest.raises(PrometheusError) as caught:
        _run(s.url, lambda c: c.query("up"), authorization=f"Bearer {token}")
    assert s.authorizations == [f"Bearer {token}"]
    text = f"{caught.value} {caught.value.hint}"
    assert "refused access (HTTP 401)" in text and "bearer_token_file" in text
    assert token not in text


def test_no_credentials_are_sent_unless_configured():
    with serve(lambda path, form: success("vector", [])) as s:
        _run(s.url, lambda c: c.query("up"))
    assert s.authorizations == [None]
