"""Retry policy: Retry-After parsing, jittered backoff bounds, giving up, and Ctrl-C."""

from email.utils import formatdate

import pytest

from dorgu.errors import ProviderError
from dorgu.llm.retrying import (
    Requester,
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    provider_message,
)
from dorgu.llm.sending import HttpReply, TransportError


class ScriptedTransport:
    def __init__(self, *steps):
        self.steps = list(steps)
        self.calls = 0

    def post(self, url, *, headers, body):
        self.calls += 1
        step = self.steps[min(self.calls - 1, len(self.steps) - 1)]
        if isinstance(step, BaseException):
            raise step
        return step

    def close(self):
        pass


def requester(transport, sleeps, **policy):
    return Requester(
        transport=transport,
        policy=RetryPolicy(**policy),
        sleep=sleeps.append,
        rand=lambda: 1.0,
        now=lambda: 1_000_000.0,
    )


def test_retry_after_seconds_and_dates():
    now = 1_700_000_000.0
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("0.5", now=now) == 0.5
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_backoff_is_exponential_jittered_and_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert backoff_delay(1, policy, lambda: 0.0) == 0.5
    assert backoff_delay(1, policy, lambda: 1.0) == 1.0
    assert backoff_delay(3, policy, lambda: 1.0) == 4.0
    assert backoff_delay(10, policy, lambda: 1.0) == 5.0


def test_attempts_are_bounded():
    sleeps = []
    transport = ScriptedTransport(HttpReply(502, b""))
    with pytest.raises(ProviderError, match="after 4 attempts"):
        requester(transport, sleeps, max_attempts=4).send("u", headers={}, body=b"", label="x")
    assert transport.calls == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_retry_after_ms_is_understood():
    sleeps = []
    transport = ScriptedTransport(
        HttpReply(429, b"", {"retry-after-ms": "250"}), HttpReply(200, b"{}")
    )
    requester(transport, sleeps).send("u", headers={}, body=b"", label="x")
    assert sleeps == [0.25]


def test_transient_connection_errors_are_retried_but_not_connect_errors():
    sleeps = []
    flaky = ScriptedTransport(TransportError("reset", retryable=True), HttpReply(200, b"{}"))
    assert requester(flaky, sleeps).send("u", headers={}, body=b"", label="x").status == 200
    refused = ScriptedTransport(TransportError("cannot connect"))
    with pytest.raises(ProviderError, match="x: cannot connect"):
        requester(refused, sleeps).send("u", headers={}, body=b"", label="x")
    assert refused.calls == 1


def test_ctrl_c_during_a_request_propagates_at_once():
    transport = ScriptedTransport(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        requester(transport, []).send("u", headers={}, body=b"", label="x")
    assert transport.calls == 1


def test_ctrl_c_during_backoff_propagates_at_once():
    def sleep(seconds):
        raise KeyboardInterrupt

    transport = ScriptedTransport(HttpReply(503, b""))
    req = Requester(transport=transport, sleep=sleep)
    with pytest.raises(KeyboardInterrupt):
        req.send("u", headers={}, body=b"", label="x")
    assert transport.calls == 1


def test_provider_messages_are_one_short_line():
    assert provider_message(b'{"error": {"message": "bad\\nthing"}}') == "bad thing"
    assert provider_message(b'{"error": "model not found"}') == "model not found"
    assert provider_message(b"x" * 500) == "x" * 200
    assert provider_message(b"") == ""


def test_non_json_reply_is_reported():
    transport = ScriptedTransport(HttpReply(200, b"<html>"))
    with pytest.raises(ProviderError, match="not JSON"):
        requester(transport, []).post_json("u", headers={}, payload={}, label="x")
