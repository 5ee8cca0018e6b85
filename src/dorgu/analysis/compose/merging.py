"""The Compose merge rules, applied to service layers (``-f`` overrides and ``extends``).

Mappings merge by key; plain sequences append without duplicates; ``ports`` merge by
(host_ip, target, published, protocol), ``volumes``/``secrets``/``configs`` by target,
``env_file`` by path; ``command``, ``entrypoint`` and ``healthcheck.test`` are replaced.

Must not: mutate either input, or look at anything but the two layers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from dorgu.analysis.compose.layers import BuildLayer, HealthLayer, Layer, Located

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


def merge_layers(base: Layer, over: Layer) -> Layer:
    """``over`` applied on top of ``base``; the result keeps ``over``'s name and extends."""
    return Layer(
        name=over.name,
        location=over.location,
        image=over.image or base.image,
        build=_merge_build(base.build, over.build),
        ports=unique(base.ports + over.ports, lambda p: p.merge_key()),
        expose=unique(base.expose + over.expose, lambda p: (p.target, p.protocol)),
        environment=_merge_dicts(base.environment, over.environment),
        env_files=unique(base.env_files + over.env_files, lambda e: e.path),
        volumes=unique(base.volumes + over.volumes, lambda m: m.volume.target),
        secrets=unique(base.secrets + over.secrets, lambda r: r.target),
        configs=unique(base.configs + over.configs, lambda r: r.target),
        healthcheck=_merge_health(base.healthcheck, over.healthcheck),
        depends_on=_merge_dicts(base.depends_on, over.depends_on),
        resources=_merge_dicts(base.resources, over.resources),
        labels=_merge_dicts(base.labels, over.labels),
        texts=_merge_dicts(base.texts, over.texts),
        flags=_merge_dicts(base.flags, over.flags),
        numbers=_merge_dicts(base.numbers, over.numbers),
        commands=_merge_dicts(base.commands, over.commands),
        sequences=_merge_sequences(base.sequences, over.sequences),
        extends=over.extends,
    )


def unique(items: Iterable[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    """Items in first-seen order; a later item with the same key replaces the earlier one."""
    by_key: dict[Hashable, T] = {}
    for item in items:
        by_key[key(item)] = item
    return tuple(by_key.values())


def _merge_dicts(base: dict[K, V], over: dict[K, V]) -> dict[K, V]:
    return {**base, **over}


def _merge_sequences(
    base: dict[str, tuple[Located[str], ...]], over: dict[str, tuple[Located[str], ...]]
) -> dict[str, tuple[Located[str], ...]]:
    merged = dict(base)
    for key, items in over.items():
        seen = {item.value for item in merged.get(key, ())}
        extra = tuple(item for item in items if item.value not in seen)
        merged[key] = merged.get(key, ()) + extra
    return merged


def _merge_build(base: BuildLayer | None, over: BuildLayer | None) -> BuildLayer | None:
    if base is None or over is None:
        return over or base
    return BuildLayer(
        context=over.context or base.context,
        dockerfile=over.dockerfile or base.dockerfile,
        target=over.target or base.target,
        args={**base.args, **over.args},
        base_dir=base.base_dir,
        location=over.location or base.location,
    )


def _merge_health(base: HealthLayer | None, over: HealthLayer | None) -> HealthLayer | None:
    if base is None or over is None:
        return over or base
    return HealthLayer(
        test=over.test or base.test,
        disabled=over.disabled or base.disabled,
        interval=over.interval or base.interval,
        timeout=over.timeout or base.timeout,
        start_period=over.start_period or base.start_period,
        retries=over.retries or base.retries,
        location=over.location or base.location,
    )
