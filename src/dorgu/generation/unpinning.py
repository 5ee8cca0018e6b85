"""Images the user stated without a version: written as stated, warned about once per image.

A compose ``image: nginx`` (no tag) or ``image: redis:latest`` is the user's choice, so the
generated workload runs exactly that reference; dorgu never invents a tag.  Each such image
gets one warning that names the components running it and says what to pin (a version tag or
a digest), and ``unpinned_images`` lists them so the generate self-check reports the
``reliability.image-tag`` finding through this warning instead of refusing to write.
``dorgu validate`` keeps the finding at its usual severity.

Must not choose or rewrite images (``images.py`` does) or look at anything but the plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dorgu.generation.diagnosing import warning
from dorgu.generation.images import ImageRef, parse_image
from dorgu.models.evidence import Diagnostic

if TYPE_CHECKING:
    from dorgu.generation.planning import ComponentPlan


def unpinned_images(plans: Sequence[ComponentPlan]) -> tuple[str, ...]:
    """The user-stated images without a version tag or digest, in first-use order."""
    return tuple(dict.fromkeys(p.image.image for p in plans if p.image.unpinned))


def unpinned_warnings(plans: Sequence[ComponentPlan]) -> tuple[Diagnostic, ...]:
    """One warning per unpinned or unpullable stated image, naming every component that runs
    it (an unpullable one is warned about for that, not for its tag)."""
    users: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for plan in plans:
        if plan.image.unpinned or plan.image.problem:
            users.setdefault(plan.image.image, []).append(plan.component.name)
        if plan.image.problem:
            problems[plan.image.image] = plan.image.problem
    return tuple(
        _invalid(image, names, problems[image]) if image in problems else _warning(image, names)
        for image, names in users.items()
    )


def _invalid(image: str, components: Sequence[str], problem: str) -> Diagnostic:
    return warning(
        "image-invalid",
        f"image {image!r} ({', '.join(components)}) is not a valid image reference: {problem}; "
        "it is written as stated, and no node can pull it: fix it where you state it",
    )


def _warning(image: str, components: Sequence[str]) -> Diagnostic:
    ref = parse_image(image)
    base = str(ImageRef(ref.repository, registry=ref.registry))
    shown = "has no tag, so it means :latest" if ref.tag is None else "uses :latest"
    return warning(
        "image-unpinned",
        f"image {image} ({', '.join(components)}) {shown}: each node may pull a different "
        f"version; it is written as stated: pin a version tag ({base}:<version>) or a digest "
        f"({base}@sha256:<digest>, which docker pull {base} prints) where you state it",
    )
