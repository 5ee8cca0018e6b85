"""Every client failure becomes one ClusterError line that says what to do."""

import httpx2
import pytest
from lightkube import ApiError

from dorgu.clients import CRDS_MISSING
from dorgu.clients.kubeerrors import Operation, translate

SERVER = "https://10.1.2.3:6443"
GET_PERSONA = Operation("get", "applicationpersonas.dorgu.io", "orders", "shop")


def _api_error(code: int, message: str, *, name: str | None = None) -> ApiError:
    request = httpx2.Request("GET", SERVER + "/apis/x")
    body: dict[str, object] = {"kind": "Status", "code": code, "message": message}
    if name:
        body["details"] = {"name": name, "kind": "applicationpersonas"}
    return ApiError(request=request, response=httpx2.Response(code, json=body, request=request))


def test_connection_refused_names_the_server_and_the_fix() -> None:
    error = translate(
        httpx2.ConnectError("[Errno 111] Connection refused"), server=SERVER, operation=GET_PERSONA
    )
    assert str(error) == (
        f"cannot reach the cluster at {SERVER}: connection refused (check --context/KUBECONFIG)"
    )
    assert error.exit_code == 6
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (httpx2.ConnectError("[Errno -2] Name or service not known"), "host not found"),
        (httpx2.ConnectTimeout("timed out"), "timed out"),
        (httpx2.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate"), "TLS certificate"),
    ],
)
def test_transport_failures_are_named(raised: Exception, reason: str) -> None:
    assert reason in str(translate(raised, server=SERVER, operation=GET_PERSONA))


def test_forbidden_and_unauthorized_name_the_verb_and_resource() -> None:
    forbidden = translate(_api_error(403, "nope"), server=SERVER, operation=GET_PERSONA)
    assert "forbidden (403): not allowed to get applicationpersonas.dorgu.io/orders" in str(
        forbidden
    )
    assert "in namespace shop" in str(forbidden)
    unauthorized = translate(_api_error(401, "Unauthorized"), server=SERVER, operation=GET_PERSONA)
    assert "rejected the credentials (401 Unauthorized)" in str(unauthorized)


def test_missing_crd_gives_the_install_hint_but_a_missing_object_does_not() -> None:
    request = httpx2.Request("GET", SERVER)
    plain = httpx2.HTTPStatusError(
        "404", request=request, response=httpx2.Response(404, text="404 page not found")
    )
    assert str(translate(plain, server=SERVER, operation=GET_PERSONA)) == CRDS_MISSING
    missing = translate(
        _api_error(404, 'applicationpersonas.dorgu.io "orders" not found', name="orders"),
        server=SERVER,
        operation=GET_PERSONA,
    )
    assert CRDS_MISSING not in str(missing)


def test_invalid_object_quotes_the_server_message() -> None:
    error = translate(
        _api_error(422, "spec.type: Unsupported value"),
        server=SERVER,
        operation=Operation("apply", "applicationpersonas.dorgu.io", "orders", "shop"),
    )
    assert "rejected apply applicationpersonas.dorgu.io/orders" in str(error)
    assert "spec.type: Unsupported value" in str(error)
