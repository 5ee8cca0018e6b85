"""Reading every deployment description of a tree: Kubernetes manifests (plain and through
kustomizations), Helm charts (rendered when the caller could run helm), skaffold.yaml,
Procfiles and app.json.  dorgu's own output is skipped (``locating.py``).

Must not: read files or run helm (the services layer does: ``RenderedChart``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace

from dorgu.analysis.descriptors.charts import rendered_objects, values_objects
from dorgu.analysis.descriptors.kustomizing import follow_kustomizations
from dorgu.analysis.descriptors.locating import (
    APP_JSON,
    CHART,
    KUSTOMIZATIONS,
    PROCFILE,
    SKAFFOLD,
    charts_to_render,
    descriptor_paths,
    generated_dirs,
    inside,
    is_manifest_candidate,
)
from dorgu.analysis.descriptors.manifests import describe_objects
from dorgu.analysis.descriptors.matching import image_path
from dorgu.analysis.descriptors.objects import KubeObject, read_objects
from dorgu.analysis.descriptors.procfiles import read_app_json, read_procfile
from dorgu.analysis.descriptors.records import Described, Descriptions, RenderedChart
from dorgu.analysis.descriptors.skaffold import read_skaffold
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_FILES = 1000
MANAGED_BY = "app.kubernetes.io/managed-by"


def read_descriptions(
    tree: SourceTree, *, charts: Mapping[str, RenderedChart] | None = None
) -> Descriptions:
    """What the descriptions in ``tree`` say.  ``charts`` maps chart folders to their
    ``helm template`` output; None when helm is not available (values are read shallowly)."""
    result = Descriptions()
    found = descriptor_paths(tree.paths)
    skipped = generated_dirs(found)
    paths = [p for p in found if not any(inside(p, d) for d in skipped)]
    present = frozenset(paths)
    objects: list[KubeObject] = []
    top_charts = list(charts_to_render(paths))
    for chart in top_charts:
        objects.extend(_chart_objects(tree, chart, charts, result))
    kustomizations = [p for p in paths if posixpath.basename(p) in KUSTOMIZATIONS]
    kustomized = follow_kustomizations(
        kustomizations,
        tree.texts,
        lambda p: p in present or (tree.has(p) and not any(inside(p, d) for d in skipped)),
        is_dir=lambda p: bool(tree.under(p.rstrip("/") + "/")) if p else True,
    )
    result.diagnostics.extend(kustomized.diagnostics)
    candidates = {p for p in paths if is_manifest_candidate(p)} | kustomized.resources
    candidates -= kustomized.patches
    files = sorted(p for p in candidates if not any(inside(p, chart) for chart in top_charts))
    if len(files) > MAX_FILES:
        result.diagnostics.append(
            Diagnostic(
                code="descriptors.too-many-files",
                message=f"more than {MAX_FILES} manifest files; only the first are read",
                location=Location(file=files[MAX_FILES]),
            )
        )
    for path in files[:MAX_FILES]:
        text = tree.text(path)
        if text is None:
            if path in kustomized.resources and not is_manifest_candidate(path):
                result.diagnostics.append(
                    Diagnostic(
                        severity=Severity.INFO,
                        code="descriptors.not-loaded",
                        message="listed in a kustomization but outside the deployment folders "
                        "dorgu reads (k8s/, deploy/, manifests/ ...); not read",
                        location=Location(file=path),
                    )
                )
            continue
        read, problems = read_objects(text, file=path)
        objects.extend(read)
        result.diagnostics.extend(problems)
    objects = [o for o in objects if not _managed_by_dorgu(o) and not _helm_test(o)]
    result.files.extend(sorted({o.file for o in objects if o.source == "k8s"}))
    described = describe_objects(
        objects, configmaps=kustomized.configmaps, secrets=kustomized.secrets
    )
    result.containers.extend(_kustomized(described, kustomized.images, kustomized.replicas))
    for path in paths:
        base = posixpath.basename(path)
        if base in SKAFFOLD and tree.text(path) is not None:
            links, problems = read_skaffold(tree.text(path) or "", file=path)
            result.images.extend(links)
            result.diagnostics.extend(problems)
            result.files.append(path)
        elif base == PROCFILE and tree.text(path) is not None:
            _procfile(tree, path, result)
    if result.files:
        shown = ", ".join(sorted(result.files)[:5])
        more = f" and {len(result.files) - 5} more" if len(result.files) > 5 else ""
        result.diagnostics.append(
            Diagnostic(
                severity=Severity.INFO,
                code="descriptors.read",
                message=f"deployment descriptions read: {shown}{more}",
            )
        )
    return result


def _chart_objects(
    tree: SourceTree,
    chart: str,
    charts: Mapping[str, RenderedChart] | None,
    result: Descriptions,
) -> list[KubeObject]:
    def join(name: str) -> str:
        return posixpath.join(chart, name) if chart else name

    rendered = charts.get(chart) if charts is not None else None
    if rendered is not None and rendered.text is not None:
        found, problems = rendered_objects(chart, rendered.text)
        result.diagnostics.extend(problems)
        result.files.append(join(CHART))
        return found
    if rendered is not None and rendered.error:
        result.diagnostics.append(
            Diagnostic(
                code="descriptors.helm-failed",
                message=f"helm template failed: {rendered.error[:300]}; only values.yaml was read",
                location=Location(file=join(CHART)),
            )
        )
    found, notes = values_objects(chart, tree.text(join(CHART)), tree.text(join("values.yaml")))
    failed = rendered is not None and rendered.error is not None
    result.diagnostics.extend(
        n for n in notes if not (failed and n.code == "descriptors.helm-not-rendered")
    )
    result.files.append(join(CHART))
    return found


def _helm_test(obj: KubeObject) -> bool:
    """``helm test`` pods are checks run on demand, not part of the app."""
    metadata = obj.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    hook = annotations.get("helm.sh/hook") if isinstance(annotations, dict) else None
    return isinstance(hook, str) and "test" in hook


def _managed_by_dorgu(obj: KubeObject) -> bool:
    metadata = obj.data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return isinstance(labels, dict) and labels.get(MANAGED_BY) == "dorgu"


def _kustomized(
    described: list[Described],
    images: Mapping[str, tuple[str, Location]],
    replicas: Mapping[str, tuple[int, Location]],
) -> list[Described]:
    out = []
    for item in described:
        image, count = item.image, item.replicas
        locations = dict(item.locations)
        if item.image:
            name = image_path(item.image)
            if name in images:
                image, locations["image"] = images[name]
        if item.name in replicas and item.workload != "Job":
            count, locations["replicas"] = replicas[item.name]
        out.append(replace(item, image=image, replicas=count, locations=locations))
    return out


def _procfile(tree: SourceTree, path: str, result: Descriptions) -> None:
    directory = posixpath.dirname(path)
    app_json_path = posixpath.join(directory, APP_JSON) if directory else APP_JSON
    app_json = None
    if tree.text(app_json_path) is not None:
        app_json = read_app_json(tree.text(app_json_path) or "", file=app_json_path)
        result.diagnostics.extend(app_json.diagnostics)
        result.files.append(app_json_path)
    processes, problems = read_procfile(tree.text(path) or "", file=path, app_json=app_json)
    result.diagnostics.extend(problems)
    result.files.append(path)
    if processes:
        result.processes[directory or "."] = processes
