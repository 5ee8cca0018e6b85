"""The admission handler on plain data: hostile bodies, the fast path, modes, dry runs and
failing open.  No cluster: the view is filled by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.reviews import MAX_BODY_BYTES, parse_review
from tests.operator.cluster_support import deployment, persona

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _view(*, mode: str | None = None, namespace_mode: str | None = None) -> ClusterView:
    view = ClusterView()
    body = persona("shop", mode=mode)
    body["metadata"].update(namespace="ns", generation=1)
    view.personas.put(body)
    labels = {"dorgu.io/validation-mode": namespace_mode} if namespace_mode else {}
    view.namespaces.put({"metadata": {"name": "ns", "labels": labels}})
    return view


def _review(obj: dict, *, operation: str = "CREATE", dry_run: bool = False, sub: str = "") -> bytes:
    request = {
        "uid": "u-1",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "operation": operation,
        "namespace": "ns",
        "name": obj["metadata"]["name"],
        "object": obj,
        "dryRun": dry_run,
    }
    if sub:
        request["subResource"] = sub
    return json.dumps(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    ).encode()


def _response(body: bytes) -> dict:
    review = json.loads(body)
    assert review["kind"] == "AdmissionReview" and review["apiVersion"] == "admission.k8s.io/v1"
    return review["response"]


def _handle(view: ClusterView, body: bytes):  # type: ignore[no-untyped-def]
    outcome = AdmissionHandler(view=view, clock=lambda: NOW).handle(body)
    assert outcome is not None
    return outcome, _response(outcome.body)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"null", b'{"request": 1}', b'{"request": {"uid": 7}}',
     b'{"request": {"uid": ""}}', b"[" * 100_000, b"x" * (MAX_BODY_BYTES + 1)],
)  # fmt: skip
def test_hostile_bodies_are_rejected_not_crashed_on(body: bytes) -> None:
    assert AdmissionHandler(view=ClusterView()).handle(body) is None


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=20))  # fmt: skip
def test_any_request_shape_gets_an_answer_or_none(request_value: object) -> None:
    body = json.dumps({"request": {"uid": "u", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                                   "operation": "CREATE", "namespace": "ns", "object": request_value}}).encode()  # fmt: skip
    outcome = AdmissionHandler(view=_view(mode="enforce")).handle(body)
    assert outcome is not None and outcome.result in {
        "skipped",
        "allowed",
        "warned",
        "denied",
        "error",
    }


def test_workload_without_persona_takes_the_fast_path() -> None:
    outcome, response = _handle(_view(mode="enforce"), _review(deployment("other", cpu="64")))
    assert (outcome.result, outcome.mode, response["allowed"]) == ("skipped", "none", True)


@pytest.mark.parametrize(
    ("operation", "sub"),
    [("DELETE", ""), ("CONNECT", ""), ("UPDATE", "scale"), ("UPDATE", "status")],
)
def test_other_operations_and_subresources_are_skipped(operation: str, sub: str) -> None:
    outcome, _ = _handle(
        _view(mode="enforce"), _review(deployment("shop", cpu="8"), operation=operation, sub=sub)
    )
    assert outcome.result == "skipped"


def test_enforce_denies_with_rule_field_bound_and_fix() -> None:
    outcome, response = _handle(_view(mode="enforce"), _review(deployment("shop", cpu="2")))
    assert response["allowed"] is False and response["status"]["code"] == 403
    message = response["status"]["message"]
    for part in ("persona shop", "persona.resource-bounds", "resources.limits.cpu", "500m", "fix:"):
        assert part in message
    assert (outcome.result, outcome.mode) == ("denied", "enforce")
    assert outcome.denial is not None and outcome.denial.startswith("ns/shop: persona shop")


def test_warn_admits_with_warnings() -> None:
    outcome, response = _handle(_view(mode="warn"), _review(deployment("shop", cpu="2")))
    assert response["allowed"] is True
    assert any("persona.resource-bounds" in w for w in response["warnings"])
    assert outcome.result == "warned" and outcome.denial is None


def test_audit_admits_silently() -> None:
    outcome, response = _handle(_view(mode="audit"), _review(deployment("shop", cpu="2")))
    assert response == {"uid": "u-1", "allowed": True}
    assert (outcome.result, outcome.mode, outcome.denial) == ("allowed", "audit", None)


def test_off_admits_without_evaluating() -> None:
    outcome, response = _handle(_view(mode="off"), _review(deployment("shop", cpu="2")))
    assert response["allowed"] is True and outcome.mode == "off"


def test_namespace_label_is_the_default_mode() -> None:
    outcome, response = _handle(
        _view(namespace_mode="enforce"), _review(deployment("shop", cpu="2"))
    )
    assert response["allowed"] is False and outcome.mode == "enforce"


def test_dry_run_is_decided_the_same_way() -> None:
    outcome, response = _handle(
        _view(mode="enforce"), _review(deployment("shop", cpu="2"), dry_run=True)
    )
    assert response["allowed"] is False and outcome.result == "denied"


def test_exemption_admits_until_it_expires() -> None:
    annotations = {"dorgu.io/exempt": "persona.resource-bounds", "dorgu.io/exempt-owner": "team",
                   "dorgu.io/exempt-expires": (NOW + timedelta(hours=1)).isoformat()}  # fmt: skip
    body = _review(deployment("shop", cpu="2", annotations=annotations))
    assert _handle(_view(mode="enforce"), body)[1]["allowed"] is True
    later = AdmissionHandler(view=_view(mode="enforce"), clock=lambda: NOW + timedelta(hours=2))
    outcome = later.handle(body)
    assert outcome is not None and _response(outcome.body)["allowed"] is False


def test_internal_errors_admit(monkeypatch: pytest.MonkeyPatch) -> None:
    view = _view(mode="enforce")

    def boom(namespace: str) -> list[object]:
        raise RuntimeError("cache exploded")

    monkeypatch.setattr(view, "related", boom)
    outcome, response = _handle(view, _review(deployment("shop", cpu="2")))
    assert response["allowed"] is True and outcome.result == "error"


def test_parse_review_reads_dry_run_and_subresource() -> None:
    review = parse_review(_review(deployment("shop"), dry_run=True, sub="scale"))
    assert review is not None and review.dry_run and review.sub_resource == "scale"
