"""`dorgu explain` and `dorgu analyze --llm-* / --no-llm / --explain` in a subprocess, with
local provider servers; Ctrl-C during a provider call ends the command promptly."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.llm.servers import SUCCESS, FakeServer, Reply

ROOT = Path(__file__).resolve().parents[2]
FASTAPI = ROOT / "examples" / "python-fastapi"


def dorgu(*args, stdin=None, env=None, cwd=None):
    base = {
        k: v for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.startswith("DORGU_") and k != "OLLAMA_HOST"
    }  # fmt: skip
    full = {**base, "XDG_CONFIG_HOME": "/nonexistent-dorgu-test", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", *args],
        input=stdin, capture_output=True, text=True, env=full, cwd=cwd, timeout=60,
    )  # fmt: skip


def test_explain_from_flags_is_rule_based_without_provider():
    out = dorgu("explain", "--rule", "security.read-only-root", "--message", "root filesystem is writable",
                "--kind", "Deployment", "--name", "api", "--field", "spec.template.spec.containers[0]")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "warning · security.read-only-root · Deployment/api" in out.stdout
    assert "readOnlyRootFilesystem: true" in out.stdout
    assert "(explained by rules)" in out.stdout
    assert out.stderr == ""


def test_explain_reads_a_file_stdin_and_persona_issues(tmp_path):
    finding = {"ruleId": "images.latest", "severity": "error", "field": "image", "message": "uses :latest",
               "resource": {"kind": "Deployment", "name": "web", "namespace": "shop"}}  # fmt: skip
    path = tmp_path / "finding.json"
    path.write_text(json.dumps(finding))
    from_file = dorgu("explain", str(path), "--json")
    assert from_file.returncode == 0, from_file.stderr
    data = json.loads(from_file.stdout)
    assert data["finding"]["rule_id"] == "images.latest"
    assert data["source"] == "rules"
    assert "digest" in data["fix"]
    issues = {
        "issues": [
            {
                "severity": "warning",
                "field": "resources",
                "message": "no memory limit",
                "suggestion": "set 256Mi",
            },
            finding,
        ]
    }
    from_stdin = dorgu("explain", "-", stdin=json.dumps(issues))
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout.count("(explained by rules)") == 2
    assert "set 256Mi" in from_stdin.stdout


def test_explain_input_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    for args, code, text in [
        ((str(bad),), 3, "not JSON"),
        ((str(tmp_path / "missing.json"),), 3, "cannot read"),
        (("-",), 2, "nothing to explain"),
    ]:
        out = dorgu("explain", *args, stdin="")
        assert out.returncode == code, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and text in out.stderr
    out = dorgu("explain", "-", stdin='{"severity": "fatal", "message": "x"}')
    assert out.returncode == 3 and "severity" in out.stderr


def test_explain_with_a_provider_and_with_a_failing_one():
    answer = {
        "summary": "The pod can run as root.",
        "why": "Escapes hurt.",
        "fix": "Set runAsNonRoot: true.\nrunAsUser: 10001",
    }
    with FakeServer([Reply(body=SUCCESS["openai"](answer))]) as server:
        out = dorgu(
            "explain",
            "--message",
            "runs as root",
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.url + "/v1",
        )
        assert len(server.requests) == 1
    assert out.returncode == 0, out.stderr
    assert "The pod can run as root." in out.stdout
    assert "    runAsUser: 10001" in out.stdout
    assert "(explained by openai (gpt-5-mini))" in out.stdout
    with FakeServer([Reply(status=401, body={"error": {"message": "bad key"}})]) as server:
        out = dorgu("explain", "--message", "runs as root", "--llm-provider", "anthropic",
                    "--llm-base-url", server.url, env={"ANTHROPIC_API_KEY": "k"})  # fmt: skip
    assert out.returncode == 0
    assert "(explained by rules)" in out.stdout
    assert out.stderr.count("\n") == 1 and "HTTP 401" in out.stderr


def test_analyze_explain_shows_what_the_llm_changed_and_why(tmp_path):
    answer = {
        "summary": None,
        "components": [{
            "name": "python-fastapi",
            "description": {"value": "Product catalogue API.", "confidence": 0.9, "reason": "routes and README"},
            "probes": [{"kind": "liveness", "path": "/healthz", "port": 8000, "confidence": 0.8, "reason": "health route"},
                       {"kind": "startup", "path": "/made-up", "port": None, "confidence": 0.9, "reason": "guess"}],
        }],
    }  # fmt: skip
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    with FakeServer([Reply(body=SUCCESS["ollama"](answer))]) as server:
        args = (
            "analyze",
            "--llm-provider",
            "ollama",
            "--llm-base-url",
            server.url,
            "--explain",
            "--no-evidence",
            str(FASTAPI),
        )
        out = dorgu(*args, env=env)
        again = dorgu(*args, env=env)
        assert len(server.requests) == 1  # the second run came from the cache
    assert out.returncode == 0, out.stderr
    assert "llm: ollama (llama3.2) (enhanced)" in out.stdout
    assert "components.python-fastapi.description" in out.stdout
    assert "(unset) -> Product catalogue API.  (confidence 0.70)" in out.stdout
    assert "why: routes and README" in out.stdout
    assert "/made-up" in out.stdout and "no route serves it" in out.stdout
    assert "(cached)" in again.stdout
    as_json = dorgu(
        "analyze",
        "--json",
        "--llm-provider",
        "ollama",
        "--llm-base-url",
        "http://127.0.0.1:9",
        "--no-llm",
        str(FASTAPI),
    )
    assert as_json.returncode == 0 and as_json.stderr == ""
    assert "llm" not in json.loads(as_json.stdout)["evidence"][0]["source"]


def test_analyze_with_a_dead_provider_warns_once_and_keeps_the_rule_result():
    plain = dorgu("analyze", "--json", str(FASTAPI))
    out = dorgu(
        "analyze",
        "--json",
        "--llm-provider",
        "ollama",
        "--llm-base-url",
        "http://127.0.0.1:9",
        str(FASTAPI),
    )
    assert out.returncode == 0
    assert out.stdout == plain.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to http://127.0.0.1:9" in lines[0]


def test_no_provider_and_explain_says_so():
    out = dorgu(
        "analyze", "--explain", str(FASTAPI), env={"OPENAI_API_KEY": "sk-unused-000000000000000000"}
    )
    assert out.returncode == 0 and out.stderr == ""
    assert "llm: off (no LLM provider configured); nothing changed" in out.stdout
    out = dorgu("analyze", "--explain", "--no-llm", "--llm-provider", "openai", str(FASTAPI))
    assert "llm: off (disabled (--no-llm))" in out.stdout


def test_ctrl_c_during_a_provider_call_stops_promptly():
    with FakeServer([Reply(delay=30, body=SUCCESS["ollama"]({}))]) as server:
        full = {k: v for k, v in os.environ.items() if not k.startswith("DORGU_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "dorgu.cli.main", "analyze", "--llm-provider", "ollama",
             "--llm-base-url", server.url, str(FASTAPI)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**full, "XDG_CONFIG_HOME": "/nonexistent-dorgu-test", "XDG_CACHE_HOME": "/nonexistent-dorgu-cache"},
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the provider was never called"
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - start
    assert proc.returncode == 130
    assert "aborted" in err or "interrupted" in err
    assert elapsed < 3
