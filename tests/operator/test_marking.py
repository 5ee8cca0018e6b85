"""The autoscaled marker: which Deployments get ``dorgu.io/autoscaled-by`` and when it goes."""

from __future__ import annotations

from dorgu.operator.marking import marker_changes, scaled_deployments
from dorgu.operator.watching import workload_object
from dorgu.rules.cel import AUTOSCALED_ANNOTATION


def _deployment(name: str, *, marker: str | None = None, ns: str = "shop"):  # type: ignore[no-untyped-def]
    annotations = {AUTOSCALED_ANNOTATION: marker} if marker else {}
    meta = {"name": name, "namespace": ns, "labels": {"app": name}, "annotations": annotations}
    return workload_object("Deployment")({"metadata": meta, "spec": {}})


def _hpa(name: str, target: str, *, kind: str = "Deployment", ns: str = "shop") -> dict:  # type: ignore[type-arg]
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"scaleTargetRef": {"kind": kind, "name": target}},
    }


def test_scaled_deployments_take_the_first_hpa_by_name_and_ignore_other_kinds() -> None:
    found = scaled_deployments(
        [_hpa("b", "web"), _hpa("a", "web"), _hpa("c", "db", kind="StatefulSet")]
    )
    assert found == {("shop", "web"): "a"}


def test_marks_selected_scaled_deployments_and_unmarks_the_rest() -> None:
    deployments = [
        _deployment("web"),  # scaled, unmarked: mark
        _deployment("api", marker="api-hpa"),  # already right
        _deployment("old", marker="gone"),  # HPA deleted: unmark
        _deployment("lonely"),  # scaled but no persona selects it: leave alone
        _deployment("other", ns="elsewhere"),  # an HPA of the same name in another namespace
    ]
    hpas = [_hpa("web-hpa", "web"), _hpa("api-hpa", "api"), _hpa("lonely-hpa", "lonely"),
            _hpa("x", "other", ns="shop")]  # fmt: skip

    changes = marker_changes(deployments, hpas, selected=lambda w: w.name != "lonely")

    assert changes == [("shop", "old", None), ("shop", "web", "web-hpa")]


def test_an_unselected_marked_deployment_is_unmarked() -> None:
    changes = marker_changes(
        [_deployment("web", marker="h")], [_hpa("h", "web")], selected=lambda w: False
    )
    assert changes == [("shop", "web", None)]
