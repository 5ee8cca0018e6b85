"""The live channel end to end: ``dorgu operator run --channel-port`` on the testbed, watched
by a ServiceAccount (token, TokenReview) and by the admin (client certificate verified against
the cluster's client CA): 401 without credentials, 403 outside the Role, events on persona
changes, resume without gaps or duplicates, and the stream surviving an operator restart."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import uuid
from typing import Any

import pytest
from lightkube import Client, codecs
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.core_v1 import ConfigMap, Namespace, ServiceAccount
from lightkube.resources.rbac_authorization_v1 import Role, RoleBinding
from lightkube.types import PatchType
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.cli.running import dorgu
from tests.operator.cluster_support import OperatorProcess, install_crds, persona

Persona = create_namespaced_resource("dorgu.io", "v1", "ApplicationPersona", "applicationpersonas")


def _token(kube: Client, namespace: str) -> str:
    kube.create(ServiceAccount(metadata=ObjectMeta(name="watcher")), namespace=namespace)
    kube.create(Role(metadata=ObjectMeta(name="read-personas"), rules=[PolicyRule(
        apiGroups=["dorgu.io"], resources=["applicationpersonas"], verbs=["get", "list"])]),
        namespace=namespace)  # fmt: skip
    kube.create(RoleBinding(metadata=ObjectMeta(name="watcher-reads"),
                            roleRef=RoleRef(apiGroup="rbac.authorization.k8s.io", kind="Role",
                                            name="read-personas"),
                            subjects=[Subject(kind="ServiceAccount", name="watcher",
                                              namespace=namespace)]), namespace=namespace)  # fmt: skip
    request = kube.create(ServiceAccount.Token(
        metadata=ObjectMeta(name="watcher", namespace=namespace),
        spec=TokenRequestSpec(audiences=[], expirationSeconds=600)), "watcher", namespace=namespace)  # fmt: skip
    return str(request.status.token)


def _phase(kube: Client, namespace: str, phase: str) -> None:
    kube.patch(Persona.Status, "web", {"status": {"phase": phase}}, namespace=namespace,
               patch_type=PatchType.MERGE)  # fmt: skip


class Channel:
    def __init__(self, kube: Client, home: str) -> None:
        data = kube.get(ConfigMap, "dorgu-channel", namespace=home).data or {}
        self.url = f"wss://127.0.0.1:{data['port']}/watch"
        self.context = ssl.create_default_context(cadata=data["ca.crt"])
        self.host = data["host"]

    def open(self, token: str | None, **query: str) -> Any:
        url = self.url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return connect(url, ssl=self.context, additional_headers=headers,
                       server_hostname=self.host, open_timeout=10)  # fmt: skip


async def _read(connection: Any, until: Any, timeout: float = 30) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not until(got):
            got.append(json.loads(await connection.recv()))
    return got


@pytest.fixture
def operator(testbed, tmp_path) -> Any:  # type: ignore[no-untyped-def]
    with testbed.client() as kube:
        install_crds(kube)
        home = f"dorgu-op-{uuid.uuid4().hex[:6]}"
        kube.create(Namespace(metadata=ObjectMeta(name=home)))

        def start(log: str) -> OperatorProcess:
            process = OperatorProcess(kubeconfig=testbed.kubeconfig, namespace=home,
                                      log=tmp_path / log, configuration=f"dorgu-test-{home}",
                                      extra=("--no-webhook", "--channel-port", "0"))  # fmt: skip
            process.wait_ready()
            return process

        started: list[OperatorProcess] = []

        def run(log: str = "operator.log") -> tuple[OperatorProcess, str]:
            started.append(start(log))
            return started[-1], home

        yield run
        for process in started:
            process.stop()
        kube.delete(Namespace, home)


def test_credentials_rbac_events_and_resume(testbed, namespace, operator) -> None:  # type: ignore[no-untyped-def]
    _, home = operator()
    with testbed.client() as kube:
        kube.create(codecs.from_dict(persona("web")), namespace=namespace)
        token = _token(kube, namespace)
        channel = Channel(kube, home)

        async def scenario() -> None:
            with pytest.raises(InvalidStatus) as caught:
                async with channel.open(None, namespace=namespace):
                    pass
            assert caught.value.response.status_code == 401
            assert caught.value.response.headers["WWW-Authenticate"].startswith("Bearer")
            with pytest.raises(InvalidStatus) as caught:
                async with channel.open(token, namespace="default"):
                    pass
            assert caught.value.response.status_code == 403
            assert b"system:serviceaccount" in caught.value.response.body
            with pytest.raises(InvalidStatus) as caught:
                async with channel.open("not-a-token", namespace=namespace):
                    pass
            assert caught.value.response.status_code == 401

            async with channel.open(token, namespace=namespace) as connection:
                first = await _read(connection, lambda got: any(e["type"] == "reset" for e in got))
                assert first[0]["type"] == "reset"
                await asyncio.to_thread(_phase, kube, namespace, "Degraded")
                events = await _read(connection, lambda got: any(
                    e["type"] == "phase" and e["data"] == {"phase": "Degraded"} for e in got))  # fmt: skip
                last = [e for e in events if not e.get("snapshot")][-1]["id"]
            await asyncio.to_thread(_phase, kube, namespace, "Failed")  # while disconnected
            await asyncio.sleep(2)
            async with channel.open(token, namespace=namespace, resume=last) as connection:
                missed = await _read(connection, lambda got: len(got) >= 1)
                assert missed[0]["type"] == "phase" and missed[0]["data"] == {"phase": "Failed"}
                assert not missed[0].get("snapshot")  # resumed, not reset
                await asyncio.to_thread(_phase, kube, namespace, "Active")
                more = await _read(connection, lambda got: len(got) >= 1)
                assert more[0]["data"] == {"phase": "Active"}  # no duplicate of "Failed" first

        asyncio.run(scenario())


def _rollback_phase(kube: Client, namespace: str, phase: str) -> None:
    record = {"via": "replicaset", "target": "1", "by": "test", "at": "2026-12-08T10:00:00Z",
              "phase": phase}  # fmt: skip
    kube.patch(Persona.Status, "web", {"status": {"rollback": record}}, namespace=namespace,
               patch_type=PatchType.MERGE)  # fmt: skip


def test_dorgu_watch_with_a_client_certificate_survives_an_operator_restart(
    testbed, namespace, operator
) -> None:  # type: ignore[no-untyped-def]
    from dorgu.clients import ConnectionOptions
    from dorgu.clients import connect as kube_connect
    from dorgu.clients.channel import credentials, find_endpoint, stream

    process, home = operator("first.log")
    with testbed.client() as kube:
        kube.create(codecs.from_dict(persona("web")), namespace=namespace)
        _rollback_phase(kube, namespace, "Running")
        shown = dorgu("watch", "web", "-n", namespace, "-o", "json", "--count", "1",
                      "--operator-namespace", home, "--kubeconfig", str(testbed.kubeconfig))  # fmt: skip
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["type"] == "reset"
        options = ConnectionOptions(kubeconfig=testbed.kubeconfig)
        client = kube_connect(options)
        creds = credentials(options)  # the admin's client certificate
        assert creds.cert_pem and not creds.token
        events: list[dict[str, Any]] = []

        def seen(event: dict[str, Any]) -> bool:
            events.append(event)
            data = event.get("data") or {}
            return not (event["type"] == "rollback" and data.get("phase") == "Failed"
                        and not event.get("snapshot"))  # fmt: skip

        def watch() -> None:
            asyncio.run(stream(lambda: find_endpoint(client, namespace=home, server=None),
                               creds, namespace=namespace, name="web", on_event=seen))  # fmt: skip

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        import time

        time.sleep(4)
        _rollback_phase(kube, namespace, "Succeeded")
        time.sleep(2)
        process.stop()
        operator("second.log")
        time.sleep(4)
        _rollback_phase(kube, namespace, "Failed")
        thread.join(90)
        client.close()
        assert not thread.is_alive(), f"the watch did not see the event after the restart: {events}"
        rollbacks = [((e.get("data") or {}).get("phase"), bool(e.get("snapshot")))
                     for e in events if e["type"] == "rollback"]  # fmt: skip
        resets = [e for e in events if e["type"] == "reset"]
        assert rollbacks[0] == ("Running", True), events
        live = [phase for phase, snapshot in rollbacks if not snapshot]
        assert live == ["Succeeded", "Failed"], events  # no gap, no duplicate
        epochs = {str(e["id"]).rsplit("-", 1)[0] for e in resets}
        assert len(epochs) == 2, events  # the new operator said so (reset) and sent a snapshot
