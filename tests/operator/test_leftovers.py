"""Leftovers of an earlier ``--admission policy`` run, removed by a webhook run, without a
cluster: what is deleted, in which order, and what a refusal or a missing API does."""

from __future__ import annotations

import asyncio
import logging

import pytest

from dorgu.operator.api import ApiFailure
from dorgu.operator.leftovers import remove_policy_leftovers


class _Listing:
    def __init__(self, items: list[dict[str, object]]) -> None:
        self.items = items


class FakeApi:
    def __init__(self, *, present: set[str], params: list[tuple[str, str]] | int,
                 forbidden: set[str] = frozenset()) -> None:  # type: ignore[assignment]  # fmt: skip
        self.present, self.params, self.forbidden = present, params, forbidden
        self.deleted: list[str] = []
        self.selectors: list[str] = []

    async def delete(self, kind, name, *, namespace=None):  # type: ignore[no-untyped-def]
        label = f"{kind.plural}/{namespace + '/' if namespace else ''}{name}"
        if name in self.forbidden:
            raise ApiFailure(403, "forbidden")
        if kind.plural != "personapolicies" and name not in self.present:
            raise ApiFailure(404, "not found")
        self.deleted.append(label)

    async def list(self, kind, *, label_selector=None):  # type: ignore[no-untyped-def]
        self.selectors.append(label_selector)
        if isinstance(self.params, int):
            raise ApiFailure(self.params, "no")
        return _Listing([{"metadata": {"namespace": ns, "name": n}} for ns, n in self.params])


def test_bindings_go_before_policies_then_the_labelled_parameters() -> None:
    api = FakeApi(present={"p-deny", "p-warn", "p-audit"}, params=[("b", "y"), ("a", "x")])

    removed = asyncio.run(remove_policy_leftovers(api, policy_name="p"))  # type: ignore[arg-type]

    assert removed == [
        "validatingadmissionpolicybindings/p-deny", "validatingadmissionpolicybindings/p-warn",
        "validatingadmissionpolicybindings/p-audit", "validatingadmissionpolicies/p-deny",
        "validatingadmissionpolicies/p-warn", "validatingadmissionpolicies/p-audit",
        "personapolicies/a/x", "personapolicies/b/y",
    ]  # fmt: skip
    assert api.selectors == ["app.kubernetes.io/managed-by=dorgu-operator"]


def test_nothing_left_and_no_parameter_api_is_quietly_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeApi(present=set(), params=404)
    with caplog.at_level(logging.INFO):
        removed = asyncio.run(remove_policy_leftovers(api, policy_name="p"))  # type: ignore[arg-type]
    assert removed == [] and caplog.records == []


def test_a_refusal_is_one_warning_naming_what_to_delete_by_hand(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeApi(present={"p-warn"}, params=403, forbidden={"p-deny"})
    with caplog.at_level(logging.INFO):
        removed = asyncio.run(remove_policy_leftovers(api, policy_name="p"))  # type: ignore[arg-type]
    assert removed == [
        "validatingadmissionpolicybindings/p-warn",
        "validatingadmissionpolicies/p-warn",
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "validatingadmissionpolicies/p-deny" in warnings[0]
    assert "personapolicies -l app.kubernetes.io/managed-by=dorgu-operator" in warnings[0]
    assert "by hand" in warnings[0]


def test_a_parameter_crd_still_initializing_is_asked_again_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("dorgu.operator.leftovers.RETRY_SECONDS", 0.0)
    api = FakeApi(present=set(), params=[("a", "x")])
    calls = {"n": 0}
    listing = api.list

    async def flaky(kind, *, label_selector=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ApiFailure(429, "storage is (re)initializing")
        return await listing(kind, label_selector=label_selector)

    api.list = flaky  # type: ignore[method-assign]

    removed = asyncio.run(remove_policy_leftovers(api, policy_name="p"))  # type: ignore[arg-type]

    assert calls["n"] == 2 and removed == ["personapolicies/a/x"]
