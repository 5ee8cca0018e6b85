"""Deterministic YAML: manifests -> files (or one stream) with the same bytes for the same input.

Layout (relative to the output directory):
- a single-component app: one file per kind at the top (``deployment.yaml``, ``service.yaml``);
- several components: one directory per component, one file per kind inside
  (``api/deployment.yaml``, ``postgres/statefulset.yaml``);
- several objects of one kind in one component share the file as a multi-document YAML;
- ``kustomization.yaml`` at the top lists every file to apply, so ``kubectl apply -k`` works
  (``kustomize=False``, ``--format yaml``: the same files without it);
- documents (persona, PERSONA.md, the Argo CD Application, exports) are files that are never
  in ``kustomization.yaml``; CI files are relative to the repository root (``root``);
- templates (Secrets with ``REPLACE_ME``) go to ``secret.template.yaml`` with a header saying
  how to use them, and are left out of ``kustomization.yaml`` and of the stream.

Key order follows kubectl: ``apiVersion``, ``kind``, ``metadata`` (``name``, ``namespace``,
``labels``, ``annotations``), ``spec``, then the rest as built; maps whose keys are data
(labels, ConfigMap data) are built sorted.  No timestamps, a trailing newline, LF only.

Must not write files: ``dorgu.services.generating`` does, atomically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from dorgu.generation.kustomizing import build_kustomization
from dorgu.generation.manifests import FileRoot, GeneratedResource, GenerationResult, Manifest

KUSTOMIZATION = "kustomization.yaml"
_TOP = ("apiVersion", "kind", "metadata", "spec")
_METADATA = ("name", "namespace", "labels", "annotations")
_FILE_NAMES = {
    "ServiceAccount": "serviceaccount",
    "ConfigMap": "configmap",
    "Secret": "secret",
    "ExternalSecret": "externalsecret",
    "PersistentVolumeClaim": "pvc",
    "Deployment": "deployment",
    "StatefulSet": "statefulset",
    "DaemonSet": "daemonset",
    "CronJob": "cronjob",
    "Job": "job",
    "Service": "service",
    "HorizontalPodAutoscaler": "hpa",
    "PodDisruptionBudget": "pdb",
    "Ingress": "ingress",
    "HTTPRoute": "httproute",
    "NetworkPolicy": "networkpolicy",
}
_KIND_ORDER = {kind: index for index, kind in enumerate(_FILE_NAMES)}
TEMPLATE_HEADER = (
    "# TEMPLATE: replace every REPLACE_ME, then apply it yourself: kubectl apply -f {path}\n"
    "# It is not in kustomization.yaml, so applying the generated manifests never\n"
    "# overwrites the real values. Never commit real secrets.\n"
)


@dataclass(frozen=True)
class RenderedFile:
    """``path`` is POSIX, relative to the output directory (or, for ``root`` REPOSITORY, to
    the repository root); ``applied``: in kustomization."""

    path: str
    text: str
    applied: bool = True
    note: str | None = None  # why a file is not applied, for the summary
    root: FileRoot = FileRoot.OUTPUT


class _Dumper(yaml.SafeDumper):
    """Block style everywhere; multi-line strings as literal blocks; no anchors/aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if re.search("[\x85\u2028\u2029]", value):
        # YAML line breaks that PyYAML folds away in plain and single-quoted scalars
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value and not re.search(r"[ \t]\n|[\x00-\x08\x0b-\x1f\x7f]", value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


class _FastDumper(yaml.CSafeDumper):
    """libyaml's emitter (about 7x faster than PyYAML's) with the same representers. It gives
    the same bytes as ``_Dumper`` only on plain documents (``_is_plain``); it differs on
    astral characters, block scalars' chomping, empty and long keys."""

    def ignore_aliases(self, data: object) -> bool:
        return True


_FastDumper.add_representer(str, _represent_str)  # type: ignore[arg-type]
_PLAIN_KEY = 64
_PLAIN_STR = 1000


def _plain_str(value: str, limit: int) -> bool:
    return len(value) <= limit and value.isascii() and value.isprintable()


def _is_plain(value: object) -> bool:
    """Every key a printable ASCII string of 1-64 characters and every string printable ASCII
    of at most 1,000 (no line breaks, tabs or control characters): where both emitters agree
    (fuzzed in ``tests/generation/test_rendering.py``)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if not (isinstance(key, str) and key and _plain_str(key, _PLAIN_KEY)):
                    return False
                if isinstance(sub, str):
                    if not _plain_str(sub, _PLAIN_STR):
                        return False
                elif isinstance(sub, (dict, list)):
                    stack.append(sub)
        elif isinstance(item, list):
            for sub in item:
                if isinstance(sub, str):
                    if not _plain_str(sub, _PLAIN_STR):
                        return False
                elif isinstance(sub, (dict, list)):
                    stack.append(sub)
        elif isinstance(item, str) and not _plain_str(item, _PLAIN_STR):
            return False
    return True


def dump_yaml(value: object) -> str:
    """``value`` as block-style YAML: libyaml's emitter when the document is plain and the
    output has no escape, PyYAML's otherwise; the same bytes either way."""
    options: dict[str, object] = {"sort_keys": False, "default_flow_style": False,
                                  "allow_unicode": True, "width": 4096}  # fmt: skip
    if _is_plain(value):
        text = yaml.dump(value, Dumper=_FastDumper, **options)  # type: ignore[call-overload]
        if "\\" not in text:
            return str(text)
    return str(yaml.dump(value, Dumper=_Dumper, **options))  # type: ignore[call-overload]


def ordered(manifest: Manifest) -> Manifest:
    """``manifest`` with kubectl's top-level and metadata key order."""
    result: Manifest = {key: manifest[key] for key in _TOP if key in manifest}
    result.update({k: v for k, v in manifest.items() if k not in result})
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        meta: Manifest = {key: metadata[key] for key in _METADATA if key in metadata}
        meta.update({k: v for k, v in metadata.items() if k not in meta})
        result["metadata"] = meta
    return result


def render_manifest(manifest: Manifest) -> str:
    """One YAML document (no ``---``), ending in a newline."""
    text = dump_yaml(ordered(manifest))
    return text if text.endswith("\n") else text + "\n"


def _directory(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "component"


def file_path(resource: GeneratedResource, *, nested: bool) -> str:
    base = _FILE_NAMES.get(resource.kind, resource.kind.lower())
    name = f"{base}.template.yaml" if resource.template else f"{base}.yaml"
    if nested and resource.component is not None:
        return f"{_directory(resource.component)}/{name}"
    return name


def _sort_key(resource: GeneratedResource, components: tuple[str, ...]) -> tuple[int, int]:
    owner = (
        components.index(resource.component)
        if resource.component in components
        else len(components)
    )
    return owner, _KIND_ORDER.get(resource.kind, len(_KIND_ORDER))


def render_manifests(result: GenerationResult) -> tuple[str, ...]:
    """Each of ``result.resources`` rendered, in order: pass them to ``render_files`` and
    ``render_stream`` so a run renders every object once."""
    return tuple(render_manifest(resource.manifest) for resource in result.resources)


def _in_order(
    result: GenerationResult, texts: Sequence[str] | None
) -> list[tuple[GeneratedResource, str]]:
    """(resource, its YAML) by component, then kind; stable: generation order within a kind."""
    rendered = render_manifests(result) if texts is None else texts
    return sorted(
        zip(result.resources, rendered, strict=True),  # strict: one text per resource
        key=lambda pair: _sort_key(pair[0], result.components),
    )


def render_files(
    result: GenerationResult,
    *,
    namespace: str | None = None,
    kustomize: bool = True,
    texts: Sequence[str] | None = None,
) -> list[RenderedFile]:
    """The files of the output directory, then those relative to the repository root (CI),
    then ``kustomization.yaml`` (unless ``kustomize`` is False).  ``texts``: the resources
    already rendered (``render_manifests``)."""
    nested = len(result.components) > 1
    documents: dict[str, list[str]] = {}
    templates: set[str] = set()
    for resource, text in _in_order(result, texts):
        path = file_path(resource, nested=nested)
        documents.setdefault(path, []).append(text)
        if resource.template:
            templates.add(path)
    files: list[RenderedFile] = []
    for path, docs in documents.items():
        text = "---\n".join(docs)
        if path in templates:
            text = TEMPLATE_HEADER.format(path=path) + text
        is_applied = path not in templates
        note = None if is_applied else "template: fill in and apply by hand"
        files.append(RenderedFile(path, text, applied=is_applied, note=note))
    repository: list[RenderedFile] = []
    for document in result.documents:
        if document.root is FileRoot.REPOSITORY:
            repository.append(
                RenderedFile(
                    document.filename, document.text, False, document.note, FileRoot.REPOSITORY
                )
            )
            continue
        path = document.filename
        if nested and document.component is not None:
            path = f"{_directory(document.component)}/{path}"
        note = document.note or "not applied"
        files.append(RenderedFile(path, document.text, applied=False, note=note))
    applied = [f.path for f in files if f.applied]
    files.extend(repository)
    if kustomize:
        kustomization = build_kustomization(applied, namespace=namespace)
        files.append(RenderedFile(KUSTOMIZATION, render_manifest(kustomization), applied=False))
    return files


def render_stream(
    result: GenerationResult, *, documents: bool = False, texts: Sequence[str] | None = None
) -> str:
    """Every applied object as one multi-document YAML stream (``kubectl apply -f -``); with
    ``documents``, then the streamed documents (the persona: applied once the dorgu CRDs are
    installed).  Templates, the Argo CD Application and non-YAML files are never in it.
    ``texts``: the resources already rendered (``render_manifests``)."""
    pairs = _in_order(result, texts)
    text = "".join("---\n" + rendered for r, rendered in pairs if not r.template)
    if documents:
        text += "".join("---\n" + d.text for d in result.documents if d.streamed)
    return text
