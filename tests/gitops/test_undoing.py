"""``kubectl rollout undo`` planned: the previous revision's template (without the
pod-template-hash label), its annotations carried over, a resourceVersion guard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dorgu.errors import ConflictError, UsageError
from dorgu.gitops import plan_undo

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _template(image: str, hash_: str | None = None) -> dict[str, object]:
    labels = {"app": "web"} | ({"pod-template-hash": hash_} if hash_ else {})
    return {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "web", "image": image}]}}  # fmt: skip


def _rs(revision: int, image: str, uid: str = "d-uid") -> dict[str, object]:
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"web-{revision}abc", "namespace": "shop",
                     "annotations": {"deployment.kubernetes.io/revision": str(revision),
                                     "team.example.com/ticket": f"T-{revision}"},
                     "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": uid,
                                          "controller": True}]},
        "spec": {"template": _template(image, f"{revision}abc")},
    }  # fmt: skip


def _deployment(image: str, revision: int, paused: bool = False) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "uid": "d-uid", "resourceVersion": "9",
                     "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
        "spec": {"paused": paused, "template": _template(image)},
    }  # fmt: skip


RS = [_rs(1, "web:1"), _rs(2, "web:2"), _rs(3, "web:3"), _rs(2, "other:2", uid="x")]
RS[3]["metadata"]["name"] = "other-2abc"  # type: ignore[index]


def test_the_previous_revision_template_replaces_the_current_one_under_a_guard():
    plan = plan_undo(_deployment("web:3", 3), RS, to_revision=None, user="bob", now=NOW)
    assert (plan.current, plan.target, plan.replicaset) == (3, 2, "web-2abc")
    test, replace, annotations = plan.patch
    assert test == {"op": "test", "path": "/metadata/resourceVersion", "value": "9"}
    assert replace["value"] == _template("web:2")  # no pod-template-hash label
    values = annotations["value"]
    assert isinstance(values, dict)
    assert values["team.example.com/ticket"] == "T-2"
    assert values["deployment.kubernetes.io/revision"] == "3"  # the controller's, not copied
    assert '"by":"bob"' in values["dorgu.io/last-rollback"]


def test_an_explicit_revision_and_the_noop_and_refusals():
    assert plan_undo(_deployment("web:3", 3), RS, to_revision=1, user="u", now=NOW).target == 1
    assert plan_undo(_deployment("web:2", 3), RS, to_revision=2, user="u", now=NOW).noop
    with pytest.raises(UsageError, match="no revision 7"):
        plan_undo(_deployment("web:3", 3), RS, to_revision=7, user="u", now=NOW)
    with pytest.raises(ConflictError, match="paused"):
        plan_undo(_deployment("web:3", 3, paused=True), RS, to_revision=None, user="u", now=NOW)
    with pytest.raises(ConflictError, match="no earlier revision"):
        plan_undo(_deployment("web:3", 3), [_rs(3, "web:3")], to_revision=None, user="u",
                  now=NOW)  # fmt: skip
