"""Helm charts: the objects of a chart rendered by ``helm template`` (the services layer runs
helm and hands the output in), else a shallow reading of the chart's ``values.yaml``.

Rendered output is split at helm's ``# Source: <chart>/templates/<file>`` comments so every
object is attributed to its template file (without a line: rendered lines are not template
lines).  Without helm, the conventional values of ``helm create`` charts are read
(``replicaCount``, ``image.repository``, ``service.port``/``targetPort``, ``resources``,
``env``, ``livenessProbe``/``readinessProbe``/``startupProbe``) and a diagnostic says so.

Must not: run helm or read files.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from dorgu.analysis.descriptors.objects import KubeObject, read_objects
from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.patterns import LazyPattern

_SOURCE = LazyPattern(r"^# Source: ([^\n]+)$", re.MULTILINE)


def rendered_objects(chart_dir: str, text: str) -> tuple[list[KubeObject], list[Diagnostic]]:
    """The objects of ``helm template`` output for the chart in ``chart_dir``."""
    objects: list[KubeObject] = []
    diagnostics: list[Diagnostic] = []
    chunks = re.split(r"^---[ \t]*$", text, flags=re.MULTILINE)
    for chunk in chunks:
        match = _SOURCE.search(chunk)
        source = match.group(1).strip() if match else "templates"
        # "<chart name>/templates/x.yaml" -> "<chart dir>/templates/x.yaml"
        relative = source.split("/", 1)[1] if "/" in source else source
        file = posixpath.join(chart_dir, relative) if chart_dir else relative
        found, problems = read_objects(chunk, file=file, source="helm", with_lines=False)
        objects.extend(found)
        diagnostics.extend(problems)
    return objects, diagnostics


def values_objects(
    chart_dir: str, chart_text: str | None, values_text: str | None
) -> tuple[list[KubeObject], list[Diagnostic]]:
    """A Deployment-shaped object from the conventional values of the chart (no helm)."""
    values_file = posixpath.join(chart_dir, "values.yaml") if chart_dir else "values.yaml"
    where = Location(file=posixpath.join(chart_dir, "Chart.yaml") if chart_dir else "Chart.yaml")
    note = Diagnostic(
        severity=Severity.INFO,
        code="descriptors.helm-not-rendered",
        message="helm is not available, so the chart was not rendered; only the conventional "
        "values of values.yaml were read (install helm, or build the testbed: dorgu dev build)",
        location=where,
    )
    name = posixpath.basename(chart_dir) or "chart"
    if chart_text:
        try:
            chart = load_yaml(chart_text, file=where.file).data
            if isinstance(chart, dict) and isinstance(chart.get("name"), str):
                name = chart["name"]
        except DorguError:
            pass
    if not values_text:
        return [], [note]
    try:
        document = load_yaml(values_text, file=values_file)
    except DorguError as e:
        return [], [
            note,
            Diagnostic(
                code="descriptors.unreadable",
                message=f"{values_file}: not read: {e}",
                location=Location(file=values_file),
            ),
        ]
    values = document.data if isinstance(document.data, dict) else {}
    container: dict[str, Any] = {"name": name}
    image = values.get("image")
    if isinstance(image, dict) and isinstance(image.get("repository"), str):
        container["image"] = image["repository"]
    service = values.get("service")
    if isinstance(service, dict):
        port = service.get("targetPort", service.get("port"))
        if isinstance(port, int) and not isinstance(port, bool):
            container["ports"] = [{"name": "http", "containerPort": port}]
    for key in ("resources", "livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(values.get(key), dict):
            container[key] = values[key]
    env = values.get("env")
    if isinstance(env, list):
        container["env"] = env
    elif isinstance(env, dict):
        container["env"] = [{"name": str(k), "value": v} for k, v in env.items()]
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container]}}}
    replicas = values.get("replicaCount")
    if isinstance(replicas, int) and not isinstance(replicas, bool):
        spec["replicas"] = replicas
    data = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}
    synthetic = KubeObject(
        data, YamlDocument(data=data), (), values_file, "helm-values", with_lines=False
    )
    return [synthetic], [note]
