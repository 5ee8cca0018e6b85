"""Reading one service mapping of one file into a ``Layer``.

Each key has a small reader; a value of the wrong shape becomes a diagnostic and is ignored,
so one typo does not hide the rest of the service.

Must not: merge, look at other services, resolve variables from ``environment`` lists (that
happens when the service is finished), or raise anything but ``DorguError`` subclasses.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from dorgu.analysis.compose.coercing import (
    InvalidValue,
    bool_of,
    int_of,
    key_values,
    mapping_of,
    require_text,
    text_list,
    text_of,
)
from dorgu.analysis.compose.deploying import LEGACY_KEYS, read_deploy, read_legacy_resource
from dorgu.analysis.compose.environment import read_env_files, read_environment, read_labels
from dorgu.analysis.compose.files import ComposeFile
from dorgu.analysis.compose.healthchecks import read_healthcheck
from dorgu.analysis.compose.keys import SERVICE_KEYS, check_keys
from dorgu.analysis.compose.layers import BuildLayer, DependsOn, ExtendsRef, Layer, Located
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.paths import is_outside, resolve_inside
from dorgu.analysis.compose.ports import PortMapping, parse_expose, parse_port
from dorgu.analysis.compose.volumes import Mount, ServiceRef, parse_ref, parse_tmpfs, parse_volume
from dorgu.models.app import VolumeKind
from dorgu.models.evidence import Location

T = TypeVar("T")

TEXT_KEYS = frozenset(
    [
        "user",
        "working_dir",
        "stop_signal",
        "network_mode",
        "container_name",
        "hostname",
        "restart",
        "platform",
        "pull_policy",
        "stop_grace_period",
    ]
)
FLAG_KEYS = frozenset(["read_only", "privileged", "init", "tty", "stdin_open"])
SEQUENCE_KEYS = frozenset(
    [
        "cap_add",
        "cap_drop",
        "profiles",
        "links",
        "external_links",
        "dns",
        "dns_search",
        "dns_opt",
        "security_opt",
        "group_add",
        "devices",
        "volumes_from",
    ]
)
_REMOTE_CONTEXT = ("http://", "https://", "git://", "git@", "github.com/", "ssh://")
_ITEM_CODES = {"ports": "compose.invalid-port", "expose": "compose.invalid-port"}
_ITEM_CODES |= {"volumes": "compose.invalid-volume", "tmpfs": "compose.invalid-volume"}


class _Reader:
    def __init__(self, source: ComposeFile, name: str, notes: Notes) -> None:
        self.source = source
        self.name = name
        self.notes = notes
        self.path = ("services", name)
        self.layer = Layer(name=name, location=source.at(*self.path))

    def at(self, *path: str | int) -> Location:
        return self.source.at(*self.path, *path)

    def report(
        self,
        what: str,
        error: InvalidValue,
        path: tuple[str | int, ...],
        code: str = "compose.invalid-value",
    ) -> None:
        self.notes.add(code, f"service {self.name!r}: {what}: {error}", self.source.at(*path))

    def read(self, data: dict[str, object]) -> Layer:
        for key, value in data.items():
            if value is None:
                continue
            try:
                self.read_key(key, value)
            except InvalidValue as e:
                self.report(key, e, (*self.path, key))
        return self.layer

    def set(self, **changes: object) -> None:
        self.layer = replace(self.layer, **changes)  # type: ignore[arg-type]

    def read_key(self, key: str, value: object) -> None:
        layer, here = self.layer, (*self.path, key)
        if key == "image":
            image = require_text(value, "image").strip()
            if not image:
                raise InvalidValue("image must not be empty")
            self.set(image=Located(image, self.at(key)))
        elif key == "build":
            self.set(build=self.read_build(value))
        elif key == "ports":
            ports = self.read_items(key, value, self.read_port)
            self.set(ports=layer.ports + tuple(p for group in ports for p in group))
        elif key == "expose":
            expose = self.read_items(key, value, parse_expose)
            self.set(expose=layer.expose + tuple(p for group in expose for p in group))
        elif key == "volumes":
            self.set(volumes=layer.volumes + tuple(self.read_items(key, value, self.read_volume)))
        elif key == "tmpfs":
            listed = value if isinstance(value, list) else [value]
            self.set(volumes=layer.volumes + tuple(self.read_items(key, listed, parse_tmpfs)))
        elif key in ("secrets", "configs"):
            folder = "/run/secrets" if key == "secrets" else "/"

            def ref(item: object, location: Location) -> ServiceRef:
                return parse_ref(item, default_dir=folder, what=key, location=location)

            self.set(**{key: tuple(self.read_items(key, value, ref))})
        elif key == "environment":
            self.set(environment=read_environment(value, self.source, here))
        elif key == "env_file":
            self.set(env_files=tuple(read_env_files(value, self.source, here)))
        elif key == "labels":
            self.set(labels=read_labels(value, self.source, here))
        elif key == "healthcheck":
            self.set(healthcheck=read_healthcheck(value, self.source, here))
        elif key == "depends_on":
            self.set(depends_on=self.read_depends_on(value))
        elif key == "deploy":
            resources, numbers = read_deploy(value, self.source, here, self.report)
            self.set(resources=layer.resources | resources, numbers=layer.numbers | numbers)
        elif key in LEGACY_KEYS:
            name, located = read_legacy_resource(key, value, self.source, here)
            self.set(resources=layer.resources | {name: located})
        elif key == "scale":
            self.set(numbers=layer.numbers | {"scale": Located(int_of(value, key), self.at(key))})
        elif key in ("command", "entrypoint"):
            command = Located(self.read_command(key, value), self.at(key))
            self.set(commands=layer.commands | {key: command})
        elif key in TEXT_KEYS:
            self.set(texts=layer.texts | {key: Located(require_text(value, key), self.at(key))})
        elif key in FLAG_KEYS:
            self.set(flags=layer.flags | {key: Located(bool_of(value, key), self.at(key))})
        elif key in SEQUENCE_KEYS or key == "networks":
            if key == "networks" and isinstance(value, dict):
                words = [str(name) for name in value]
            else:
                words = text_list(value, key)
            items = tuple(Located(word, self.at(key)) for word in words)
            self.set(sequences=layer.sequences | {key: items})
            if key == "networks" and isinstance(value, dict):
                aliases = network_aliases(value, self.at(key))
                if aliases:  # other services reach this one under these names too
                    self.set(sequences=self.layer.sequences | {"network_aliases": aliases})
        elif key == "extends":
            self.set(extends=self.read_extends(value))

    def read_items(self, key: str, value: object, read: Callable[[object, Location], T]) -> list[T]:
        if not isinstance(value, list):
            raise InvalidValue(f"{key} must be a list")
        results: list[T] = []
        for index, item in enumerate(value):
            where = (*self.path, key, index)
            try:
                results.append(read(item, self.source.at(*where)))
            except InvalidValue as e:
                self.report(
                    f"{key}[{index}]", e, where, _ITEM_CODES.get(key, "compose.invalid-value")
                )
        return results

    def read_port(self, item: object, location: Location) -> list[PortMapping]:
        return parse_port(item, location)

    def read_volume(self, item: object, location: Location) -> Mount:
        mount = parse_volume(item, self.source.base_dir, location)
        source = mount.volume.source or ""
        if mount.volume.kind is VolumeKind.BIND and source.startswith("..") and is_outside(source):
            self.notes.add(
                "compose.bind-outside-root",
                f"service {self.name!r}: bind mount {source!r} is outside the project root",
                location,
            )
        return mount

    def read_build(self, value: object) -> BuildLayer:
        location = self.at("build")
        if isinstance(value, str):
            located = self.context(value, location)
            return BuildLayer(context=located, base_dir=self.source.base_dir, location=location)
        data = mapping_of(value, "build")
        context = text_of(data.get("context"))
        dockerfile = text_of(data.get("dockerfile"))
        target = text_of(data.get("target"))
        args = key_values(data["args"], "build.args") if data.get("args") is not None else {}
        return BuildLayer(
            context=self.context(context, self.at("build", "context")) if context else None,
            dockerfile=Located(dockerfile, self.at("build", "dockerfile")) if dockerfile else None,
            target=Located(target, self.at("build", "target")) if target else None,
            args=args,
            base_dir=self.source.base_dir,
            location=location,
        )

    def context(self, written: str, location: Location) -> Located[str]:
        if written.startswith(_REMOTE_CONTEXT):
            return Located(written, location)
        base = self.source.base_dir
        return Located(
            resolve_inside(base, written, what="build context", location=location), location
        )

    def read_command(self, key: str, value: object) -> tuple[str, ...]:
        if isinstance(value, list):
            return tuple(require_text(word, f"{key} item") for word in value)
        text = require_text(value, key)
        try:
            return tuple(shlex.split(text))
        except ValueError as e:
            raise InvalidValue(f"cannot split {text!r} like a shell would: {e}") from e

    def read_depends_on(self, value: object) -> dict[str, DependsOn]:
        result: dict[str, DependsOn] = {}
        if isinstance(value, list):
            for index, item in enumerate(value):
                name = require_text(item, "depends_on item")
                location = self.at("depends_on", index)
                result[name] = DependsOn("service_started", True, False, location)
            return result
        for name, spec in mapping_of(value, "depends_on").items():
            options = mapping_of(spec, f"depends_on.{name}") if spec is not None else {}
            result[name] = DependsOn(
                condition=text_of(options.get("condition")) or "service_started",
                required=bool_of(options.get("required", True), "depends_on.required"),
                restart=bool_of(options.get("restart", False), "depends_on.restart"),
                location=self.at("depends_on", name),
            )
        return result

    def read_extends(self, value: object) -> ExtendsRef:
        location = self.at("extends")
        if isinstance(value, str):
            return ExtendsRef(value, None, location)
        data = mapping_of(value, "extends")
        service = text_of(data.get("service"))
        if not service:
            raise InvalidValue("extends needs a 'service'")
        written = text_of(data.get("file"))
        file = None
        if written:
            base = self.source.base_dir
            file = resolve_inside(base, written, what="extends file", location=location)
        return ExtendsRef(service, file, location)


def read_layer(source: ComposeFile, name: str, data: dict[str, object], notes: Notes) -> Layer:
    """The layer of service ``name`` as ``source`` writes it."""
    locate = source.locator("services", name)
    check_keys(data, SERVICE_KEYS, what=f"service {name!r}", locate=locate, notes=notes)
    return _Reader(source, name, notes).read(data)


MAX_ALIASES = 64


def network_aliases(networks: dict[object, object], where: Location) -> tuple[Located[str], ...]:
    """The ``aliases`` a service has on its networks (bounded; non-strings skipped)."""
    found: list[Located[str]] = []
    for settings in networks.values():
        aliases = settings.get("aliases") if isinstance(settings, dict) else None
        if not isinstance(aliases, list):
            continue
        for alias in aliases:
            if isinstance(alias, str) and alias.strip() and len(found) < MAX_ALIASES:
                found.append(Located(alias.strip(), where))
    return tuple(found)
