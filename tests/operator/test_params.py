"""The policies' parameters without a cluster: which PersonaPolicies are written and deleted,
that a persona's status write costs no write, that the active replica alone writes, and the
one-line error when the cluster lacks the PersonaPolicy CRD."""

from __future__ import annotations

import asyncio
import json

import pytest

from dorgu.errors import ClusterError
from dorgu.operator.api import ApiFailure, Listing
from dorgu.operator.options import OperatorOptions
from dorgu.operator.params import ParamKeeper, observed, param_changes
from dorgu.operator.policies import PolicyKeeper
from dorgu.operator.watching import ClusterView, persona_entry

SERVED = {"resources": [{"name": "validatingadmissionpolicies"},
                        {"name": "validatingadmissionpolicybindings"}]}  # fmt: skip


def _persona(name: str, *, mode: str = "enforce", ns: str = "shop", uid: str = "u") -> dict:  # type: ignore[type-arg]
    return {
        "metadata": {"name": name, "namespace": ns, "uid": f"{uid}-{name}", "generation": 1},
        "spec": {"name": name, "type": "api", "technical": {"language": "go"},
                 "validation": {"mode": mode}, "scaling": {"minReplicas": 2}},
        "status": {"validation": {"targets": [{"name": f"t{i}"} for i in range(50)]}},
    }  # fmt: skip


class FakeApi:
    def __init__(self, objects: list[dict] | None = None) -> None:  # type: ignore[type-arg]
        self.objects = {observed(o)[0]: o for o in objects or []}
        self.lists = 0
        self.applied: list[tuple[str, str]] = []
        self.deleted: list[tuple[str, str]] = []
        self.fail: ApiFailure | None = None

    async def list(self, kind, **options):  # type: ignore[no-untyped-def]
        assert kind.plural == "personapolicies"
        assert options == {"label_selector": "app.kubernetes.io/managed-by=dorgu-operator"}
        self.lists += 1
        return Listing(list(self.objects.values()), "1")

    async def patch(self, kind, name, body, *, namespace, **options):  # type: ignore[no-untyped-def]
        assert options == {"patch": "apply", "force": True}
        if self.fail:
            raise self.fail
        self.applied.append((namespace, name))
        self.objects[(namespace, name)] = body

    async def delete(self, kind, name, *, namespace):  # type: ignore[no-untyped-def]
        self.deleted.append((namespace, name))
        del self.objects[(namespace, name)]


def _keeper(api: FakeApi, *personas: dict, active: list[bool] | None = None) -> ParamKeeper:  # type: ignore[type-arg]
    view = ClusterView(peering=None)
    for body in personas:
        view.personas.put(body)
    flag = active if active is not None else [True]
    return ParamKeeper(api=api, view=view, is_active=lambda: flag[0])  # type: ignore[arg-type]


def test_changes_write_new_and_changed_parameters_and_delete_orphans() -> None:
    same, changed = persona_entry(_persona("same")), persona_entry(_persona("changed"))
    new = persona_entry(_persona("new"))
    current = {
        same.key: (same.uid, same.param),
        changed.key: (changed.uid, json.dumps({"name": "changed"})),
        ("shop", "orphan"): ("u-orphan", "{}"),
    }

    writes, deletes = param_changes([same, changed, new], current)

    assert [w["metadata"]["name"] for w in writes] == ["changed", "new"]  # type: ignore[index]
    assert deletes == [("shop", "orphan")]
    assert writes[1]["spec"] == {
        "name": "new", "validation": {"mode": "enforce"}, "scaling": {"minReplicas": 2}
    }  # fmt: skip


def test_a_persona_the_models_reject_has_no_parameter_as_the_webhook_ignores_it() -> None:
    bad = _persona("bad")
    bad["spec"]["type"] = "spaceship"
    entry = persona_entry(bad)
    assert entry.spec is None
    writes, deletes = param_changes([entry], {entry.key: (entry.uid, entry.param)})
    assert writes == [] and deletes == [("shop", "bad")]


