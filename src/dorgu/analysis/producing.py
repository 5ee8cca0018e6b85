"""Images this repository produces without a Dockerfile, and the module that produces each.

Build plugins name their images in the build file: Maven/Gradle Jib (``to.image``), Spring
Boot's ``build-image``/``bootBuildImage`` (``image.name``/``imageName``, else the artifact
name), Spotify/fabric8 Docker plugins (``repository``, ``images/image/name``), the
``docker.image.prefix`` + artifactId convention, ko (``ko://<import path>``) and buildpacks
(``project.toml``: ``pack build`` names the image, so the directory name is matched).  A compose
service that runs such an image is the module: ``match_produced`` links them.

Must not: open files; a POM with a DOCTYPE/ENTITY is refused (no entity expansion).
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_UNSAFE_XML = LazyPattern(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROPERTY = LazyPattern(r"\$\{([^}]+)\}")
_GRADLE_IMAGE = (
    LazyPattern(r"""\bto\s*\{[^{}]*?\bimage\s*(?:=|\.set\()\s*["']([^"']+)["']""", re.S),
    LazyPattern(r"""\b(?:jib\.)?to\.image\s*=\s*["']([^"']+)["']"""),
    LazyPattern(r"""\bimageName\s*(?:=|\.set\()\s*["']([^"']+)["']"""),
)
_GRADLE_BOOT = LazyPattern(r"\bbootBuildImage\b|org\.springframework\.boot")
_GO_MODULE = LazyPattern(r"^module\s+(\S+)", re.M)
MAX_BUILD_FILES = 500


@dataclass(frozen=True)
class Produced:
    """``repository`` (lower-case, no registry host, no tag) is built from ``directory``.

    ``name_only``: the build names no image (buildpacks: ``pack build NAME``), so only the last
    path segment of an image is matched against the directory name, with less confidence.
    """

    repository: str
    directory: str
    plugin: str
    location: Location
    name_only: bool = False

    @property
    def confidence(self) -> float:
        return 0.6 if self.name_only else 0.9


def repository_of(image: str) -> str:
    """``ghcr.io/acme/orders:1.2`` -> ``acme/orders``; ``docker.io/library/x`` -> ``x``."""
    ref = image.strip().split("@", 1)[0].lower()
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts)


def _line(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: ET.Element, *names: str) -> list[ET.Element]:
    level = [element]
    for name in names:
        level = [c for e in level for c in e if _local(c.tag) == name]
    return level


def _maven(path: str, text: str) -> list[Produced]:
    if _UNSAFE_XML.search(text):
        return []
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []
    directory = posixpath.dirname(path) or "."
    props = {_local(p.tag): (p.text or "").strip() for ps in _find(root, "properties") for p in ps}
    artifact = next((e.text or "" for e in _find(root, "artifactId")), "").strip()
    version = next((e.text or "" for e in _find(root, "version")), "").strip()
    props.update({"project.artifactId": artifact, "artifactId": artifact})
    props.update({"project.version": version, "project.name": artifact})

    def resolve(value: str) -> str | None:
        for _ in range(5):
            value = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        return None if "${" in value or not value.strip() else value.strip()

    found: list[Produced] = []
    for plugin in _find(root, "build", "plugins", "plugin"):
        name = next((e.text or "" for e in _find(plugin, "artifactId")), "").strip()
        config = _find(plugin, "configuration")
        candidates: list[str] = []
        for c in config:
            if name == "jib-maven-plugin":
                candidates += [e.text or "" for e in _find(c, "to", "image")]
            elif name == "spring-boot-maven-plugin":
                candidates += [e.text or "" for e in _find(c, "image", "name")]
            elif name == "dockerfile-maven-plugin":
                candidates += [e.text or "" for e in _find(c, "repository")]
            elif name == "docker-maven-plugin":
                candidates += [e.text or "" for e in _find(c, "images", "image", "name")]
        if name == "spring-boot-maven-plugin" and not candidates and artifact:
            candidates.append(artifact)  # build-image's default: docker.io/library/<artifactId>
        for raw in candidates:
            image = resolve(raw)
            if image:
                where = Location(file=path, line=_line(text, f"<artifactId>{name}</artifactId>"))
                found.append(Produced(repository_of(image), directory, name, where))
    prefix = props.get("docker.image.prefix")
    if prefix and artifact and not found:
        where = Location(file=path, line=_line(text, "<docker.image.prefix>"))
        repository = repository_of(f"{prefix}/{artifact}")
        found.append(Produced(repository, directory, "docker.image.prefix", where))
    return found


def _gradle(path: str, text: str) -> list[Produced]:
    directory = posixpath.dirname(path) or "."
    name = posixpath.basename(directory) if directory != "." else ""
    found: list[Produced] = []
    for pattern in _GRADLE_IMAGE:
        for match in pattern.finditer(text):
            image = re.sub(r"\$\{?(?:project\.name|rootProject\.name)\}?", name, match.group(1))
            if "$" in image or not image:
                continue
            where = Location(file=path, line=text.count("\n", 0, match.start()) + 1)
            found.append(Produced(repository_of(image), directory, "gradle", where))
    if not found and name and "bootBuildImage" in text and _GRADLE_BOOT.search(text):
        where = Location(file=path, line=_line(text, "bootBuildImage"))
        found.append(Produced(name.lower(), directory, "bootBuildImage", where))
    return found


def produced_images(tree: SourceTree) -> list[Produced]:
    """Every image a build file in the tree says it produces (shallow files first)."""
    found: list[Produced] = []
    files = list(tree.named("pom.xml", "build.gradle", "build.gradle.kts"))[:MAX_BUILD_FILES]
    for path in files:
        text = tree.text(path)
        if text is None:
            continue
        found.extend(_maven(path, text) if path.endswith("pom.xml") else _gradle(path, text))
    for path in list(tree.named("project.toml"))[:MAX_BUILD_FILES]:
        directory = posixpath.dirname(path) or "."
        if directory != ".":  # the Cloud Native Buildpacks project descriptor
            name = posixpath.basename(directory).lower()
            where = Location(file=path, line=1)
            found.append(Produced(name, directory, "buildpacks", where, name_only=True))
    return found


def match_produced(image: str, produced: list[Produced], tree: SourceTree) -> Produced | None:
    """The module that produces ``image``: an exact repository match first, then ko paths."""
    if image.startswith("ko://"):
        return _ko(image[len("ko://") :], tree)
    repository = repository_of(image)
    for item in produced:
        if not item.name_only and item.repository == repository:
            return item
    last = repository.rsplit("/", 1)[-1]
    matches = [item for item in produced if item.name_only and item.repository == last]
    return matches[0] if len(matches) == 1 else None


def _ko(import_path: str, tree: SourceTree) -> Produced | None:
    for path in tree.named("go.mod"):
        text = tree.text(path) or ""
        match = _GO_MODULE.search(text)
        if match is None:
            continue
        module = match.group(1)
        if import_path == module or import_path.startswith(module + "/"):
            root = posixpath.dirname(path) or "."
            rest = import_path[len(module) :].strip("/")
            directory = posixpath.normpath(posixpath.join(root, rest)) if rest else root
            where = Location(file=path, line=text.count("\n", 0, match.start()) + 1)
            return Produced(import_path, directory, "ko", where)
    return None
