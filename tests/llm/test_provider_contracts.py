"""Each provider adapter against a local server speaking its wire protocol: the request it
sends (endpoint, auth header, model, schema or tool) and every kind of reply."""

import json
import time

import pytest

from dorgu.errors import ProviderError
from dorgu.llm.base import Prompt, ProviderConfig
from dorgu.llm.retrying import RetryPolicy
from dorgu.llm.selecting import build_client
from dorgu.llm.sending import HttpxTransport
from tests.llm.servers import ERRORS, SUCCESS, FakeServer, Reply

PROVIDERS = ["openai", "anthropic", "gemini", "ollama"]
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "n": {"type": "integer", "x-nullable": True}},
}
PROMPT = Prompt(system="rules", user="data")
ANSWER = {"answer": "hello", "n": 3}
PATHS = {
    "openai": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/test-model:generateContent",
    "ollama": "/api/chat",
}
BASES = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta", "ollama": ""}


OPEN: list[HttpxTransport] = []


@pytest.fixture(autouse=True)
def _close_transports():
    yield
    while OPEN:
        OPEN.pop().close()


def transport(timeout):
    opened = HttpxTransport(timeout=timeout)
    OPEN.append(opened)
    return opened


def make(provider, server, *, timeout=5.0, key="test-key-123", sleeps=None, attempts=3, base=None):
    config = ProviderConfig(
        provider=provider,
        model="test-model",
        base_url=base or server.url + BASES[provider],
        timeout_seconds=timeout,
        max_tokens=321,
        api_key=key if provider != "ollama" else None,
    )
    recorded = sleeps if sleeps is not None else []
    return build_client(
        config,
        transport=transport(timeout),
        policy=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05),
        sleep=recorded.append,
    )


def ask(client):
    return client.complete_json(PROMPT, schema=SCHEMA, name="dorgu_test")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_success_returns_the_answer(provider):
    reply = (
        SUCCESS[provider](ANSWER, name="dorgu_test")
        if provider == "anthropic"
        else SUCCESS[provider](ANSWER)
    )
    with FakeServer([Reply(body=reply)]) as server:
        assert ask(make(provider, server)) == ANSWER
        (seen,) = server.requests
    assert seen.method == "POST"
    assert seen.path == PATHS[provider]
    assert seen.headers["content-type"] == "application/json"


def test_openai_request_uses_bearer_and_strict_json_schema():
    with FakeServer([Reply(body=SUCCESS["openai"](ANSWER))]) as server:
        ask(make("openai", server))
        body = server.requests[0].json()
        headers = server.requests[0].headers
    assert headers["authorization"] == "Bearer test-key-123"
    assert body["model"] == "test-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "dorgu_test"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["required"] == ["answer", "n"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["n"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert body["max_tokens"] == 321  # compatible servers (vLLM, LM Studio) take max_tokens


def test_official_openai_gets_max_completion_tokens():
    from dorgu.llm.providers.openai import OpenAiClient

    config = ProviderConfig("openai", "gpt-5-mini", "https://api.openai.com/v1", max_tokens=9)
    payload = OpenAiClient(config, requester=None).payload(PROMPT, SCHEMA, "x")  # type: ignore[arg-type]
    assert payload["max_completion_tokens"] == 9
    assert "max_tokens" not in payload


def test_openai_compatible_server_without_key_sends_no_auth():
    with FakeServer([Reply(body=SUCCESS["openai"](ANSWER))]) as server:
        assert ask(make("openai", server, key=None)) == ANSWER
        assert "authorization" not in server.requests[0].headers


def test_azure_style_base_url_uses_deployment_path_api_version_and_api_key_header():
    with FakeServer([Reply(body=SUCCESS["openai"](ANSWER))]) as server:
        base = f"{server.url}/openai/deployments/my-deploy?api-version=2025-01-01-preview"
        assert ask(make("openai", server, base=base)) == ANSWER
        seen = server.requests[0]
    assert (
        seen.path == "/openai/deployments/my-deploy/chat/completions?api-version=2025-01-01-preview"
    )
    assert seen.headers["api-key"] == "test-key-123"
    assert "authorization" not in seen.headers


