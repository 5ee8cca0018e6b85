"""Pinned versions of everything the testbed builds.  One place to bump.

``testbed/*/go.mod`` are generated from these by ``testbed/generate``; a unit test checks that
they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

KUBERNETES = "v1.37.2"
# build/dependencies.yaml of the Kubernetes release above ("name: etcd").
ETCD = "v3.7.0"


@dataclass(frozen=True)
class Tool:
    """One binary the testbed can build.

    ``module_dir`` is the wrapper module under ``testbed/``; ``package`` the Go main package
    (``.`` for the wrapper's own main); ``version_var`` the ``-X`` symbol for its version.
    """

    name: str
    module_dir: str
    package: str
    version: str
    version_var: str | None = None


CORE_TOOLS: tuple[Tool, ...] = (
    Tool("etcd", "etcd", ".", ETCD, "go.etcd.io/etcd/api/v3/version.GitSHA"),
    Tool("kube-apiserver", "kubernetes", "k8s.io/kubernetes/cmd/kube-apiserver", KUBERNETES),
    Tool(
        "kube-controller-manager",
        "kubernetes",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        KUBERNETES,
    ),
    Tool("kubectl", "kubernetes", "k8s.io/kubernetes/cmd/kubectl", KUBERNETES),
)

EXTRA_TOOLS: tuple[Tool, ...] = (
    Tool("kube-scheduler", "kubernetes", "k8s.io/kubernetes/cmd/kube-scheduler", KUBERNETES),
    Tool(
        "helm",
        "helm",
        "helm.sh/helm/v4/cmd/helm",
        "v4.3.1",
        "helm.sh/helm/v4/internal/version.version",
    ),
    Tool(
        "kubeconform",
        "kubeconform",
        "github.com/yannh/kubeconform/cmd/kubeconform",
        "v0.8.0",
        "main.version",
    ),
    Tool(
        "kube-score",
        "kube-score",
        "github.com/zegl/kube-score/cmd/kube-score",
        "v1.20.0",
        "main.version",
    ),
    Tool("kwok", "kwok", "sigs.k8s.io/kwok/cmd/kwok", "v0.8.0"),
    # Peers dorgu is measured against or checks its output with (benchmarks, CI-file tests).
    Tool(
        "kompose",
        "kompose",
        "github.com/kubernetes/kompose",
        "v1.38.0",  # its pkg/version.VERSION is already the release number
    ),
    Tool(
        "actionlint",
        "actionlint",
        "github.com/rhysd/actionlint/cmd/actionlint",
        "v1.7.12",
        "github.com/rhysd/actionlint.version",
    ),
)

# Wrapper modules of the extras: directory under testbed/ -> (required module, version).
EXTRA_MODULES: dict[str, tuple[str, str]] = {
    "helm": ("helm.sh/helm/v4", "v4.3.1"),
    "kubeconform": ("github.com/yannh/kubeconform", "v0.8.0"),
    "kube-score": ("github.com/zegl/kube-score", "v1.20.0"),
    "kwok": ("sigs.k8s.io/kwok", "v0.8.0"),
    "kompose": ("github.com/kubernetes/kompose", "v1.38.0"),
    "actionlint": ("github.com/rhysd/actionlint", "v1.7.12"),
}


@dataclass(frozen=True)
class DebianPackage:
    """Binaries taken from a Debian package (``apt-get download`` + ``dpkg-deb -x``, no root).

    ``version`` pins the upstream release: any Debian revision of it is accepted (the archive
    keeps only the newest, security fixes included), and the one fetched is recorded.
    """

    name: str
    version: str
    binaries: tuple[str, ...]
    data: tuple[tuple[str, str], ...] = ()
    """Other files to keep: (path in the package, path in the cache directory)."""
    relocations: tuple[tuple[str, str], ...] = ()
    """(absolute path compiled into the binaries, a relative one of the same length): for a
    binary that reads files from a fixed system path (the binary is then started with the
    cache directory as its working directory)."""

    def __post_init__(self) -> None:
        for old, new in self.relocations:
            if len(old) != len(new):
                raise ValueError(f"relocation {old!r} -> {new!r}: lengths differ")


# A real Prometheus (with promtool for backfilling) for `dorgu dev up --metrics`: Debian
# bookworm's package, a static-ish Go build that only needs libc.  A real Alertmanager for the
# tests of the operator's Alertmanager receiver (same kind of build); Debian's build reads its
# notification template from /usr/share/prometheus/alertmanager, which is relocated to
# ALERTMANAGER_DATA in the cache directory (start it with that directory as working directory).
ALERTMANAGER_DATA = "alertmanager-data"
_AM_SYSTEM = "/usr/share/prometheus/alertmanager"
PACKAGES: tuple[DebianPackage, ...] = (
    DebianPackage("prometheus", "2.42.0", ("prometheus", "promtool")),
    DebianPackage(
        "prometheus-alertmanager",
        "0.25.0",
        ("prometheus-alertmanager",),
        data=(
            (f"{_AM_SYSTEM[1:]}/default.tmpl", f"{ALERTMANAGER_DATA}/default.tmpl"),
            (f"{_AM_SYSTEM[1:]}/email.tmpl", f"{ALERTMANAGER_DATA}/email.tmpl"),
        ),
        relocations=((_AM_SYSTEM, f"./{ALERTMANAGER_DATA}".ljust(len(_AM_SYSTEM), "/")),),
    ),
)

REQUIRED = frozenset({"etcd", "kube-apiserver"})


def package_binaries() -> tuple[str, ...]:
    """Every binary the Debian packages provide."""
    return tuple(b for package in PACKAGES for b in package.binaries)


def tool_named(name: str) -> Tool:
    """The tool called ``name`` (KeyError when there is none)."""
    for tool in (*CORE_TOOLS, *EXTRA_TOOLS):
        if tool.name == name:
            return tool
    raise KeyError(name)
