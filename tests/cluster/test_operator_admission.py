"""The operator's webhook against the testbed: enforce denies (naming rule, field, bound and
fix), warn admits with warnings the client sees, audit admits and reports in status,
exemptions apply until they expire, dry runs leave no trace, persona-less Deployments pass."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lightkube import Client, codecs
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace

from dorgu.operator.connecting import connect
from tests.operator.cluster_support import (
    AP,
    OperatorProcess,
    delete_quietly,
    denial,
    deployment,
    make_namespace,
    persona,
    running_operator,
    status_of,
    temporary_namespace,
)


@pytest.fixture(scope="module")
def operator(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with running_operator(
        testbed, tmp_path_factory.mktemp("operator"), expect_webhook_configuration=True
    ) as process:
        yield process


@pytest.fixture
def ns(kube: Client) -> Iterator[str]:
    with temporary_namespace(kube) as name:
        yield name


def _wait_for_persona_in_cache(kube: Client, ns: str, name: str, eventually) -> None:
    """The webhook reads personas from its watch cache: wait until a violating dry run is
    denied (enforce) — proof the cache has the persona."""
    probe = deployment(f"probe-{name}", app=name, cpu="8")
    eventually(lambda: denial(kube, ns, probe, dry_run=True) is not None, timeout=20)


def test_enforce_denies_over_the_bound_naming_rule_field_bound_and_fix(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    _wait_for_persona_in_cache(kube, ns, "shop", eventually)

    message = denial(kube, ns, deployment("shop", cpu="2"))

    assert message is not None
    assert "validate-deployment.dorgu.io" in message
    assert "persona.resource-bounds" in message
    assert "spec.template.spec.containers[0].resources.limits.cpu" in message
    assert "500m" in message  # the persona's bound
    assert "fix:" in message
    assert denial(kube, ns, deployment("shop", cpu="400m")) is None
    assert operator.metric("dorgu_admission_decisions_total", result="denied", mode="enforce") >= 1


def _warnings_of_create(testbed, ns: str, body: dict) -> tuple[int, list[str]]:
    async def send() -> tuple[int, list[str]]:
        async with connect(kubeconfig=testbed.kubeconfig).http_client() as http:
            response = await http.post(f"/apis/apps/v1/namespaces/{ns}/deployments", json=body)
            return response.status_code, response.headers.get_list("warning")

    return asyncio.run(send())


def test_warn_admits_with_warnings_the_client_sees(
    operator: OperatorProcess, testbed, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("cart", mode="warn")), namespace=ns)
    probe = deployment("probe", app="cart", cpu="8")
    eventually(lambda: any("persona.resource-bounds" in w for w in
                           _warnings_of_create(testbed, ns, {**probe, "metadata": {**probe["metadata"], "name": f"p{time.monotonic_ns()}"}})[1]), timeout=20)  # fmt: skip

    code, warnings = _warnings_of_create(testbed, ns, deployment("cart", cpu="2"))

    assert code == 201
    assert any("persona.resource-bounds" in w and "500m" in w for w in warnings), warnings
    assert kube.get(Deployment, "cart", namespace=ns).metadata.name == "cart"


def test_audit_admits_and_reports_in_status(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("ledger", mode="audit")), namespace=ns)
    eventually(lambda: status_of(kube, ns, "ledger").get("phase") == "Pending")

    assert denial(kube, ns, deployment("ledger", cpu="2")) is None

    def degraded() -> dict | None:
        status = status_of(kube, ns, "ledger")
        return status if status.get("phase") == "Degraded" else None

    status = eventually(degraded)
    validation = status["validation"]
    assert validation["passed"] is False
    assert validation["mode"] == "audit"
    assert any(i.get("rule") == "persona.resource-bounds" for i in validation["issues"])
    (target,) = validation["targets"]
    assert (target["kind"], target["name"], target["passed"]) == ("Deployment", "ledger", False)


def test_namespace_label_sets_the_default_mode(
    operator: OperatorProcess, kube: Client, eventually
) -> None:
    ns = make_namespace(kube, f"t-{uuid.uuid4().hex[:10]}", mode="enforce")
    try:
        kube.create(codecs.from_dict(persona("api")), namespace=ns)  # no mode in the persona
        _wait_for_persona_in_cache(kube, ns, "api", eventually)
        assert "persona.resource-bounds" in (denial(kube, ns, deployment("api", cpu="2")) or "")
    finally:
        delete_quietly(kube, Namespace, ns)


def test_exemption_admits_until_it_expires(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("pay", mode="enforce")), namespace=ns)
    _wait_for_persona_in_cache(kube, ns, "pay", eventually)
    expires = (datetime.now(UTC) + timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    annotations = {
        "dorgu.io/exempt": "persona.resource-bounds",
        "dorgu.io/exempt-owner": "team-payments",
        "dorgu.io/exempt-expires": expires,
    }
    body = deployment("pay", cpu="2", annotations=annotations)

    assert denial(kube, ns, body) is None
    time.sleep(5)
    body["metadata"]["name"] = "pay-2"
    message = denial(kube, ns, body)

    assert message is not None and "persona.resource-bounds" in message


def test_dry_run_is_decided_but_leaves_no_status_change(
    operator: OperatorProcess, kube: Client, ns: str, eventually
) -> None:
    kube.create(codecs.from_dict(persona("dry", mode="audit")), namespace=ns)
    eventually(lambda: status_of(kube, ns, "dry").get("phase") == "Pending")
    before = kube.get(AP, "dry", namespace=ns).metadata.resourceVersion
    audits = operator.metric("dorgu_status_writes_total", kind="persona")

    assert denial(kube, ns, deployment("dry", cpu="2"), dry_run=True) is None
    time.sleep(2)

    assert kube.get(AP, "dry", namespace=ns).metadata.resourceVersion == before
    assert operator.metric("dorgu_status_writes_total", kind="persona") == audits
    assert status_of(kube, ns, "dry")["phase"] == "Pending"


def test_deployment_without_persona_takes_the_fast_path(
    operator: OperatorProcess, kube: Client, ns: str
) -> None:
    skipped = operator.metric("dorgu_admission_decisions_total", result="skipped")

    assert denial(kube, ns, deployment("lonely", cpu="64")) is None

    assert operator.metric("dorgu_admission_decisions_total", result="skipped") > skipped


def test_metrics_and_health_endpoints(operator: OperatorProcess) -> None:
    assert operator.get("/healthz") == (200, "ok\n")
    assert operator.get("/readyz")[0] == 200
    text = operator.get("/metrics")[1]
    assert "# TYPE dorgu_admission_duration_seconds histogram" in text
    assert 'dorgu_cache_objects{cache="applicationpersonas.dorgu.io"}' in text
    # no cert-manager on the testbed: `--certificates auto` made and injected its own
    assert operator.metric("dorgu_webhook_certificate_loads_total", source="self") >= 1
    assert operator.metric("dorgu_webhook_certificate_writes_total", target="secret") >= 1
    assert operator.metric("dorgu_webhook_certificate_writes_total", target="ca-bundle") >= 1


def test_hostile_clients_leave_the_operator_up_quiet_and_enforcing(
    operator: OperatorProcess, kube: Client, ns: str, eventually, tmp_path
) -> None:
    """curl-style abuse of the operator's own webhook port (garbage, a 20 MiB body, malformed
    reviews, HTTP/2 clients leaving right after or in the middle of a request): each gets a
    clean answer or a closed connection, the log gets no traceback, and admission through the
    API server still enforces."""
    import base64
    import socket
    import ssl

    import httpx
    from lightkube.resources.admissionregistration_v1 import ValidatingWebhookConfiguration

    config = kube.get(ValidatingWebhookConfiguration, operator.configuration)
    client_config = config.webhooks[0].clientConfig
    url = client_config.url
    assert url is not None and client_config.caBundle is not None
    (tmp_path / "ca.crt").write_bytes(base64.b64decode(client_config.caBundle))
    trust = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    log_before = operator.log.read_text(errors="replace")

    async def abuse() -> list[int]:  # -413: the upload was cut off after the 413
        codes: list[int] = []
        async with httpx.AsyncClient(verify=trust, http2=True, timeout=30) as client:
            for body in (b"garbage", b"{}", b'{"request": {"uid": []}}'):
                codes.append((await client.post(url, content=body)).status_code)
            try:  # answered 413 at once; httpx may see the rest of its upload refused first
                codes.append(
                    (await client.post(url, content=b"x" * (20 * 1024 * 1024))).status_code
                )
            except httpx.HTTPError:
                codes.append(-413)
        for _ in range(10):  # leave right after the answer, and in the middle of a request
            async with httpx.AsyncClient(verify=trust, http2=True) as client:
                codes.append((await client.post(url, content=b"{}")).status_code)
            _, writer = await asyncio.open_connection(host, int(port), ssl=trust)
            writer.write(b"POST /validate-deployment HTTP/1.1\r\nContent-Length: 999\r\n\r\n{")
            await writer.drain()
            writer.transport.abort()
        with socket.create_connection((host, int(port))) as raw:  # no TLS at all
            raw.sendall(bytes(range(256)) * 16)
        return codes

    codes = asyncio.run(abuse())
    assert codes[:3] + codes[4:] == [400, 400, 400] + [400] * 10
    assert codes[3] in (413, -413)
    time.sleep(1)
    assert operator.process.poll() is None
    assert operator.get("/readyz")[0] == 200
    new_log = operator.log.read_text(errors="replace")[len(log_before) :]
    assert "Traceback" not in new_log and "KeyError" not in new_log, new_log[-3000:]
    kube.create(codecs.from_dict(persona("shop", mode="enforce")), namespace=ns)
    _wait_for_persona_in_cache(kube, ns, "shop", eventually)
    assert denial(kube, ns, deployment("shop", cpu="2")) is not None