def test_azure_resource_url_uses_model_as_deployment():
    from dorgu.llm.providers.openai import endpoint

    config = ProviderConfig("openai", "gpt4o-prod", "https://acme.openai.azure.com")
    assert endpoint(config) == (
        "https://acme.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
        "?api-version=2024-10-21"
    )


def test_anthropic_request_forces_a_tool_with_the_schema():
    with FakeServer([Reply(body=SUCCESS["anthropic"](ANSWER, name="dorgu_test"))]) as server:
        ask(make("anthropic", server))
        seen = server.requests[0]
    body = seen.json()
    assert seen.headers["x-api-key"] == "test-key-123"
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in seen.headers
    assert body["model"] == "test-model"
    assert body["max_tokens"] == 321
    assert body["system"] == "rules"
    assert body["messages"] == [{"role": "user", "content": "data"}]
    (tool,) = body["tools"]
    assert tool["name"] == "dorgu_test"
    assert tool["input_schema"]["type"] == "object"
    assert body["tool_choice"] == {"type": "tool", "name": "dorgu_test"}


def test_gemini_request_uses_response_schema_and_header_key():
    with FakeServer([Reply(body=SUCCESS["gemini"](ANSWER))]) as server:
        ask(make("gemini", server))
        seen = server.requests[0]
    body = seen.json()
    assert seen.headers["x-goog-api-key"] == "test-key-123"
    assert "key=" not in seen.path  # never in the URL
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseSchema"]["type"] == "OBJECT"
    assert config["responseSchema"]["properties"]["n"] == {"type": "INTEGER", "nullable": True}
    assert config["maxOutputTokens"] == 321
    assert body["systemInstruction"]["parts"][0]["text"] == "rules"
    assert body["contents"][0]["parts"][0]["text"] == "data"


def test_ollama_request_is_native_chat_with_format_schema_and_no_stream():
    with FakeServer([Reply(body=SUCCESS["ollama"](ANSWER))]) as server:
        ask(make("ollama", server))
        body = server.requests[0].json()
        headers = server.requests[0].headers
    assert body["stream"] is False
    assert body["model"] == "test-model"
    assert body["format"]["type"] == "object"
    assert body["options"]["num_predict"] == 321
    assert "authorization" not in headers


@pytest.mark.parametrize("provider", PROVIDERS)
def test_malformed_json_answer_is_a_provider_error(provider):
    reply = SUCCESS[provider]("{not json at all")
    with (
        FakeServer([Reply(body=reply)]) as server,
        pytest.raises(ProviderError, match="malformed JSON"),
    ):
        ask(make(provider, server))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_answer_in_a_code_fence_is_accepted(provider):
    reply = SUCCESS[provider]("Here you go:\n```json\n" + json.dumps(ANSWER) + "\n```")
    with FakeServer([Reply(body=reply)]) as server:
        assert ask(make(provider, server)) == ANSWER


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_json_http_body_is_a_provider_error(provider):
    with (
        FakeServer([Reply(body=b"<html>gateway</html>")]) as server,
        pytest.raises(ProviderError, match="not JSON"),
    ):
        ask(make(provider, server))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_401_is_one_clear_line_without_retry(provider):
    body = ERRORS[provider]("invalid x-api-key")
    with FakeServer([Reply(status=401, body=body)]) as server:
        with pytest.raises(ProviderError) as info:
            ask(make(provider, server))
        assert len(server.requests) == 1
    text = str(info.value)
    assert "\n" not in text
    assert "HTTP 401 unauthorized" in text
    assert "invalid x-api-key" in text
    assert "check the API key" in text
    assert "test-key-123" not in text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_with_retry_after_seconds_is_honoured(provider):
    ok = (
        SUCCESS[provider](ANSWER, name="dorgu_test")
        if provider == "anthropic"
        else SUCCESS[provider](ANSWER)
    )
    sleeps: list[float] = []
    replies = [
        Reply(status=429, body=ERRORS[provider]("slow down"), headers={"retry-after": "2"}),
        Reply(body=ok),
    ]
    with FakeServer(replies) as server:
        assert ask(make(provider, server, sleeps=sleeps)) == ANSWER
        assert len(server.requests) == 2
    assert sleeps == [2.0]


