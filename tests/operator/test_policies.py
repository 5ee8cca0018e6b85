"""The operator's policy keeper without a cluster: API detection, the one-line error when the
cluster cannot run policies, what it applies and removes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from dorgu.errors import ClusterError
from dorgu.operator.api import ApiFailure
from dorgu.operator.options import OperatorOptions
from dorgu.operator.policies import PolicyKeeper, serves_policies

SERVED = {"resources": [{"name": "validatingadmissionpolicies"},
                        {"name": "validatingadmissionpolicybindings"},
                        {"name": "validatingwebhookconfigurations"}]}  # fmt: skip


class FakeApi:
    def __init__(self, discovery: dict | Exception, missing: set[str] = frozenset()) -> None:  # type: ignore[type-arg, assignment]
        self.discovery, self.missing = discovery, missing
        self.hidden: set[str] = set()
        self.applied: list[tuple[str, str]] = []
        self.deleted: list[tuple[str, str]] = []

    async def raw(self, path: str) -> dict:  # type: ignore[type-arg]
        if isinstance(self.discovery, Exception):
            raise self.discovery
        return self.discovery

    async def patch(self, kind, name, body, **options):  # type: ignore[no-untyped-def]
        assert options == {"patch": "apply", "force": True}
        assert body["metadata"]["name"] == name
        self.applied.append((kind.plural, name))

    async def get(self, kind, name, **options):  # type: ignore[no-untyped-def]
        if name in self.missing:
            raise ApiFailure(404, "not found")
        if name in self.hidden:
            raise ApiFailure(403, "forbidden")
        return {}

    async def delete(self, kind, name, **options):  # type: ignore[no-untyped-def]
        if name in self.missing:
            raise ApiFailure(404, "not found")
        self.deleted.append((kind.plural, name))


def _keeper(api: FakeApi, **options: object) -> PolicyKeeper:
    clock = lambda: datetime(2026, 1, 1, tzinfo=UTC)  # noqa: E731
    return PolicyKeeper(api=api, options=OperatorOptions(**options), clock=clock)  # type: ignore[arg-type]


def test_serves_policies_needs_both_resources() -> None:
    assert serves_policies(SERVED)
    assert not serves_policies({"resources": [{"name": "validatingadmissionpolicies"}]})
    assert not serves_policies({"resources": "junk"})


def test_a_cluster_without_the_api_gets_one_clear_error() -> None:
    keeper = _keeper(FakeApi(ApiFailure(404, "not found")), admission="policy")
    with pytest.raises(ClusterError) as caught:
        asyncio.run(keeper.require_api())
    assert "--admission policy needs ValidatingAdmissionPolicy" in str(caught.value)
    assert "--admission webhook" in (caught.value.hint or "")


def test_forbidden_discovery_is_a_cluster_error_too() -> None:
    keeper = _keeper(FakeApi(ApiFailure(403, "forbidden")), admission="both")
    with pytest.raises(ClusterError, match="cannot tell whether the cluster serves"):
        asyncio.run(keeper.require_api())


def test_install_applies_policies_before_bindings() -> None:
    api = FakeApi(SERVED)
    asyncio.run(_keeper(api, admission="policy", policy_name="acme").install())
    assert [n for _, n in api.applied] == ["acme-deny", "acme-warn", "acme-audit"] * 2
    kinds = [k for k, _ in api.applied]
    assert kinds[:3] == ["validatingadmissionpolicies"] * 3
    assert kinds[3:] == ["validatingadmissionpolicybindings"] * 3


def test_refresh_writes_only_on_the_active_replica() -> None:
    api = FakeApi(SERVED)
    keeper = PolicyKeeper(
        api=api, options=OperatorOptions(admission="policy"), is_active=lambda: False
    )  # type: ignore[arg-type]
    asyncio.run(keeper.refresh())
    assert api.applied == []


def test_due_when_never_written_when_old_or_when_an_exemption_expired_since() -> None:
    now = [datetime(2026, 1, 1, 12, 0, tzinfo=UTC)]
    expiries: list[datetime] = []
    keeper = PolicyKeeper(
        api=FakeApi(SERVED),  # type: ignore[arg-type]
        options=OperatorOptions(admission="policy", policy_refresh_interval=3600),
        clock=lambda: now[0],
        expiries=lambda: expiries,
    )
    assert keeper.due()
    asyncio.run(keeper.refresh())
    assert keeper.written_at == now[0]
    assert not keeper.due()
    expiries.append(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC))  # expires 30 s later
    now[0] = datetime(2026, 1, 1, 12, 0, 20, tzinfo=UTC)
    assert not keeper.due()  # not yet expired
    now[0] = datetime(2026, 1, 1, 12, 0, 31, tzinfo=UTC)
    assert keeper.due()
    asyncio.run(keeper.refresh())
    assert not keeper.due()  # that expiry is behind the policies' clock now
    now[0] = datetime(2026, 1, 1, 13, 0, 31, tzinfo=UTC)
    assert keeper.due()  # the hourly refresh
