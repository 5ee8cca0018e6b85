"""Pinned versions of everything the testbed builds.  One place to bump.

``testbed/*/go.mod`` are generated from these by ``testbed/generate``; a unit test checks
that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

KUBERNETES = "v1.37.2"
# build/dependencies.yaml of the Kubernetes release above ("name: etcd").
ETCD = "v3.7.0"


@dataclass(frozen=True)
class Tool:
    """One binary the testbed can build: which wrapper module, which Go package."""

    name: str
    module_dir: str
    package: str
    required: bool


CORE_TOOLS: tuple[Tool, ...] = (
    Tool("etcd", "etcd", ".", True),
    Tool("kube-apiserver", "kubernetes", "k8s.io/kubernetes/cmd/kube-apiserver", True),
    Tool(
        "kube-controller-manager",
        "kubernetes",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        True,
    ),
    Tool("kubectl", "kubernetes", "k8s.io/kubernetes/cmd/kubectl", True),
)

EXTRA_TOOLS: tuple[Tool, ...] = (
    Tool("kube-scheduler", "kubernetes", "k8s.io/kubernetes/cmd/kube-scheduler", False),
    Tool("helm", "helm", "helm.sh/helm/v4/cmd/helm", False),
    Tool("kubeconform", "kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform", False),
    Tool("kube-score", "kube-score", "github.com/zegl/kube-score/cmd/kube-score", False),
    Tool("kwok", "kwok", "sigs.k8s.io/kwok/cmd/kwok", False),
)

# Extra (non-Kubernetes) modules: module path -> version.
EXTRA_MODULES: dict[str, tuple[str, str]] = {
    "helm": ("helm.sh/helm/v4", "v4.3.1"),
    "kubeconform": ("github.com/yannh/kubeconform", "v0.8.0"),
    "kube-score": ("github.com/zegl/kube-score", "v1.20.0"),
    "kwok": ("sigs.k8s.io/kwok", "v0.8.0"),
}
