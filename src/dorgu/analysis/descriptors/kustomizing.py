"""Following kustomizations: which files are resources, which are patches, and the ``images``
and ``replicas`` they set.

``resources`` (and ``components``, ``bases``) are followed to files and to folders holding a
kustomization, depth-first with a visited set: a kustomization that includes itself (directly
or through others) is reported once and not followed again.  Remote bases (URLs, ``git@``,
``github.com/...``) are never fetched; paths leaving the analysed tree are not followed.  Patch
files are not resources: they are left out of the objects read.  ``images``/``replicas`` of a
kustomization are kept only when no other kustomization includes it (an overlay or the only
one); when several such overlays disagree, none is used and an info diagnostic says so.

Must not: read files (texts come in).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dorgu.analysis.descriptors.locating import KUSTOMIZATIONS
from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_KUSTOMIZATIONS = 200
MAX_ENTRIES = 1000  # resources/patches per kustomization


@dataclass
class Kustomized:
    resources: set[str] = field(default_factory=set)  # root-relative manifest files
    patches: set[str] = field(default_factory=set)
    images: dict[str, tuple[str, Location]] = field(default_factory=dict)  # name -> newName
    replicas: dict[str, tuple[int, Location]] = field(default_factory=dict)  # workload -> count
    # configMapGenerator: name -> key -> (value, where); secretGenerator: name -> key names
    configmaps: dict[str, dict[str, tuple[str, Location]]] = field(default_factory=dict)
    secrets: dict[str, set[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class _Node:
    path: str  # of the kustomization file
    data: Mapping[str, Any]
    document: YamlDocument

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)

    def at(self, *keys: str | int) -> Location:
        return Location(file=self.path, line=self.document.line_of(tuple(keys)))


def _remote(entry: str) -> bool:
    return (
        "://" in entry
        or entry.startswith(("git@", "github.com/", "gitlab.com/"))
        or ("?ref=" in entry)
    )


def _join(directory: str, entry: str) -> str | None:
    """Root-relative normalised path, or None when it leaves the tree."""
    if entry.startswith("/"):
        return None
    joined = (
        posixpath.normpath(posixpath.join(directory, entry))
        if directory
        else (posixpath.normpath(entry))
    )
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def _kustomization_in(directory: str, has: Callable[[str], bool]) -> str | None:
    for name in KUSTOMIZATIONS:
        candidate = posixpath.join(directory, name) if directory else name
        if has(candidate):
            return candidate
    return None


def follow_kustomizations(
    files: list[str],
    texts: Mapping[str, str],
    has: Callable[[str], bool],
    *,
    is_dir: Callable[[str], bool],
) -> Kustomized:
    """Everything the kustomizations among ``files`` (root-relative paths) say."""
    result = Kustomized()
    nodes: dict[str, _Node] = {}
    for path in sorted(files)[:MAX_KUSTOMIZATIONS]:
        node = _load(path, texts, result)
        if node is not None:
            nodes[path] = node
    included: set[str] = set()
    for node in nodes.values():
        _walk(node, nodes, texts, has, is_dir, result, included, stack=())
    roots = [n for p, n in sorted(nodes.items()) if p not in included]
    _transformers(roots, result)
    return result


def _load(path: str, texts: Mapping[str, str], result: Kustomized) -> _Node | None:
    text = texts.get(path)
    if text is None:
        return None
    try:
        document = load_yaml(text, file=path)
    except DorguError as e:
        result.diagnostics.append(
            Diagnostic(
                code="descriptors.unreadable",
                message=f"{path}: kustomization not read: {e}",
                location=Location(file=path),
            )
        )
        return None
    if not isinstance(document.data, dict):
        return None
    return _Node(path, document.data, document)


def _entries(node: _Node, key: str) -> list[tuple[str, Location]]:
    raw = node.data.get(key)
    if not isinstance(raw, list):
        return []
    found = []
    for index, item in enumerate(raw[:MAX_ENTRIES]):
        if isinstance(item, str):
            found.append((item, node.at(key, index)))
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            found.append((item["path"], node.at(key, index)))
    return found


def _walk(
    node: _Node,
    nodes: dict[str, _Node],
    texts: Mapping[str, str],
    has: Callable[[str], bool],
    is_dir: Callable[[str], bool],
    result: Kustomized,
    included: set[str],
    *,
    stack: tuple[str, ...],
) -> None:
    if node.path in stack:
        result.diagnostics.append(
            Diagnostic(
                code="descriptors.kustomize-cycle",
                message=f"{node.path} includes itself (through {' -> '.join(stack)}); "
                "not followed again",
                location=Location(file=stack[-1]),
            )
        )
        return
    if len(stack) >= 32:
        return
    stack = (*stack, node.path)
    _generators(node, texts, result)
    for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
        for entry, _where in _entries(node, key):
            joined = _join(node.directory, entry)
            if joined is not None:
                result.patches.add(joined)
    for key in ("resources", "bases", "components"):
        for entry, where in _entries(node, key):
            if _remote(entry):
                result.diagnostics.append(
                    Diagnostic(
                        severity=Severity.INFO,
                        code="descriptors.kustomize-remote",
                        message=f"remote base {entry!r} is not fetched; its objects are not read",
                        location=where,
                    )
                )
                continue
            joined = _join(node.directory, entry)
            if joined is None:
                result.diagnostics.append(
                    Diagnostic(
                        code="descriptors.outside-tree",
                        message=f"{entry!r} leaves the analysed folder; not read",
                        location=where,
                    )
                )
                continue
            child = _kustomization_in(joined, has) if is_dir(joined) or not has(joined) else None
            if child is not None:
                included.add(child)
                target = nodes.get(child) or _load(child, texts, result)
                if target is not None:
                    nodes.setdefault(child, target)
                    _walk(target, nodes, texts, has, is_dir, result, included, stack=stack)
            elif has(joined):
                result.resources.add(joined)


def _generators(node: _Node, texts: Mapping[str, str], result: Kustomized) -> None:
    """``configMapGenerator`` values (literals and loaded env files) and ``secretGenerator``
    key names (their values are never kept)."""
    for key, secret in (("configMapGenerator", False), ("secretGenerator", True)):
        for index, item in enumerate(_list(node.data.get(key))):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            where = node.at(key, index)
            pairs: list[tuple[str, str]] = []
            for literal in _list(item.get("literals")):
                if isinstance(literal, str) and "=" in literal:
                    name, _, value = literal.partition("=")
                    pairs.append((name.strip(), value))
            for entry in _list(item.get("envs")) + _list(item.get("env")):
                joined = _join(node.directory, entry) if isinstance(entry, str) else None
                text = texts.get(joined) if joined is not None else None
                for line in (text or "").splitlines()[:MAX_ENTRIES]:
                    line = line.strip()
                    if line and not line.startswith("#") and "=" in line:
                        name, _, value = line.partition("=")
                        pairs.append((name.strip(), value.strip()))
            if secret:
                result.secrets.setdefault(item["name"], set()).update(n for n, _ in pairs)
            else:
                values = result.configmaps.setdefault(item["name"], {})
                values.update((n, (v, where)) for n, v in pairs if n)


def _transformers(roots: list[_Node], result: Kustomized) -> None:
    images: dict[str, set[tuple[str, str]]] = {}
    replicas: dict[str, set[tuple[int, str]]] = {}
    places: dict[tuple[str, str], Location] = {}
    for node in roots:
        for index, item in enumerate(_list(node.data.get("images"))):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                new = str(item.get("newName") or item["name"])
                images.setdefault(item["name"], set()).add((new, node.path))
                places[("image", item["name"] + node.path)] = node.at("images", index)
        for index, item in enumerate(_list(node.data.get("replicas"))):
            count = item.get("count") if isinstance(item, dict) else None
            if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= 10_000:
                name = str(item.get("name"))
                replicas.setdefault(name, set()).add((count, node.path))
                places[("replicas", name + node.path)] = node.at("replicas", index)
    for name, seen in images.items():
        if len({new for new, _ in seen}) == 1:
            new, path = sorted(seen)[0]
            result.images[name] = (new, places[("image", name + path)])
    for name, counts in replicas.items():
        if len({count for count, _ in counts}) == 1:
            count, path = sorted(counts)[0]
            result.replicas[name] = (count, places[("replicas", name + path)])
        else:
            result.diagnostics.append(
                Diagnostic(
                    severity=Severity.INFO,
                    code="descriptors.overlays-disagree",
                    message=f"kustomize overlays set different replicas for {name}; none is used",
                    location=places[("replicas", name + sorted(counts)[0][1])],
                )
            )


def _list(value: object) -> list[Any]:
    return value[:MAX_ENTRIES] if isinstance(value, list) else []
