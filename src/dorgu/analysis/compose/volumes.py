"""Service mounts: ``volumes`` (short and long syntax), ``tmpfs``, ``secrets`` and ``configs``.

Bind-mount sources are host paths dorgu never reads: relative ones are made root-relative,
absolute and ``~`` ones are kept as written.  The caller reports binds that leave the root.

Must not: raise anything but ``InvalidValue``; read or check any path.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.analysis.compose.coercing import InvalidValue, bool_of, mapping_of, text_of
from dorgu.analysis.compose.paths import join
from dorgu.models.app import Volume, VolumeKind
from dorgu.models.evidence import Location

_KINDS = {
    "volume": VolumeKind.NAMED,
    "bind": VolumeKind.BIND,
    "tmpfs": VolumeKind.TMPFS,
}


@dataclass(frozen=True)
class Mount:
    """A volume plus where it was declared."""

    volume: Volume
    location: Location | None = None


@dataclass(frozen=True)
class ServiceRef:
    """A service's use of a top-level secret or config."""

    source: str
    target: str
    location: Location | None = None


def parse_volume(value: object, base_dir: str, location: Location | None = None) -> Mount:
    if isinstance(value, dict):
        return Mount(_parse_long(mapping_of(value, "volume"), base_dir), location)
    text = text_of(value)
    if text is None or not isinstance(value, str):
        raise InvalidValue(f"volume must be a string or a mapping, not {value!r}")
    return Mount(_parse_short(text.strip(), base_dir), location)


def parse_tmpfs(value: object, location: Location | None = None) -> Mount:
    """``/run`` or ``/run:size=64m,mode=1777`` -> a tmpfs mount of ``/run``."""
    if not isinstance(value, str):
        raise InvalidValue(f"tmpfs must be a path, not {value!r}")
    target = value.strip().split(":", 1)[0]
    _check_target(target)
    return Mount(Volume(target=target, kind=VolumeKind.TMPFS), location)


def parse_ref(
    value: object, *, default_dir: str, what: str, location: Location | None = None
) -> ServiceRef:
    """A ``secrets``/``configs`` item: ``name`` or ``{source, target, uid, gid, mode}``."""
    if isinstance(value, dict):
        data = mapping_of(value, what)
        source = text_of(data.get("source"))
        if not source:
            raise InvalidValue(f"long-syntax {what} needs a 'source'")
        target = text_of(data.get("target")) or source
    else:
        source = text_of(value) or ""
        if not source or not isinstance(value, str):
            raise InvalidValue(f"{what} must be a name or a mapping, not {value!r}")
        target = source
    if not target.startswith("/"):
        target = f"{default_dir.rstrip('/')}/{target}"
    return ServiceRef(source=source, target=target, location=location)


def _parse_short(text: str, base_dir: str) -> Volume:
    parts = text.split(":")
    if len(parts) == 1:
        _check_target(parts[0])
        return Volume(target=parts[0], kind=VolumeKind.ANONYMOUS)
    if len(parts) > 3:
        raise InvalidValue(f"volume {text!r} has too many ':' separated parts")
    source, target = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) == 3 else []
    _check_target(target)
    if not source:
        raise InvalidValue(f"volume {text!r} has an empty source")
    read_only = "ro" in options
    if _is_path(source):
        return Volume(
            target=target, kind=VolumeKind.BIND, source=join(base_dir, source), read_only=read_only
        )
    return Volume(target=target, kind=VolumeKind.NAMED, source=source, read_only=read_only)


def _parse_long(data: dict[str, object], base_dir: str) -> Volume:
    target = text_of(data.get("target"))
    if target is None:
        raise InvalidValue("long-syntax volume needs a 'target'")
    _check_target(target)
    source = text_of(data.get("source")) or None
    kind_text = (text_of(data.get("type")) or "").strip().lower()
    if not kind_text:
        kind_text = "bind" if source and _is_path(source) else "volume"
    kind = _KINDS.get(kind_text)
    if kind is None:
        raise InvalidValue(f"volume type {kind_text!r} is not supported (volume, bind, tmpfs)")
    read_only = bool_of(data["read_only"], "read_only") if "read_only" in data else False
    if kind is VolumeKind.BIND:
        if not source:
            raise InvalidValue("bind mount needs a 'source'")
        source = join(base_dir, source)
    elif kind is VolumeKind.NAMED and not source:
        kind = VolumeKind.ANONYMOUS
    elif kind is VolumeKind.TMPFS:
        source = None
    return Volume(target=target, kind=kind, source=source, read_only=read_only)


def _is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~"))


def _check_target(target: str) -> None:
    if not target.startswith("/"):
        raise InvalidValue(f"mount target {target!r} must be an absolute path in the container")
