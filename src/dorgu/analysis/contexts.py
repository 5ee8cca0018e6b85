"""The code of a service is what its Dockerfile copies from the build context.

Compose files often build every service with the repository root as context and a per-service
Dockerfile (``build: {context: ., dockerfile: src/cart/Dockerfile}``).  Analysing the whole
context would give every such service the same language and framework, so the code analysed
is only what the image takes from the context: the ``COPY``/``ADD`` sources (and ``RUN`` bind
mounts) of the final stage and of every stage it builds on or copies from (``FROM <stage>``,
``COPY --from=<stage>``).  ``COPY . .``, a source that cannot be resolved, or sources that match
nothing fall back to the whole context.  The app root inside the copied code is the shallowest
copied directory holding a build file (go.mod, package.json, *.csproj ...), else the
directory all copied files share.  What the ``.dockerignore`` (or the Dockerfile's own
``<Dockerfile>.dockerignore``) excludes is left out either way.

Must not: read files (the tree is handed in) or guess beyond the Dockerfile's words.
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass

from dorgu.analysis.discovering import is_build_file
from dorgu.analysis.dockerfile import DockerfileInfo
from dorgu.analysis.dockerignore import Matcher, ignore_file, parse_dockerignore
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

_GLOB = LazyPattern(r"[*?\[]")
MAX_STAGES = 512


@dataclass(frozen=True)
class CodeScope:
    """The copied code: ``directory`` (root-relative) is the app root to analyse, ``tree`` the
    copied files under it (relative to it), ``sources`` the copied paths (context-relative)."""

    directory: str
    tree: SourceTree
    sources: tuple[str, ...]
    location: Location | None


def copied_sources(info: DockerfileInfo) -> tuple[tuple[str, ...], Location | None] | None:
    """Context paths that reach the final stage, normalised; None means the whole context."""
    stages = {s.index: s for s in info.stages}
    wanted: set[int] = set()
    todo = [info.final_stage.index]
    while todo and len(wanted) < MAX_STAGES:
        index = todo.pop()
        if index in wanted:
            continue
        wanted.add(index)
        parent = stages[index].parent if index in stages else None
        if parent is not None:
            todo.append(parent)
        todo.extend(
            c.source_stage
            for c in info.copies_from
            if c.stage == index and c.source_stage is not None
        )
    sources: list[str] = []
    first: Location | None = None
    for copy in info.context_copies:
        if copy.stage not in wanted:
            continue
        if copy.opaque:
            return None
        first = first or copy.location
        for source in copy.sources:
            path = _normalise(source)
            if path is None:
                continue
            if path == ".":
                return None
            sources.append(path)
    if not sources:
        return None
    return tuple(dict.fromkeys(sources)), first


def _normalise(source: str) -> str | None:
    """Context-relative POSIX path; None for a path that leaves the context."""
    text = source.strip().replace("\\", "/")
    text = posixpath.normpath("./" + text.lstrip("/")) if text else "."
    if text == ".." or text.startswith("../"):
        return None
    return text


def _matches(rel: str, source: str) -> bool:
    if not _GLOB.search(source):
        return rel == source or rel.startswith(source + "/")
    parts = rel.split("/")
    depth = source.count("/") + 1
    return len(parts) >= depth and fnmatch.fnmatchcase("/".join(parts[:depth]), source)


def _copied_files(tree: SourceTree, prefix: str, sources: tuple[str, ...]) -> list[str]:
    """Context-relative paths the sources name, sorted; each source looks only at its own
    part of the tree (bisection), so many services in one big context stay cheap."""
    found: set[str] = set()
    cut = len(prefix)
    for source in sources:
        if source == ".":
            return [p[cut:] for p in tree.under(prefix)]
        glob = _GLOB.search(source)
        if glob is None:
            if tree.has(prefix + source):
                found.add(source)
            found.update(p[cut:] for p in tree.under(prefix + source + "/"))
            continue
        static = source[: glob.start()].rpartition("/")[0]
        base = prefix + (static + "/" if static else "")
        found.update(p[cut:] for p in tree.under(base) if _matches(p[cut:], source))
    return sorted(found)


def code_scope(
    tree: SourceTree,
    context: str,
    copied: tuple[tuple[str, ...], Location | None],
    excluded: Matcher | None = None,
) -> CodeScope | None:
    """The part of ``tree`` under ``context`` that the image copies (``.`` copies everything),
    without what ``excluded`` (the .dockerignore) leaves out; None when nothing is left (then
    the whole context is analysed, as before)."""
    sources, location = copied
    prefix = "" if context in (".", "") else context.rstrip("/") + "/"
    files = _copied_files(tree, prefix, sources)
    kept = [rel for rel in files if not (excluded is not None and excluded(rel))]
    if not kept:
        return None
    kept_set = set(kept)
    directory = _app_root(kept, kept_set, sources)
    inner = "" if directory == "." else directory + "/"
    scoped_paths = tuple(rel[len(inner) :] for rel in kept if rel.startswith(inner))
    texts = {
        rel[len(inner) :]: tree.texts[prefix + rel]
        for rel in kept
        if rel.startswith(inner) and prefix + rel in tree.texts
    }
    root_dir = posixpath.normpath(posixpath.join(context or ".", directory))
    return CodeScope(root_dir, SourceTree(paths=scoped_paths, texts=texts), sources, location)


def _app_root(kept: list[str], kept_set: set[str], sources: tuple[str, ...]) -> str:
    candidates: list[str] = []
    for source in sources:
        if _GLOB.search(source) or source in kept_set:
            candidates.append(posixpath.dirname(source) or ".")
        else:
            candidates.append(source)
    for directory in sorted(set(candidates), key=lambda d: (d != ".", d.count("/"), d)):
        inner = "" if directory == "." else directory + "/"
        if any(
            rel.startswith(inner) and "/" not in rel[len(inner) :] and _is_manifest(rel)
            for rel in kept
        ):
            return directory
    common = posixpath.commonpath([posixpath.dirname(rel) or "." for rel in kept]) if kept else "."
    return common or "."


def scope_code(
    tree: SourceTree, context: str, docker: DockerfileInfo | None, *, name: str
) -> tuple[str, SourceTree, list[Evidence]]:
    """The app root and tree to analyse for a component built from ``context`` with ``docker``,
    with evidence when the Dockerfile narrows the context."""
    whole = tree.subtree(context)
    copied = copied_sources(docker) if docker is not None else None
    ignore = ignore_file(tree, context, docker.file if docker is not None else None)
    excluded = parse_dockerignore(tree.text(ignore) or "") if ignore is not None else None
    if copied is None and excluded is None:
        return context, whole, []
    if copied is None:
        copied = ((".",), Location(file=ignore) if ignore else None)
    scope = code_scope(tree, context, copied, excluded)
    if scope is None or (scope.directory == context and not _leaves_build_files(whole, scope)):
        return context, whole, []
    shown = ", ".join(scope.sources[:5]) + (", ..." if len(scope.sources) > 5 else "")
    if shown == ".":
        shown = "the whole build context"
    evidence = Evidence(
        field=f"components.{name}.path",
        value=scope.directory,
        rule="dockerfile.copy",
        location=scope.location,
        confidence=0.9,
        detail=f"the image copies {shown}"
        + (" from the build context" if shown != "the whole build context" else "")
        + (f", without what {ignore} excludes" if ignore else ""),
    )
    return scope.directory, scope.tree, [evidence]


def _leaves_build_files(whole: SourceTree, scope: CodeScope) -> bool:
    """True when the context holds build files the image does not copy (other services)."""
    kept = set(scope.tree.paths)
    return any(_is_manifest(p) and p not in kept for p in whole.paths)


def _is_manifest(path: str) -> bool:
    return is_build_file(posixpath.basename(path))
