"""Labels, annotations and topology spread constraints.

Every object gets the ``app.kubernetes.io/*`` set: ``name`` (the component's resource name, the
join key of its ApplicationPersona), ``instance`` (name plus environment), ``version`` (the
image tag), ``component`` (its role: api, web, worker, database, cache, ...), ``part-of`` (the
app) and ``managed-by: dorgu``; plus ``dorgu.io/team`` and the ``labels`` setting.  Selectors use
only ``name`` and ``instance``, which never change between releases.  The owner (often an
e-mail, not a valid label value) goes in the ``dorgu.io/owner`` annotation.

Must not decide names: they arrive already rendered from the naming pattern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dorgu.models.config import EffectiveSettings
from dorgu.models.patterns import LazyPattern

MANAGED_BY = "dorgu"
_BAD = LazyPattern(r"[^A-Za-z0-9_.-]+")


def label_value(text: str) -> str:
    """``text`` as a valid label value (<= 63 of ``[A-Za-z0-9_.-]``, alphanumeric ends)."""
    value = _BAD.sub("-", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", value)


def selector_labels(name: str, *, instance: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": instance, "app.kubernetes.io/name": name}


def instance_name(name: str, settings: EffectiveSettings) -> str:
    env = settings.environment
    if env and label_value(env) and not name.endswith(label_value(env)):
        return label_value(f"{name}-{env}")
    return name


def standard_labels(
    name: str,
    *,
    settings: EffectiveSettings,
    part_of: str,
    role: str | None,
    version: str | None,
) -> dict[str, str]:
    """The full label set for an object of this component, sorted by key."""
    labels: dict[str, str] = dict(settings.labels)
    labels.update(selector_labels(name, instance=instance_name(name, settings)))
    labels["app.kubernetes.io/managed-by"] = MANAGED_BY
    labels["app.kubernetes.io/part-of"] = label_value(part_of) or name
    if role and label_value(role):
        labels["app.kubernetes.io/component"] = label_value(role)
    if version and label_value(version):
        labels["app.kubernetes.io/version"] = label_value(version)
    if settings.app.team and label_value(settings.app.team):
        labels["dorgu.io/team"] = label_value(settings.app.team)
    return dict(sorted(labels.items()))


def standard_annotations(settings: EffectiveSettings) -> dict[str, str]:
    annotations = dict(settings.annotations)
    if settings.app.owner:
        annotations["dorgu.io/owner"] = settings.app.owner
    return dict(sorted(annotations.items()))


def topology_spread(selector: Mapping[str, str]) -> list[object]:
    """Spread replicas over nodes and zones, preferring (not requiring) an even spread."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(selector)},
        }
        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
    ]