def test_the_parameter_has_no_status_and_no_unread_field() -> None:
    (write,), _ = param_changes([persona_entry(_persona("cart"))], {})
    assert "status" not in write
    assert set(write["spec"]) == {"name", "validation", "scaling"}  # type: ignore[arg-type]
    assert write["metadata"]["ownerReferences"][0]["uid"] == "u-cart"  # type: ignore[index]


def test_sync_lists_once_then_writes_only_what_changed() -> None:
    api = FakeApi()
    keeper = _keeper(api, _persona("cart"), _persona("shop"))

    asyncio.run(keeper.sync())
    assert api.applied == [("shop", "cart"), ("shop", "shop")] and api.lists == 1

    status_only = _persona("cart")
    status_only["status"] = {"phase": "Running"}
    keeper.view.personas.put(status_only)  # the reconciler's status write
    asyncio.run(keeper.sync())
    assert len(api.applied) == 2 and api.lists == 1

    keeper.view.personas.put(_persona("cart", mode="audit"))
    keeper.view.personas.remove(_persona("shop"))
    asyncio.run(keeper.sync())
    assert api.applied[2:] == [("shop", "cart")]
    assert api.deleted == [("shop", "shop")]
    assert api.objects[("shop", "cart")]["spec"]["validation"] == {"mode": "audit"}


def test_only_the_active_replica_writes_and_it_relists_when_it_takes_over() -> None:
    api = FakeApi()
    active = [False]
    keeper = _keeper(api, _persona("cart"), active=active)

    asyncio.run(keeper.sync())
    assert api.applied == [] and api.lists == 0

    active[0] = True
    asyncio.run(keeper.sync())
    assert api.applied == [("shop", "cart")] and api.lists == 1
    active[0] = False
    asyncio.run(keeper.sync())
    del api.objects[("shop", "cart")]  # deleted while another replica led
    active[0] = True
    asyncio.run(keeper.sync())
    assert api.lists == 2 and api.applied[-1] == ("shop", "cart")


def test_a_failed_write_is_retried_at_the_next_sync() -> None:
    api = FakeApi()
    api.fail = ApiFailure(403, "forbidden")
    keeper = _keeper(api, _persona("cart"))

    asyncio.run(keeper.sync())
    assert api.applied == [] and keeper.dirty
    api.fail = None
    asyncio.run(keeper.sync())
    assert api.applied == [("shop", "cart")]


class Discovery:
    async def raw(self, path: str) -> dict:  # type: ignore[type-arg]
        if path == "/apis/admissionregistration.k8s.io/v1":
            return SERVED
        raise ApiFailure(404, "not found")


def test_a_cluster_without_the_persona_policy_crd_gets_one_clear_error() -> None:
    keeper = PolicyKeeper(api=Discovery(), options=OperatorOptions(admission="policy"))  # type: ignore[arg-type]
    with pytest.raises(ClusterError) as caught:
        asyncio.run(keeper.require_api())
    assert "--admission policy needs the PersonaPolicy CRD" in str(caught.value)
    assert "dorgu cluster init" in (caught.value.hint or "")


def test_a_persona_change_is_written_at_once_not_at_the_next_tick() -> None:
    api = FakeApi()
    keeper = _keeper(api)

    async def scenario() -> float:
        task = asyncio.create_task(keeper.run(interval=30))
        try:
            for _ in range(100):  # the first sync (dirty at start) lists and writes nothing
                await asyncio.sleep(0.01)
                if api.lists:
                    break
            started = asyncio.get_running_loop().time()
            keeper.view.personas.put(_persona("cart"))
            while ("shop", "cart") not in api.objects:
                await asyncio.sleep(0.005)
                assert asyncio.get_running_loop().time() - started < 5
            return asyncio.get_running_loop().time() - started
        finally:
            task.cancel()

    took = asyncio.run(scenario())

    assert api.lists == 1 and api.applied == [("shop", "cart")]
    assert took < 1.0  # far below the 30 s interval: woken by the cache, not the clock
