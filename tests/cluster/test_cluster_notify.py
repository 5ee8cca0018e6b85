"""Notifications against a real kube-apiserver: the routing Secret read at operator start
(missing, keyless and invalid Secrets are one-line config errors), the delivery state written
through the IncidentMemory status subresource and bounded by the CRD, and a restart that reads
the stored incident back sends nothing twice; a recurrence after a restart finds the earlier
episode through the API and posts into its Slack thread."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from typing import Any

import pytest
from lightkube import ApiError, Client, codecs
from lightkube.types import PatchType
from pydantic import SecretStr

from dorgu.errors import ConfigError
from dorgu.models.incidents import IncidentMemory, IncidentPhase
from dorgu.models.personas_base import dump_wire
from dorgu.operator.api import Api
from dorgu.operator.connecting import connect
from dorgu.operator.notifying import build_notifier
from dorgu.operator.options import FIELD_MANAGER, OperatorOptions
from dorgu.operator.watching import ClusterView
from tests.clients.notify_servers import TOKEN, stand_in
from tests.cluster.test_cluster_incident_crd import IM, incident_crd  # noqa: F401 - fixture
from tests.learning.notifications.incidents import T0, incident

pytestmark = pytest.mark.usefixtures("incident_crd")


def _secret(kube: Client, namespace: str, name: str, data: dict[str, str]) -> None:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": encoded}
    kube.create(codecs.from_dict(body), namespace=namespace)


def _build(testbed: Any, options: OperatorOptions) -> Any:
    async def go() -> Any:
        http = connect(kubeconfig=testbed.kubeconfig).http_client()
        try:
            notifier = await build_notifier(options, api=Api(http, field_manager=FIELD_MANAGER),
                                            view=ClusterView())  # fmt: skip
        except BaseException:
            await http.aclose()
            raise
        return notifier, http

    return asyncio.run(go())


def _options(namespace: str, url: str, **extra: Any) -> OperatorOptions:
    return OperatorOptions(namespace=namespace, kubeconfig=None, notify_slack_token=SecretStr(TOKEN),
                           notify_slack_channel="#incidents", notify_slack_api_url=f"{url}/api",
                           **extra)  # fmt: skip


def test_routing_secret_problems_are_one_line_config_errors(
    testbed, kube: Client, namespace: str
) -> None:
    _secret(kube, namespace, "no-key", {"other": "x"})
    _secret(
        kube,
        namespace,
        "invalid",
        {"routing.yaml": "routes:\n  - name: r\n    targets: [nowhere]\n"},
    )
    cases = {
        "missing": "Secret %s/missing not found",
        "no-key": "Secret %s/no-key has no key routing.yaml",
        "invalid": "unknown target 'nowhere'",
    }
    for name, expected in cases.items():
        with pytest.raises(ConfigError) as caught:
            _build(testbed, _options(namespace, "http://127.0.0.1:1", notify_routing_secret=name))
        message = str(caught.value)
        assert (expected % namespace if "%s" in expected else expected) in message
        assert "\n" not in message


def _write_status(kube: Client, inc: IncidentMemory) -> IncidentMemory:
    status = dump_wire(inc)["status"]
    kube.patch(IM.Status, inc.metadata.name, {"status": {"notifications": status["notifications"]}},
               namespace=inc.metadata.namespace, patch_type=PatchType.MERGE)  # fmt: skip
    return IncidentMemory.model_validate(
        kube.get(IM, inc.metadata.name, namespace=inc.metadata.namespace).to_dict()
    )


def _create(kube: Client, inc: IncidentMemory) -> IncidentMemory:
    body = dump_wire(inc)
    status = body.pop("status")
    kube.create(codecs.from_dict(body), namespace=inc.metadata.namespace)
    kube.patch(IM.Status, inc.metadata.name, {"status": status}, namespace=inc.metadata.namespace,
               patch_type=PatchType.MERGE)  # fmt: skip
    return IncidentMemory.model_validate(
        kube.get(IM, inc.metadata.name, namespace=inc.metadata.namespace).to_dict()
    )


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


def test_delivery_state_survives_a_restart_through_the_api_server(
    testbed, kube: Client, namespace: str
) -> None:
    routing = "routes:\n  - name: all\n    targets: [slack]\n"
    _secret(kube, namespace, "routing", {"routing.yaml": routing})
    with stand_in() as server:
        options = _options(namespace, server.url, notify_routing_secret="routing")
        clock = Clock()

        async def lifecycle() -> tuple[IncidentMemory, str]:
            http = connect(kubeconfig=testbed.kubeconfig).http_client()
            api = Api(http, field_manager=FIELD_MANAGER)
            notifier = await build_notifier(options, api=api, view=ClusterView())
            assert notifier is not None
            notifier.clock = clock
            stored = _create(kube, incident(namespace=namespace, name="orders-fd16c631a4-1"))
            written = await notifier(None, stored)
            assert written is not None
            stored = _write_status(kube, written)
            root = stored.status.notifications[0].thread
            assert root and stored.status.notifications[0].channel_id == "C0INCIDENTS"
            await notifier.aclose()
            await http.aclose()
            # restart: a new notifier sees only what the API server holds
            http = connect(kubeconfig=testbed.kubeconfig).http_client()
            api = Api(http, field_manager=FIELD_MANAGER)
            restarted = await build_notifier(options, api=api, view=ClusterView())
            assert restarted is not None
            restarted.clock = clock
            clock.now += timedelta(minutes=10)
            assert await restarted(None, stored) is None
            resolved = stored.model_copy(update={"status": stored.status.model_copy(
                update={"phase": IncidentPhase.RESOLVED, "resolved_at": clock.now})})  # fmt: skip
            resolved = _write_status(kube, await restarted(None, resolved) or resolved)
            kube.patch(IM.Status, resolved.metadata.name, {"status": {"phase": "Resolved",
                       "resolvedAt": "2026-01-05T10:10:00Z"}}, namespace=namespace,
                       patch_type=PatchType.MERGE)  # fmt: skip
            await restarted.aclose()
            await http.aclose()
            # another restart, then the incident recurs 3 h later: into the same thread
            http = connect(kubeconfig=testbed.kubeconfig).http_client()
            api = Api(http, field_manager=FIELD_MANAGER)
            third = await build_notifier(options, api=api, view=ClusterView())
            assert third is not None
            third.clock = clock
            clock.now += timedelta(hours=3)
            recurrence = _create(kube, incident(namespace=namespace, episode=2,
                                                name="orders-fd16c631a4-2",
                                                phase=IncidentPhase.RECURRING,
                                                previous="orders-fd16c631a4-1"))  # fmt: skip
            written = await third(None, recurrence)
            assert written is not None
            stored2 = _write_status(kube, written)
            await third.aclose()
            await http.aclose()
            return stored2, root

        recurred, root = asyncio.run(lifecycle())
        posts = server.posted("/api/chat.postMessage")
        assert len(posts) == 3  # opened, resolved (in the thread), recurred (in the thread)
        assert "thread_ts" not in posts[0].body
        assert posts[1].body["thread_ts"] == root and posts[1].body["text"].startswith("Resolved:")
        assert posts[2].body["thread_ts"] == root and posts[2].body["text"].startswith("Recurred:")
        state = recurred.status.notifications[0]
        assert state.thread == root and state.inherited_from == "orders-fd16c631a4-1"


def test_the_api_server_bounds_the_delivery_state(kube: Client, namespace: str) -> None:
    stored = _create(kube, incident(namespace=namespace, name="bounded-fd16c631a4-1"))
    state = {"target": "t", "kind": "slack", "sent": "Detected/critical/1"}
    too_many = [dict(state, target=f"t{i}") for i in range(9)]
    with pytest.raises(ApiError) as caught:
        kube.patch(IM.Status, stored.metadata.name, {"status": {"notifications": too_many}},
                   namespace=namespace, patch_type=PatchType.MERGE)  # fmt: skip
    assert caught.value.status.code == 422 and "status.notifications" in str(caught.value)
    with pytest.raises(ApiError) as caught:
        kube.patch(IM.Status, stored.metadata.name,
                   {"status": {"notifications": [dict(state, kind="email", lastError="x" * 201)]}},
                   namespace=namespace, patch_type=PatchType.MERGE)  # fmt: skip
    assert "kind" in str(caught.value) and "lastError" in str(caught.value)
