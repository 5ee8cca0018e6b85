"""Where a component's server configuration comes from: its bind mounts and the files its
Dockerfile copies, as ``Mount``s from container paths to files in the tree.  Templates the
nginx image renders at start (``/etc/nginx/templates/x.conf.template``) are also mounted where
the rendered file lands (``/etc/nginx/conf.d/x.conf``), marked for rendering.

Must not: open files, or map anything outside the tree.
"""

from __future__ import annotations

import fnmatch
import posixpath

from dorgu.analysis.servers.copies import final_stage_copies
from dorgu.analysis.servers.images import ServerImage
from dorgu.analysis.servers.including import Mount
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Component, VolumeKind

MAX_MOUNTS = 256


def _inside(path: str) -> bool:
    return bool(path) and not path.startswith(("/", "~", "../")) and path != ".."


def _is_dir(tree: SourceTree, path: str) -> bool:
    return bool(tree.under("" if path in ("", ".") else path.rstrip("/") + "/"))


def component_mounts(component: Component, tree: SourceTree) -> list[Mount]:
    """Bind mounts and Dockerfile copies of ``component`` that bring tree files in."""
    mounts: list[Mount] = []
    for volume in component.volumes:
        source = volume.source or ""
        if volume.kind is not VolumeKind.BIND or not _inside(source):
            continue
        source = posixpath.normpath(source)
        if tree.has(source):
            mounts.append(Mount(volume.target, source))
        elif _is_dir(tree, source):
            mounts.append(Mount(volume.target, source, directory=True))
    build = component.build
    dockerfile = build.dockerfile if build else None
    text = tree.text(dockerfile) if dockerfile else None
    if build is not None and dockerfile and text is not None:
        context = posixpath.normpath(build.context or ".")
        for copied in final_stage_copies(text, file=dockerfile):
            mounts.extend(
                _copied(tree, context, copied.source, copied.target, copied.into_directory)
            )
    return mounts[:MAX_MOUNTS]


def _copied(tree: SourceTree, context: str, source: str, target: str, into: bool) -> list[Mount]:
    path = posixpath.normpath(posixpath.join(context, source)) if context != "." else source
    if not _inside(path) and path != ".":
        return []
    if any(ch in source for ch in "*?["):
        base = posixpath.dirname(path)
        prefix = "" if base in ("", ".") else base + "/"
        return [
            Mount(posixpath.join(target, posixpath.basename(p)), p)
            for p in tree.under(prefix)
            if "/" not in p[len(prefix) :] and fnmatch.fnmatchcase(p, path)
        ]
    if tree.has(path):
        return [Mount(posixpath.join(target, posixpath.basename(path)) if into else target, path)]
    if _is_dir(tree, path):
        return [Mount(target, path, directory=True)]
    return []


def with_templates(mounts: list[Mount], image: ServerImage, tree: SourceTree) -> list[Mount]:
    """``mounts`` plus the rendered place of every template file they provide."""
    if not image.templates:
        return mounts
    out = list(mounts)
    for mount in mounts:
        files = (
            [
                (mount.target.rstrip("/") + "/" + p[len(mount.source) + 1 :], p)
                for p in tree.under(mount.source.rstrip("/") + "/")
            ]
            if mount.directory
            else [(mount.target, mount.source)]
        )
        for target, source in files:
            if any(_glob(target, pattern) for pattern in image.templates):
                name = posixpath.basename(target).removesuffix(".template")
                rendered = posixpath.join(
                    posixpath.dirname(image.templates[0]), "..", "conf.d", name
                )
                out.append(Mount(posixpath.normpath(rendered), source, render="envsubst"))
    return out[:MAX_MOUNTS]


def _glob(path: str, pattern: str) -> bool:
    return posixpath.dirname(path) == posixpath.dirname(pattern) and fnmatch.fnmatchcase(
        posixpath.basename(path), posixpath.basename(pattern)
    )
