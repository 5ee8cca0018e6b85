"""Building the notifier at operator start, with a mocked API server (the real one is in
tests/cluster/test_cluster_notify.py): the routing Secret's problems are one-line config
errors, the persona ownership comes from the informer cache, no target means no notifier."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
from pydantic import SecretStr

from dorgu.errors import ConfigError
from dorgu.models.incidents import PersonaKind, PersonaRef
from dorgu.operator.api import Api
from dorgu.operator.notifying import build_notifier, persona_ownership
from dorgu.operator.options import OperatorOptions
from dorgu.operator.watching import ClusterView

ROUTING = "targets:\n  - {name: ops, kind: webhook, url: 'https://hooks.example/secret-path'}\n"


def _api(secrets: dict[str, dict[str, str]], status: int = 200) -> Api:
    def handle(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if status != 200:
            return httpx.Response(status, json={"message": "nope"})
        if name not in secrets:
            return httpx.Response(404, json={"message": f'secrets "{name}" not found'})
        data = {k: base64.b64encode(v.encode()).decode() for k, v in secrets[name].items()}
        return httpx.Response(200, json={"kind": "Secret", "data": data})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="https://api")
    return Api(http, field_manager="test")


def _build(options: OperatorOptions, api: Api):  # type: ignore[no-untyped-def]
    return asyncio.run(build_notifier(options, api=api, view=ClusterView()))


def test_routing_secret_targets_are_used():
    options = OperatorOptions(namespace="dorgu-system", notify_routing_secret="routing")
    notifier = _build(options, _api({"routing": {"routing.yaml": ROUTING}}))
    assert notifier is not None and sorted(notifier.setup.targets) == ["ops"]
    assert "secret-path" not in repr(notifier.setup)


@pytest.mark.parametrize(
    ("secrets", "status", "expected"),
    [
        ({}, 200, "notification routing: Secret dorgu-system/routing not found"),
        ({}, 403, "notification routing: may not read Secret dorgu-system/routing"),
        ({"routing": {"other": "x"}}, 200, "has no key routing.yaml"),
        ({"routing": {"routing.yaml": "routes: [{name: r, targets: [x]}]"}}, 200, "unknown target 'x'"),
        ({"routing": {"routing.yaml": "rateLimit: {burst: 0}"}}, 200,
         "Secret dorgu-system/routing routing.yaml:1: rateLimit.burst"),
    ],
)  # fmt: skip
def test_routing_secret_problems_are_one_line_config_errors(secrets, status, expected):
    options = OperatorOptions(namespace="dorgu-system", notify_routing_secret="routing")
    with pytest.raises(ConfigError) as caught:
        _build(options, _api(secrets, status))
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_no_target_means_no_notifier_and_flags_alone_suffice():
    assert _build(OperatorOptions(), _api({})) is None
    options = OperatorOptions(notify_webhook_url=SecretStr("https://hooks.example/x"))
    notifier = _build(options, _api({}))
    assert notifier is not None and list(notifier.setup.targets) == ["webhook"]


def test_persona_ownership_comes_from_the_cache():
    view = ClusterView()
    view.personas.put(json.loads(json.dumps({
        "apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {"name": "orders", "type": "api",
                 "ownership": {"team": "payments", "channel": "#payments-oncall"}},
    })))  # fmt: skip
    ref = PersonaRef(kind=PersonaKind.APPLICATION, name="orders", namespace="shop")
    ownership = persona_ownership(view, ref)
    assert ownership is not None and (ownership.team, ownership.channel) == (
        "payments",
        "#payments-oncall",
    )
    assert persona_ownership(view, ref.model_copy(update={"name": "cart"})) is None
