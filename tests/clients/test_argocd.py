"""``dorgu rollback --via api`` against a local server speaking Argo CD's REST API: the same
rollback as through the Kubernetes API, the token sent and never shown, errors as one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dorgu.clients import FakeKube
from dorgu.clients.argocd import ArgoRestClient, check_server
from dorgu.errors import ClusterError, ConflictError, UsageError
from dorgu.services.rollbacks import RollbackRequest, rollback
from tests.cli.running import dorgu
from tests.clients.argocd_server import serve
from tests.gitops.test_rollbacks import HISTORY, _app

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _run(server_url: str, token: str = "argo-token", **options: object):
    client = ArgoRestClient(server_url, token=token)
    try:
        request = RollbackRequest(name="shop", namespace="shop", poll_seconds=0, **options)  # type: ignore[arg-type]
        return rollback(request, client=FakeKube(namespace="shop", user="alice"), argocd=client,
                        clock=lambda: NOW, sleep=lambda s: None)  # fmt: skip
    finally:
        client.close()


def test_the_rollback_goes_through_the_server_and_is_followed_to_its_end():
    with serve(_app(HISTORY)) as server:
        outcome = _run(server.url)
    assert (outcome.via, outcome.target, outcome.phase) == ("argocd-api", "2", "Succeeded")
    methods = [(m, p) for m, p, _ in server.calls]
    assert ("POST", "/api/v1/applications/shop/rollback") in methods
    post = next(b for m, p, b in server.calls if m == "POST")
    assert post["id"] == 2 and post["dryRun"] is False and post["appNamespace"] == "argocd"
    assert set(server.authorizations) == {"Bearer argo-token"}
    assert "dorgu.io/last-rollback" in server.app["metadata"]["annotations"]  # type: ignore[index]


def test_auto_sync_is_refused_before_any_write_then_turned_off_on_request():
    with serve(_app(HISTORY, automated={"prune": True})) as server:
        with pytest.raises(ConflictError, match="auto-sync is enabled"):
            _run(server.url)
        assert [m for m, _, _ in server.calls] == ["GET"]
        outcome = _run(server.url, disable_auto_sync=True)
    assert outcome.phase == "Succeeded"
    patch = json.loads(next(b for m, _, b in server.calls if m == "PATCH")["patch"])
    assert patch["spec"] == {"syncPolicy": {"automated": None}}
    assert "automated" not in server.app["spec"]["syncPolicy"]  # type: ignore[index]


def test_a_bad_token_is_one_line_without_the_token():
    with serve(_app(HISTORY)) as server, pytest.raises(ClusterError) as caught:
        _run(server.url, token="wrong-secret-token")
    assert "401" in str(caught.value) and "wrong-secret-token" not in str(caught.value)


def test_server_urls_are_checked():
    with pytest.raises(UsageError, match="not an http"):
        check_server("argocd.example.com")
    with pytest.raises(UsageError, match="credentials do not belong"):
        check_server("https://admin:pw@argocd.example.com")


def test_the_cli_checks_its_flags_and_needs_a_token(monkeypatch):
    monkeypatch.delenv("ARGOCD_AUTH_TOKEN", raising=False)
    for args, message in [
        (["--via", "api"], "--server"),
        (["--server", "https://x"], "go with --via api"),
        (["--previous", "--to-revision", "3"], "exclude each other"),
        (["--via", "api", "--server", "https://x"], "needs an Argo CD token"),
        (["--via", "api", "--server", "ftp://x"], "not an http"),
        (["--timeout", "soon"], "--timeout"),
    ]:
        result = dorgu("rollback", "shop", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
