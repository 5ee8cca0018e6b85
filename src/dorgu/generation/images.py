"""Container image references: parse, and choose what to deploy.

Built components never get ``:latest`` by default: the tag is the ``image.tag`` setting (flag
``--image-tag``), else the git tag at HEAD, else the short commit sha, else ``0.1.0`` with a
warning.  ``image.registry`` prefixes the repository; repositories are lower-cased.  Image-only
services keep the reference the user wrote, byte for byte: dorgu never adds, changes or guesses
a tag there.  A missing or ``latest`` tag is marked ``unpinned`` (``unpinning.py`` warns once
per image, and the generate self-check does not refuse the output for it); a reference no
runtime can pull (``references.py``) is written as stated too, with a warning saying why.

Must not run git or read files: git facts arrive in ``GitInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.generation.diagnosing import warning
from dorgu.generation.inputs import GitInfo
from dorgu.generation.references import reference_problem
from dorgu.models.app import Component, ComponentKind
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic
from dorgu.models.patterns import LazyPattern

FALLBACK_TAG = "0.1.0"
_TAG_BAD = LazyPattern(r"[^A-Za-z0-9_.-]+")
_REPO_BAD = LazyPattern(r"[^a-z0-9._/-]+")


@dataclass(frozen=True)
class ImageRef:
    """``registry/repository:tag@digest``; ``registry`` only when the first part is a host."""

    repository: str
    registry: str | None = None
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}" if self.registry else self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@dataclass(frozen=True)
class ImageChoice:
    image: str
    tag: str | None
    diagnostics: tuple[Diagnostic, ...] = ()
    unpinned: bool = False  # the user stated it without a version tag or digest
    problem: str | None = None  # why a stated reference cannot be pulled (references.py)


def parse_image(reference: str) -> ImageRef:
    """Split an image reference; the registry is the first segment if it looks like a host."""
    text, _, digest = reference.strip().partition("@")
    head, _, last = text.rpartition("/")
    name, _, tag = last.partition(":")
    path = f"{head}/{name}" if head else name
    first, sep, rest = path.partition("/")
    registry = None
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    return ImageRef(path, registry=registry, tag=tag or None, digest=digest or None)


def sanitize_tag(tag: str) -> str:
    """A valid image tag: ``[A-Za-z0-9_.-]``, not starting with ``.`` or ``-``, <= 128 chars."""
    cleaned = _TAG_BAD.sub("-", tag).lstrip(".-")[:128]
    return cleaned or FALLBACK_TAG


def _repository(text: str) -> str:
    parts = [p.strip("._-") for p in _REPO_BAD.sub("-", text.lower()).split("/")]
    return "/".join(p for p in parts if p) or "app"


def choose_image(
    component: Component,
    *,
    settings: EffectiveSettings,
    git: GitInfo,
    default_repository: str,
    own_settings: bool,
) -> ImageChoice:
    """The image to deploy for ``component`` and its tag (for the version label).

    ``own_settings``: ``image.repository`` applies (single-app projects only).
    """
    if component.kind is not ComponentKind.APP and component.image:
        return _pinned(component)
    written = parse_image(component.image) if component.image else None
    configured = settings.image.repository if own_settings else None
    repository = _repository(configured or (written.repository if written else default_repository))
    registry = settings.image.registry or (written.registry if written else None)
    if registry:
        registry = registry.strip().rstrip("/").lower()
    diagnostics: list[Diagnostic] = []
    if settings.image.tag:
        tag = sanitize_tag(settings.image.tag)
        if tag == "latest":
            diagnostics.append(
                warning(
                    "image-latest",
                    f"{component.name}: image tag 'latest' was asked for; "
                    "it is not reproducible (pass --image-tag with a version)",
                )
            )
    elif git.tag:
        tag = sanitize_tag(git.tag)
    elif git.short_sha:
        tag = sanitize_tag(git.short_sha)
    else:
        tag = FALLBACK_TAG
        diagnostics.append(
            warning(
                "image-tag-fallback",
                f"{component.name}: no --image-tag, image.tag or git commit; "
                f"using tag {FALLBACK_TAG} (pass --image-tag to choose the version to deploy)",
            )
        )
    image = ImageRef(repository, registry=registry, tag=tag)
    return ImageChoice(str(image), tag, tuple(diagnostics))


def _pinned(component: Component) -> ImageChoice:
    """The image exactly as the user stated it (never rewritten; see ``unpinning.py``)."""
    assert component.image is not None
    stated = component.image.strip()
    ref = parse_image(stated)
    unpinned = ref.digest is None and ref.tag in (None, "latest")
    return ImageChoice(stated, ref.tag, unpinned=unpinned, problem=reference_problem(stated))
