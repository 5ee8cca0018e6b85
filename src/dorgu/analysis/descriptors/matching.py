"""Which component a described container belongs to.

Signals, strongest first.  The component with the strongest signal wins, then the one with
more signals (an image built from one context can run as two components: the workload named
``notes-migrate`` with a container ``migrate`` is the ``migrate`` one); a remaining tie is
ambiguous and reported, never guessed:

- ``skaffold.artifact`` (0.95): the container's image is a skaffold artifact built from the
  component's build context;
- ``k8s.match.image`` (0.9): the image's repository name is the component's image name;
- ``k8s.match.container`` (0.85): the container is named like the component;
- ``k8s.match.name`` (0.8): the workload, or its ``app.kubernetes.io/name``/``app``/
  ``component`` label, is named like the component (also ``<app>-<component>``);
- ``k8s.match.only`` (0.6): one component built from source and one described workload.

Must not: change components (``applying.py`` does).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.analysis.descriptors.records import Described, ImageLink
from dorgu.models.app import Component, ComponentKind

_NAME_LABELS = ("app.kubernetes.io/name", "app", "app.kubernetes.io/component", "component")


@dataclass(frozen=True)
class Match:
    component: str
    rule: str
    confidence: float


def repository_name(image: str) -> str:
    """``ghcr.io/acme/shop-api:1.2@sha256:...`` -> ``shop-api``."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def image_path(image: str) -> str:
    """The image reference without tag or digest."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return (head + "/" if head else "") + last.split(":", 1)[0]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _signals(
    item: Described, component: Component, links: Sequence[ImageLink]
) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    name = _norm(component.name)
    if item.image:
        wanted = image_path(item.image)
        context = posixpath.normpath(component.build.context if component.build else component.path)
        for link in links:
            if image_path(link.image) == wanted and posixpath.normpath(link.context) == context:
                found.append(("skaffold.artifact", 0.95))
        repo = repository_name(item.image)
        if component.image and repository_name(component.image) == repo:
            found.append(("k8s.match.image", 0.9))
        elif component.kind is ComponentKind.APP and _norm(repo) == name:
            found.append(("k8s.match.image", 0.85))
    if item.container and _norm(item.container) == name:
        found.append(("k8s.match.container", 0.85))
    names = {_norm(item.name)} | {_norm(v) for k, v in item.labels if k in _NAME_LABELS}
    if name in names or any(n.endswith("-" + name) for n in names):
        found.append(("k8s.match.name", 0.8))
    return found


def match_container(
    item: Described,
    components: Sequence[Component],
    links: Sequence[ImageLink],
    *,
    only: bool,
) -> tuple[Match | None, tuple[str, ...]]:
    """The component ``item`` describes, or None; and, when it is ambiguous, the tied names."""
    best: dict[str, tuple[str, float, int]] = {}
    for component in components:
        signals = _signals(item, component, links)
        if signals:
            rule, confidence = max(signals, key=lambda s: s[1])
            best[component.name] = (rule, confidence, len({r for r, _ in signals}))
    if not best:
        apps = [c for c in components if c.kind is ComponentKind.APP]
        if only and len(apps) == 1:
            return Match(apps[0].name, "k8s.match.only", 0.6), ()
        return None, ()
    top = max((c, n) for _rule, c, n in best.values())
    winners = sorted(name for name, (_rule, c, n) in best.items() if (c, n) == top)
    if len(winners) > 1:
        return None, tuple(winners)
    rule, confidence, _count = best[winners[0]]
    return Match(winners[0], rule, confidence), ()
