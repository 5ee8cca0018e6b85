"""Which files are deployment descriptions, and which of them are dorgu's own output.

Descriptions: ``kustomization.yaml``, Helm charts (``Chart.yaml``), ``skaffold.yaml``,
``Procfile``/``app.json``, and YAML files under a deployment folder (``k8s/``, ``deploy/``,
``manifests/``, ``kubernetes/``, ``helm/``, ``charts/``, ``kustomize/``, ``overlays/``, ...),
except under test, fixture, example, sample and docs folders (those describe something else).

dorgu's own output is never evidence: every folder holding the record ``generate`` writes
(``.dorgu-generated``) is skipped with everything below it, and so is any object labelled
``app.kubernetes.io/managed-by: dorgu`` (output written before the record existed).

Must not: read files; only decide from paths.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

GENERATED_RECORD = ".dorgu-generated"  # services.pruning.RECORD_NAME
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART = "Chart.yaml"
SKAFFOLD = ("skaffold.yaml", "skaffold.yml")
PROCFILE = "Procfile"
APP_JSON = "app.json"
DEPLOY_DIRS = frozenset(
    {
        "k8s",
        ".k8s",
        "kube",
        "kubernetes",
        "deploy",
        "deployment",
        "deployments",
        "manifests",
        "helm",
        "charts",
        "chart",
        "kustomize",
        "overlays",
        "base",
        "bases",
        "openshift",
    }
)
_YAML = (".yaml", ".yml")
# Manifests under these folders are fixtures, samples or docs, not how this app is deployed.
NOT_DESCRIPTIONS = frozenset(
    {
        "test",
        "tests",
        "testdata",
        "fixtures",
        "__fixtures__",
        "e2e",
        "examples",
        "example",
        "samples",
        "sample",
        "docs",
        "doc",
        "third_party",
        "vendor",
    }
)


_NAMES = frozenset({*KUSTOMIZATIONS, CHART, *SKAFFOLD, PROCFILE, APP_JSON, GENERATED_RECORD})


def wants_descriptor(path: str) -> bool:
    """Files the walker must load for descriptions (cheap: path only, called per file)."""
    head, _, base = path.rpartition("/")
    if base in _NAMES:
        return not head or not _ignored(head)
    if base.endswith((*_YAML, ".tpl")):
        return in_deploy_dir(path) and not _ignored(head)
    return False


def _ignored(directory: str) -> bool:
    return any(part in NOT_DESCRIPTIONS for part in directory.split("/"))


def in_deploy_dir(path: str) -> bool:
    return any(part in DEPLOY_DIRS for part in path.split("/")[:-1])


def generated_dirs(paths: Iterable[str]) -> tuple[str, ...]:
    """Folders (``""`` for the root) holding dorgu's generated-files record."""
    found = {posixpath.dirname(p) for p in paths if posixpath.basename(p) == GENERATED_RECORD}
    return tuple(sorted(found))


def inside(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def chart_dirs(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(posixpath.dirname(p) for p in paths if posixpath.basename(p) == CHART))


def charts_to_render(paths: Iterable[str]) -> tuple[str, ...]:
    """Chart folders outside dorgu's output and not inside another chart (subcharts render
    with their parent)."""
    listed = descriptor_paths(paths)
    skipped = generated_dirs(listed)
    dirs = [d for d in chart_dirs(listed) if not any(inside(d, g) for g in skipped)]
    return tuple(d for d in dirs if not any(o != d and inside(d, o) for o in dirs))


def is_manifest_candidate(path: str) -> bool:
    """A YAML file under a deployment folder (not a kustomization: that is read separately)."""
    base = path.rpartition("/")[2]
    if base in KUSTOMIZATIONS or base in SKAFFOLD or not base.endswith(_YAML):
        return False
    return in_deploy_dir(path)


def descriptor_paths(paths: Iterable[str]) -> list[str]:
    """The paths that may be descriptions (one cheap pass over a possibly huge listing)."""
    ends = (*_YAML, ".tpl", PROCFILE, APP_JSON, "Kustomization", GENERATED_RECORD)
    return [p for p in paths if p.endswith(ends) and wants_descriptor(p)]
