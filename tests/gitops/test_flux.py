"""Flux readiness from the labels Flux's controllers put on what they apply."""

from __future__ import annotations

from dorgu.gitops.flux import flux_owner, flux_status, read_flux


def _flux(kind: str, ready: str, **status: object) -> dict[str, object]:
    return {"metadata": {"name": "apps", "namespace": "flux-system"}, "spec": {"suspend": False},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "Why",
                                       "message": "m" * 900}], **status}}  # fmt: skip


def test_the_owner_comes_from_either_controllers_labels():
    assert flux_owner({"kustomize.toolkit.fluxcd.io/name": "apps",
                       "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}) == (
        "Kustomization", "flux-system", "apps")  # fmt: skip
    assert flux_owner({"helm.toolkit.fluxcd.io/name": "redis",
                       "helm.toolkit.fluxcd.io/namespace": "data"}) == (
        "HelmRelease", "data", "redis")  # fmt: skip
    assert flux_owner({"kustomize.toolkit.fluxcd.io/name": "apps"}) is None
    assert flux_owner({}) is None


def test_the_status_carries_ready_and_revisions_bounded():
    k = read_flux("Kustomization", _flux("Kustomization", "False",
                                         lastAppliedRevision="main@sha1:abc",
                                         lastAttemptedRevision="main@sha1:def"))  # fmt: skip
    h = read_flux("HelmRelease", _flux("HelmRelease", "True",
                                       history=[{"chartVersion": "19.0.2"}, {"chartVersion": "1"}]))  # fmt: skip
    labels = {"kustomize.toolkit.fluxcd.io/name": "apps",
              "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}  # fmt: skip
    status = flux_status([labels], {("Kustomization", "flux-system", "apps"): k})
    assert status is not None
    assert status["ready"] == "False" and status["reason"] == "Why"
    assert status["lastAppliedRevision"] == "main@sha1:abc"
    assert len(status["message"]) == 512  # type: ignore[arg-type]
    assert h.applied_revision == "19.0.2" and h.ready == "True"
    assert flux_status([labels], {}) is None  # the owner is not (yet) in the cache
    junk = read_flux("Kustomization", {"status": {"conditions": "junk"}, "spec": []})
    assert junk.ready == "Unknown" and not junk.suspended
