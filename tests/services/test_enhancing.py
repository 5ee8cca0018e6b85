"""The LLM step end to end: never lowers the rule-based result, no network without a
provider, one warning line when the provider fails, and real changes when it answers."""

import socket
from pathlib import Path

import pytest

from dorgu.errors import ProviderError
from dorgu.llm.base import FakeLlmClient
from dorgu.llm.retrying import RetryPolicy
from dorgu.models.config import EffectiveSettings, LlmSection
from dorgu.models.findings import Finding
from dorgu.services.analyzing import analyze_path
from dorgu.services.enhancing import LlmOptions, enhance_app, explain_finding
from tests.llm.servers import SUCCESS, FakeServer, Reply

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a socket connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network attempt: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def shop():
    return analyze_path(EXAMPLES / "compose-shop", environment={})


@pytest.mark.parametrize(
    ("llm", "enabled"),
    [
        (LlmSection(), True),  # no provider
        (LlmSection(provider="openai"), True),  # provider but no key
        (LlmSection(provider="anthropic", api_keys={"anthropic": "k"}), False),  # --no-llm
    ],
)
def test_without_a_usable_provider_nothing_changes_and_nothing_connects(
    no_network, tmp_path, llm, enabled
):
    model = shop()
    outcome = enhance_app(
        model,
        settings=EffectiveSettings(llm=llm),
        root=EXAMPLES / "compose-shop",
        environ={
            "OPENAI_API_KEY": "sk-lying-around-0000000000000000",
            "XDG_CACHE_HOME": str(tmp_path),
        },
        options=LlmOptions(enabled=enabled),
    )
    assert outcome.model == model
    assert outcome.changes == ()
    assert no_network == []
    assert not (tmp_path / "dorgu").exists()  # no cache written either


def test_missing_key_is_one_warning_not_spam(no_network):
    outcome = enhance_app(
        shop(), settings=EffectiveSettings(llm=LlmSection(provider="gemini")), environ={}
    )
    assert outcome.status == "none"
    assert outcome.warning.count("\n") == 0
    assert "GEMINI_API_KEY" in outcome.warning


def test_provider_failure_keeps_the_rule_based_model_with_one_line():
    model = shop()
    client = FakeLlmClient([ProviderError("openai (m): HTTP 500 server error after 3 attempts")])
    outcome = enhance_app(model, settings=EffectiveSettings(), client=client)
    assert outcome.status == "failed"
    assert outcome.model == model
    assert outcome.warning.startswith("LLM enhancement skipped: openai (m): HTTP 500")
    assert "rule-based result" in outcome.warning


def test_fake_client_enhancement_is_merged_with_evidence():
    model = shop()
    worker = model.component("worker")
    answer = {
        "summary": {
            "value": "A small shop: API, worker, Postgres and Redis.",
            "confidence": 0.8,
            "reason": "compose",
        },
        "components": [
            {
                "name": "worker",
                "type": {
                    "value": "worker",
                    "confidence": 0.9,
                    "reason": "consumes the order queue",
                },
                "dependencies": [
                    {"name": "redis", "type": "queue", "role": "order queue", "confidence": 0.7}
                ],
                "risks": ["no readiness endpoint"],
            },
            {"name": "api", "type": "banana"},
        ],
    }
    client = FakeLlmClient([answer])
    outcome = enhance_app(
        model,
        settings=EffectiveSettings(app={"instructions": "Worker reads ORDER_QUEUE."}),
        client=client,
    )
    assert outcome.status == "enhanced"
    assert outcome.model.description.startswith("A small shop")
    assert "Worker reads ORDER_QUEUE." in client.prompts[0].user
    # compose.depends_on said cache with confidence 1.0: kept
    assert outcome.model.component("worker").dependencies == worker.dependencies
    assert any("dropped" in d.message for d in outcome.model.diagnostics)  # the banana
    assert any(d.code == "llm.risk" for d in outcome.model.diagnostics)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "ollama"])
def test_each_provider_end_to_end_against_its_local_server(tmp_path, provider):
    model = analyze_path(EXAMPLES / "python-fastapi", environment={})
    name = model.components[0].name
    answer = {
        "summary": None,
        "components": [
            {
                "name": name,
                "description": {
                    "value": "Product catalogue API.",
                    "confidence": 0.7,
                    "reason": "routes",
                },
                "probes": [
                    {
                        "kind": "liveness",
                        "path": "/healthz",
                        "port": 8000,
                        "confidence": 0.8,
                        "reason": "health route",
                    }
                ],
                "api_summary": {
                    "value": "CRUD for products",
                    "confidence": 0.7,
                    "reason": "routes",
                },
            }
        ],
    }
    reply = (
        SUCCESS[provider](answer, name="dorgu_app_enhancement")
        if provider == "anthropic"
        else SUCCESS[provider](answer)
    )
    replies = [Reply(status=429, headers={"retry-after": "0"}), Reply(body=reply)]
    with FakeServer(replies) as server:
        base = server.url + {"openai": "/v1", "gemini": "/v1beta"}.get(provider, "")
        keys = {} if provider == "ollama" else {provider: "k-123"}
        settings = EffectiveSettings(
            llm=LlmSection(provider=provider, base_url=base, model="m-1", api_keys=keys)
        )
        options = LlmOptions(cache_dir=tmp_path, policy=RetryPolicy(base_delay=0.01))
        outcome = enhance_app(
            model, settings=settings, root=EXAMPLES / "python-fastapi", environ={}, options=options
        )
        assert len(server.requests) == 2
        assert server.requests[1].json().get("model", "m-1") == "m-1"
    assert outcome.status == "enhanced", outcome.warning
    assert outcome.provider == f"{provider} (m-1)"
    component = outcome.model.components[0]
    assert component.description == "Product catalogue API."
    assert ("liveness", "/healthz") in {(e.kind.value, e.path) for e in component.endpoints}
    assert {c.field.rsplit(".", 1)[-1] for c in outcome.changes} >= {
        "description",
        "liveness",
        "api_summary",
    }


def test_explain_falls_back_to_rules_without_provider(no_network):
    finding = Finding(rule_id="security.run-as-non-root", message="container runs as root")
    outcome = explain_finding(finding, settings=EffectiveSettings(), environ={})
    assert outcome.source == "rules"
    assert "non-root" in outcome.explanation.fix


def test_explain_uses_the_provider_and_falls_back_on_failure():
    finding = Finding(rule_id="x.y", message="image uses :latest")
    good = FakeLlmClient(
        [
            {
                "summary": "The tag moves.",
                "why": "Rollbacks break.",
                "fix": "Pin a digest: see https://evil.example",
            }
        ]
    )
    outcome = explain_finding(finding, settings=EffectiveSettings(), client=good)
    assert outcome.source == "fake (fake-model)"
    assert outcome.explanation.summary == "The tag moves."
    assert "evil.example" not in outcome.explanation.fix
    assert "image uses :latest" in good.prompts[0].user
    bad = FakeLlmClient([{"summary": ""}])
    fallback = explain_finding(finding, settings=EffectiveSettings(), client=bad)
    assert fallback.source == "rules"
    assert "does not match the schema" in fallback.warning
