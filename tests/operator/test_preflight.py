"""Operator prerequisites and API failures as one-line ClusterErrors (never exit 70)."""

from __future__ import annotations

import asyncio

import pytest

from dorgu.errors import ClusterError
from dorgu.operator.api import ApiFailure, Kind
from dorgu.operator.preflight import check_prerequisites, failure_error

SERVER = "https://127.0.0.1:6443"


class StubApi:
    def __init__(self, *, api_code: int | None = None, namespace_code: int | None = None) -> None:
        self.api_code, self.namespace_code = api_code, namespace_code

    async def raw(self, path: str) -> dict[str, object]:
        if self.api_code is not None:
            raise ApiFailure(self.api_code, f"{path} failed")
        return {}

    async def get(
        self, kind: Kind, name: str, *, namespace: str | None = None
    ) -> dict[str, object]:
        if self.namespace_code is not None:
            raise ApiFailure(self.namespace_code, f'namespaces "{name}" not found')
        return {"metadata": {"name": name}}


def _check(api: StubApi) -> bool:
    return asyncio.run(check_prerequisites(api, server=SERVER, namespace="dorgu-system"))  # type: ignore[arg-type]


def test_all_present_passes() -> None:
    assert _check(StubApi())


def test_missing_crds_are_a_warning_naming_cluster_init(caplog: pytest.LogCaptureFixture) -> None:
    """The operator keeps running with empty caches and picks the CRDs up once installed."""
    with caplog.at_level("WARNING"):
        assert not _check(StubApi(api_code=404))
    assert "dorgu cluster init" in caplog.text and SERVER in caplog.text


def test_missing_namespace_names_cluster_init_and_the_flag() -> None:
    with pytest.raises(ClusterError) as error:
        _check(StubApi(namespace_code=404))
    assert str(error.value) == (
        "the operator's namespace 'dorgu-system' does not exist in the cluster at "
        f"{SERVER} (create it with dorgu cluster init, or pass -n NAMESPACE)"
    )


def test_forbidden_checks_are_not_fatal() -> None:
    _check(StubApi(api_code=403, namespace_code=403))


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "cannot reach the cluster at"),
        (401, "rejected the credentials (401)"),
        (403, "forbidden (403)"),
        (404, "not found (404)"),
        (409, "conflict (409)"),
        (500, "failed (500)"),
    ],
)
def test_every_api_failure_is_one_line(code: int, text: str) -> None:
    error = failure_error(ApiFailure(code, "line one\nline two"), server=SERVER, doing="x")
    assert isinstance(error, ClusterError)
    assert text in str(error)
    assert "\n" not in str(error)
    with pytest.raises(ClusterError):
        _check(StubApi(namespace_code=code) if code not in (403, 404) else StubApi(api_code=500))
