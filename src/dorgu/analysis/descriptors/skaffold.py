"""skaffold.yaml: the images a project builds and the folders they are built from.

``build.artifacts[]`` (and those of ``profiles[].build``) give ``image`` and ``context`` (default
the skaffold file's folder) and ``docker.dockerfile``: an image named in a manifest is then
linked to the component built from that context.

Must not: read files (texts come in).
"""

from __future__ import annotations

import posixpath

from dorgu.analysis.descriptors.records import ImageLink
from dorgu.errors import DorguError
from dorgu.formats.yamldocs import load_yaml_documents
from dorgu.models.evidence import Diagnostic, Location

MAX_ARTIFACTS = 200


def read_skaffold(text: str, *, file: str) -> tuple[list[ImageLink], list[Diagnostic]]:
    try:
        documents = load_yaml_documents(text, file=file)
    except DorguError as e:
        return [], [
            Diagnostic(
                code="descriptors.unreadable",
                message=f"{file}: skaffold config not read: {e}",
                location=Location(file=file),
            )
        ]
    base = posixpath.dirname(file)
    links: list[ImageLink] = []
    for document in documents:
        data = document.data
        if not isinstance(data, dict):
            continue
        sections: list[tuple[tuple[str | int, ...], object]] = [(("build",), data.get("build"))]
        profiles = data.get("profiles")
        if isinstance(profiles, list):
            for index, profile in enumerate(profiles[:MAX_ARTIFACTS]):
                if isinstance(profile, dict):
                    sections.append((("profiles", index, "build"), profile.get("build")))
        for path, build in sections:
            artifacts = build.get("artifacts") if isinstance(build, dict) else None
            if not isinstance(artifacts, list):
                continue
            for index, artifact in enumerate(artifacts[:MAX_ARTIFACTS]):
                if not isinstance(artifact, dict) or not isinstance(artifact.get("image"), str):
                    continue
                raw = artifact.get("context")
                context = raw if isinstance(raw, str) and raw else "."
                joined = (
                    posixpath.normpath(posixpath.join(base, context))
                    if base
                    else (posixpath.normpath(context))
                )
                if joined.startswith("../") or joined == ".." or context.startswith("/"):
                    continue
                docker = artifact.get("docker")
                dockerfile = docker.get("dockerfile") if isinstance(docker, dict) else None
                links.append(
                    ImageLink(
                        image=artifact["image"],
                        context=joined,
                        dockerfile=dockerfile if isinstance(dockerfile, str) else None,
                        location=Location(
                            file=file, line=document.line_of((*path, "artifacts", index))
                        ),
                    )
                )
    return links, []
