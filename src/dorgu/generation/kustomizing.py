"""``kustomization.yaml``: the generated files as one kustomize base, so ``kubectl apply -k``
and Argo CD work on the output directory as is.

Must not add transformations (name prefixes, common labels): the manifests are complete; the
GitOps slice adds ``images:`` for ``kustomize edit set image``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.generation.manifests import Manifest

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"


def build_kustomization(paths: Sequence[str], *, namespace: str | None = None) -> Manifest:
    manifest: Manifest = {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization"}
    if namespace:
        manifest["namespace"] = namespace
    manifest["resources"] = list(paths)
    return manifest
