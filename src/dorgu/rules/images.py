"""Image rules: a pinned version, and a pull policy that cannot run stale code.

Must not do I/O (no registry lookups) or look at anything but the target it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from dorgu.models.evidence import Severity
from dorgu.rules.objects import as_text
from dorgu.rules.targets import Target
from dorgu.rules.violations import Category, Rule, Violation


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``registry/repo:tag@sha256:...`` -> ``(repository, tag, digest)``."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :] or None, digest or None
    return name, None, digest or None


def check_image_tag(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        image = as_text(container.data.get("image"))
        if image is None:
            continue
        _, tag, digest = split_image(image)
        if digest is None and (tag is None or tag == "latest"):
            shown = "has no tag (so it means :latest)" if tag is None else "uses :latest"
            yield Violation(
                container.at("image"),
                f"image {image} {shown}: each node may run a different version",
                "deploy an immutable tag (a version or commit sha) or pin a digest (@sha256:...)",
                container=container.name,
            )


def check_pull_policy(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        image = as_text(container.data.get("image"))
        if image is None:
            continue
        _, tag, digest = split_image(image)
        policy = container.data.get("imagePullPolicy")
        if policy is None and (tag in (None, "latest")):
            policy = "Always"  # the API server's default for mutable tags
        if digest is None and policy != "Always":
            shown = policy if isinstance(policy, str) else "not set (IfNotPresent)"
            yield Violation(
                container.at("imagePullPolicy"),
                f"imagePullPolicy is {shown} for {image}: a node that has an older image "
                "under the same tag keeps running it",
                "set imagePullPolicy: Always, or pin the image by digest",
                container=container.name,
            )


RULES = (
    Rule("reliability.image-tag", Category.RELIABILITY, Severity.ERROR,
         "Images have an immutable tag",
         ":latest (or no tag) changes under you: rollbacks and scale-ups run unknown code.",
         "Use a version or commit tag, or a digest.", check_image_tag),
    Rule("reliability.image-pull-policy", Category.RELIABILITY, Severity.WARNING,
         "Images are pulled so every node runs the same code",
         "With IfNotPresent, a node keeps a stale image when a tag is pushed again.",
         "Set imagePullPolicy: Always, or pin a digest.", check_pull_policy),
)  # fmt: skip
