"""The disk cache: a second run on unchanged input makes no request; any change does."""

import stat

from dorgu.llm.base import FakeLlmClient, Prompt
from dorgu.llm.caching import CachingClient, ResponseCache, cache_key, default_cache_dir
from dorgu.models.config import EffectiveSettings, LlmSection
from dorgu.services.analyzing import analyze_path
from dorgu.services.enhancing import LlmOptions, enhance_app
from tests.llm.servers import SUCCESS, FakeServer, Reply

ANSWER = {
    "summary": {"value": "A tiny shop API.", "confidence": 0.6, "reason": "routes"},
    "components": [],
}


def write_app(root, route="/orders"):
    root.mkdir(exist_ok=True)
    (root / "Dockerfile").write_text(
        'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["uvicorn", "app:app"]\n'
    )
    (root / "requirements.txt").write_text("fastapi\n")
    (root / "app.py").write_text(
        f"from fastapi import FastAPI\napp = FastAPI()\n@app.get('{route}')\ndef f():\n    return []\n"
    )
    return root


def run(root, server, cache_dir, model_name=None):
    settings = EffectiveSettings(
        llm=LlmSection(provider="ollama", base_url=server.url, model=model_name)
    )
    return enhance_app(
        analyze_path(root, environment={}),
        settings=settings,
        root=root,
        environ={},
        options=LlmOptions(cache_dir=cache_dir),
    )


def test_second_run_on_unchanged_input_makes_no_network_call(tmp_path):
    root = write_app(tmp_path / "app")
    with FakeServer([Reply(body=SUCCESS["ollama"](ANSWER))]) as server:
        first = run(root, server, tmp_path / "cache")
        second = run(root, server, tmp_path / "cache")
        assert len(server.requests) == 1
    assert first.status == "enhanced"
    assert second.status == "cached"
    assert first.model == second.model
    assert second.model.description == "A tiny shop API."


def test_changed_input_or_model_misses_the_cache(tmp_path):
    root = write_app(tmp_path / "app")
    with FakeServer([Reply(body=SUCCESS["ollama"](ANSWER))]) as server:
        run(root, server, tmp_path / "cache")
        write_app(root, route="/invoices")
        run(root, server, tmp_path / "cache")
        run(root, server, tmp_path / "cache", model_name="other-model")
        assert len(server.requests) == 3


def test_failures_are_not_cached(tmp_path):
    root = write_app(tmp_path / "app")
    replies = [Reply(status=400, body={"error": "bad"}), Reply(body=SUCCESS["ollama"](ANSWER))]
    with FakeServer(replies) as server:
        assert run(root, server, tmp_path / "cache").status == "failed"
        assert run(root, server, tmp_path / "cache").status == "enhanced"
        assert len(server.requests) == 2


def test_entries_are_private_files_under_the_cache_dir(tmp_path):
    cache = ResponseCache(tmp_path / "c" / "dorgu" / "llm")
    client = CachingClient(FakeLlmClient([{"a": 1}]), cache=cache, base_url="u", schema_id="s/v1")
    assert client.complete_json(Prompt("s", "u"), schema={}, name="n") == {"a": 1}
    (entry,) = cache.directory.iterdir()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert client.complete_json(Prompt("s", "u"), schema={}, name="n") == {"a": 1}
    assert client.hits == 1


def test_a_corrupt_entry_is_ignored(tmp_path):
    cache = ResponseCache(tmp_path)
    key = cache_key(provider="p", model="m", base_url="u", schema_id="s", prompt=Prompt("a", "b"))
    (tmp_path / f"{key}.json").write_text("{broken")
    assert cache.get(key) is None


def test_key_depends_on_every_part():
    base = {
        "provider": "p",
        "model": "m",
        "base_url": "u",
        "schema_id": "s",
        "prompt": Prompt("a", "b"),
    }
    keys = {cache_key(**base)}
    for name, value in [
        ("provider", "q"),
        ("model", "n"),
        ("base_url", "v"),
        ("schema_id", "t"),
        ("prompt", Prompt("a", "c")),
    ]:
        keys.add(cache_key(**{**base, name: value}))
    assert len(keys) == 6


def test_default_cache_dir_follows_xdg(tmp_path):
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "dorgu" / "llm"
    relative = default_cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/home/u"})
    assert str(relative) == "/home/u/.cache/dorgu/llm"