def test_429_with_retry_after_http_date_is_honoured():
    from email.utils import formatdate

    sleeps: list[float] = []
    date = formatdate(time.time() + 5, usegmt=True)
    replies = [
        Reply(status=429, headers={"retry-after": date}),
        Reply(body=SUCCESS["openai"](ANSWER)),
    ]
    with FakeServer(replies) as server:
        assert ask(make("openai", server, sleeps=sleeps)) == ANSWER
    assert len(sleeps) == 1
    assert 3.0 <= sleeps[0] <= 5.0


def test_retry_after_longer_than_allowed_gives_up_at_once():
    replies = [Reply(status=429, headers={"retry-after": "3600"})]
    with FakeServer(replies) as server:
        with pytest.raises(ProviderError, match="retry after 3600s"):
            ask(make("openai", server))
        assert len(server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_500_is_retried_with_backoff_then_gives_up(provider):
    sleeps: list[float] = []
    with FakeServer([Reply(status=500, body=ERRORS[provider]("boom"))]) as server:
        with pytest.raises(ProviderError) as info:
            ask(make(provider, server, sleeps=sleeps, attempts=3))
        assert len(server.requests) == 3
    assert "HTTP 500 server error after 3 attempts" in str(info.value)
    assert len(sleeps) == 2
    assert all(0.0 < s <= 0.05 for s in sleeps)


def test_503_then_success_recovers():
    replies = [Reply(status=503), Reply(body=SUCCESS["gemini"](ANSWER))]
    with FakeServer(replies) as server:
        assert ask(make("gemini", server)) == ANSWER


@pytest.mark.parametrize("provider", PROVIDERS)
def test_timeout_is_a_clear_error_and_prompt(provider):
    with FakeServer([Reply(delay=3.0, body=SUCCESS[provider](ANSWER))]) as server:
        start = time.monotonic()
        with pytest.raises(ProviderError, match=r"timed out after 0\.5s"):
            ask(make(provider, server, timeout=0.5))
        assert time.monotonic() - start < 2.5


def test_slow_streaming_body_hits_the_total_deadline():
    reply = Reply(body=SUCCESS["openai"](ANSWER), trickle=0.05)  # ~ 20 s for the whole body
    with FakeServer([reply]) as server:
        start = time.monotonic()
        with pytest.raises(ProviderError, match="timed out"):
            ask(make("openai", server, timeout=0.6))
        assert time.monotonic() - start < 2.5


def test_refusal_and_truncation_are_reported():
    refusal = SUCCESS["openai"](ANSWER)
    refusal["choices"][0]["message"]["refusal"] = "I can't help with that."
    cut = SUCCESS["openai"]('{"answer": "hel', finish="length")
    with FakeServer([Reply(body=refusal), Reply(body=cut)]) as server:
        client = make("openai", server)
        with pytest.raises(ProviderError, match="refused"):
            ask(client)
        with pytest.raises(ProviderError, match="cut off"):
            ask(client)


def test_gemini_blocked_prompt_and_max_tokens():
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    cut = SUCCESS["gemini"]("{", finish="MAX_TOKENS")
    with FakeServer([Reply(body=blocked), Reply(body=cut)]) as server:
        client = make("gemini", server)
        with pytest.raises(ProviderError, match="blocked"):
            ask(client)
        with pytest.raises(ProviderError, match="cut off"):
            ask(client)


def test_ollama_model_not_found_is_reported():
    reply = Reply(status=404, body={"error": "model 'nope' not found"})
    with (
        FakeServer([reply]) as server,
        pytest.raises(ProviderError, match="model 'nope' not found"),
    ):
        ask(make("ollama", server))


def test_connection_refused_is_one_line_and_not_retried():
    sleeps: list[float] = []
    config = ProviderConfig("ollama", "m", "http://127.0.0.1:9", timeout_seconds=2)
    client = build_client(config, transport=transport(2), sleep=sleeps.append)
    with pytest.raises(ProviderError, match=r"cannot connect to http://127\.0\.0\.1:9"):
        ask(client)
    assert sleeps == []


def test_redirects_are_not_followed():
    with FakeServer(
        [Reply(status=307, headers={"location": "http://example.invalid/steal"})]
    ) as server:
        with pytest.raises(ProviderError):
            ask(make("openai", server))
        assert len(server.requests) == 1
