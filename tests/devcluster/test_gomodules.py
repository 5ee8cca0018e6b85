from __future__ import annotations

from pathlib import Path

import pytest

from dorgu.devcluster import gomodules, versions

UPSTREAM = """\
module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
\tgithub.com/spf13/cobra v1.10.2
\tk8s.io/api v0.0.0
\tk8s.io/client-go v0.0.0
\tk8s.io/klog/v2 v2.140.0
)

require k8s.io/cri-api v0.0.0 // indirect

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tk8s.io/cri-api => ./staging/src/k8s.io/cri-api
\tk8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
)
"""
TESTBED = Path(__file__).resolve().parents[2] / "testbed"


def test_staging_version_maps_the_release_to_v0() -> None:
    assert gomodules.staging_version("v1.37.2") == "v0.37.2"


@pytest.mark.parametrize("bad", ["1.37.2", "v2.0.0", "v1.38.0-beta.0"])
def test_staging_version_rejects_non_releases(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes release"):
        gomodules.staging_version(bad)


def test_staging_modules_are_the_replaced_and_required_ones() -> None:
    assert gomodules.staging_modules(UPSTREAM) == [
        "k8s.io/api",
        "k8s.io/client-go",
        "k8s.io/cri-api",
    ]


def test_rendered_wrapper_replaces_every_staging_module_with_its_release() -> None:
    text = gomodules.render_kubernetes_gomod(
        module="example.local/wrapper",
        kubernetes_version="v1.37.2",
        kubernetes_gomod=UPSTREAM,
        tools=["k8s.io/kubernetes/cmd/kube-apiserver"],
    )

    assert "require k8s.io/kubernetes v1.37.2" in text
    assert "\tk8s.io/client-go => k8s.io/client-go v0.37.2" in text
    assert "\tk8s.io/cri-api => k8s.io/cri-api v0.37.2" in text
    assert "sample-controller" not in text
    assert "godebug default=go1.26" in text
    assert "go 1.26.0" in text
    assert "tool (\n\tk8s.io/kubernetes/cmd/kube-apiserver\n)" in text


def test_committed_wrapper_matches_the_pinned_versions() -> None:
    kubernetes = (TESTBED / "kubernetes" / "go.mod").read_text(encoding="utf-8")
    etcd = (TESTBED / "etcd" / "go.mod").read_text(encoding="utf-8")

    assert gomodules.required_version(kubernetes, "k8s.io/kubernetes") == versions.KUBERNETES
    staged = gomodules.staging_version(versions.KUBERNETES)
    assert f"k8s.io/api => k8s.io/api {staged}" in kubernetes
    assert gomodules.required_version(etcd, "go.etcd.io/etcd/server/v3") == versions.ETCD
    for name, (module, version) in versions.EXTRA_MODULES.items():
        text = (TESTBED / name / "go.mod").read_text(encoding="utf-8")
        assert gomodules.required_version(text, module) == version, name


def test_every_committed_wrapper_has_a_go_sum() -> None:
    for name in {t.module_dir for t in (*versions.CORE_TOOLS, *versions.EXTRA_TOOLS)}:
        assert (TESTBED / name / "go.sum").is_file(), name
