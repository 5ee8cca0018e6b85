"""Redaction: every pattern in the corpus is replaced, ordinary text is left alone, and no
secret reaches the wire of any provider (asserted on the bytes the local server received)."""

import pytest

from dorgu.analysis.enriching import LlmEnhancement
from dorgu.llm.redacting import Redactor, looks_random, redact_text
from dorgu.models.config import EffectiveSettings, LlmSection
from dorgu.services.analyzing import analyze_path
from dorgu.services.enhancing import LlmOptions, enhance_app
from tests.llm.corpus import SECRETS, TEXT_SECRETS, in_context, write_secret_repo
from tests.llm.servers import SUCCESS, FakeServer, Reply

EMPTY = LlmEnhancement(summary=None, components=[]).model_dump(mode="json")


@pytest.mark.parametrize("name", TEXT_SECRETS)
def test_each_corpus_secret_is_redacted_in_context(name):
    text = in_context(name)
    redacted = redact_text(text)
    assert SECRETS[name] not in redacted
    assert "[redacted:" in redacted


@pytest.mark.parametrize("name", TEXT_SECRETS)
def test_no_long_fragment_of_a_secret_survives(name):
    secret = SECRETS[name]
    redacted = redact_text(in_context(name))
    fragments = {secret[i : i + 12] for i in range(max(1, len(secret) - 12))}
    if len(secret) >= 16:
        assert not any(fragment in redacted for fragment in fragments)


@pytest.mark.parametrize(
    "text",
    [
        "uvicorn app.main:app --host 0.0.0.0 --port 8000 --proxy-headers",
        "GET /api/orders/{order_id}",
        "python:3.12-slim",
        "com.example.orders.OrderServiceApplication",
        "PYTHONDONTWRITEBYTECODE=1",
        "my-super-long-service-name-v2",
        "ghcr.io/acme/orders-api:v1.2.3-rc1",
        "LOG_LEVEL=info",
        "gunicorn --bind 0.0.0.0:5000 --workers 2 --access-logfile - app:app",
        "https://example.com/docs/getting-started",
        "REDIS_URL_FOR_CACHE_V2_PRIMARY",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact_text(text) == text


def test_redactor_counts_kinds_not_values():
    redactor = Redactor()
    redactor("DB_PASSWORD=abc postgres://u:p4ss@db/x AKIAIOSFODNN7EXAMPLE")
    assert redactor.counts == {"secret-value": 1, "url-credentials": 1, "aws-access-key": 1}
    assert redactor.total == 3


def test_high_entropy_detection_spares_words_and_paths():
    assert looks_random("x7Gp2LqR9vT4mZ8kW1nB")
    assert not looks_random("/opt/venv/bin/python3.12/site-packages")
    assert not looks_random("kubernetes-deployment-2024-10-21")


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "ollama"])
def test_no_corpus_secret_reaches_the_wire(tmp_path, provider):
    root = write_secret_repo(tmp_path / "app")
    model = analyze_path(root, environment={})
    reply = (
        SUCCESS[provider](EMPTY, name="dorgu_app_enhancement")
        if provider == "anthropic"
        else SUCCESS[provider](EMPTY)
    )
    with FakeServer([Reply(body=reply)]) as server:
        base = server.url + {"openai": "/v1", "gemini": "/v1beta"}.get(provider, "")
        settings = EffectiveSettings(
            llm=LlmSection(provider=provider, base_url=base, api_keys={provider: "wire-test-key"})
            if provider != "ollama"
            else LlmSection(provider=provider, base_url=base)
        )
        outcome = enhance_app(
            model, settings=settings, root=root, environ={}, options=LlmOptions(use_cache=False)
        )
        assert outcome.status == "enhanced", outcome.warning
        (seen,) = server.requests
    wire = seen.raw.decode("utf-8", "replace")
    assert "README.md" in wire  # the README was sent (redacted)
    assert "/orders" in wire  # and the routes
    leaked = [
        name for name, secret in SECRETS.items() if secret in wire or secret in seen.body.decode()
    ]
    assert leaked == []
    # JSON escaping must not hide a leak either: check the decoded JSON strings too.
    assert not [name for name, secret in SECRETS.items() if secret in str(seen.json())]
    assert sum(outcome.redactions.values()) >= len(SECRETS)
