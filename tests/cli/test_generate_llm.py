"""`dorgu generate --llm-provider X` end to end against a local fake of each provider: the LLM's
description reaches the persona and PERSONA.md; the manifests stay rule-based; a failing
provider falls back to the rule-based result with one warning."""

import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.test_explain_cli import dorgu
from tests.llm.servers import SUCCESS, FakeServer, Reply

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY"}
ANSWER = {
    "summary": None,
    "components": [
        {
            "name": "app",
            "description": {
                "value": "Product catalogue API.",
                "confidence": 0.9,
                "reason": "routes",
            },
            "api_summary": {
                "value": "Lists, creates and deletes products.",
                "confidence": 0.8,
                "reason": "routes",
            },
            "risks": ["DELETE /products/{product_id} has no authentication"],
            "probes": [],
        }
    ],
}


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "python-fastapi", path)
    return path


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "ollama"])
def test_generate_with_each_provider_uses_the_enhanced_analysis(app, tmp_path, provider):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    if provider in KEYS:
        env[KEYS[provider]] = "test-key-not-real"
    with FakeServer([Reply(body=SUCCESS[provider](ANSWER))]) as server:
        out = dorgu(
            "generate", "--llm-provider", provider, "--llm-base-url", server.url, str(app), env=env
        )
        assert len(server.requests) == 1
    assert out.returncode == 0, out.stderr
    persona = yaml.safe_load((app / "k8s" / "applicationpersona.yaml").read_text())
    assert persona["spec"]["technical"]["description"] == "Product catalogue API."
    document = (app / "k8s" / "PERSONA.md").read_text()
    assert "Product catalogue API." in document
    assert "Lists, creates and deletes products." in document  # the LLM-written narrative
    assert "DELETE /products/{product_id} has no authentication" in document
    deployment = yaml.safe_load((app / "k8s" / "deployment.yaml").read_text())
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert probe["httpGet"]["path"] == "/readyz"


def test_a_failing_provider_falls_back_to_the_rule_based_output(app, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    with FakeServer([Reply(status=500, body=b"{}")] * 5) as server:
        out = dorgu(
            "generate", "--llm-provider", "ollama", "--llm-base-url", server.url, str(app), env=env
        )
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("warning: ") >= 1
    persona = yaml.safe_load((app / "k8s" / "applicationpersona.yaml").read_text())
    assert persona["spec"]["technical"].get("description") != "Product catalogue API."


def test_no_llm_makes_no_request(app, tmp_path):
    with FakeServer([Reply(body=SUCCESS["ollama"](ANSWER))]) as server:
        out = dorgu(
            "generate", "--no-llm", "--llm-provider", "ollama", "--llm-base-url", server.url, str(app),
            env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
        )  # fmt: skip
        assert server.requests == []
    assert out.returncode == 0, out.stderr
