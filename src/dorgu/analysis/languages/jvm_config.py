"""Reading Spring Boot / Quarkus / Micronaut configuration: ``application*.properties|yml|yaml``.

Values are flattened to dotted keys with their profile and line.  Profiles come from the file
name (``application-prod.yml``), from YAML documents (``spring.config.activate.on-profile``) and
from Quarkus ``%prod.`` prefixes.  ``${PORT:8080}`` placeholders resolve to their default.
Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml_documents
from dorgu.models.evidence import Diagnostic, Location
from dorgu.models.patterns import LazyPattern

CONFIG_NAME = LazyPattern(r"^application(?:-([\w.\-]+))?\.(properties|ya?ml)$")
# Profiles a container deployment most likely runs with, in preference order.
_DEPLOY_PROFILES = ("prod", "production", "kubernetes", "k8s", "cloud", "docker", "container")
_PLACEHOLDER = LazyPattern(r"\$\{([^{}:]+)(?::([^{}]*))?\}")
_ENV_NAME = LazyPattern(r"^[A-Z][A-Z0-9_]*$")
_PROFILE_KEYS = ("spring.config.activate.on-profile", "spring.profiles")


@dataclass(frozen=True)
class ConfigValue:
    key: str
    value: str
    profile: str | None
    location: Location


@dataclass
class JvmConfig:
    values: dict[str, list[ConfigValue]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    env_names: dict[str, Location] = field(default_factory=dict)

    def add(self, key: str, value: str, profile: str | None, location: Location) -> None:
        self.values.setdefault(key, []).append(ConfigValue(key, value, profile, location))

    def get(self, key: str) -> ConfigValue | None:
        """The default-profile value, else a deployment profile's, else any profile's."""
        found = self.values.get(key)
        if not found:
            return None
        for item in found:
            if item.profile is None:
                return item
        for profile in _DEPLOY_PROFILES:
            for item in found:
                if item.profile == profile:
                    return item
        return found[0]

    def first(self, *keys: str) -> ConfigValue | None:
        for key in keys:
            hit = self.get(key)
            if hit is not None:
                return hit
        return None

    def resolve(self, item: ConfigValue | None) -> str | None:
        """The value with placeholders replaced (config keys first, then defaults), or None."""
        if item is None:
            return None
        value = item.value
        for _ in range(8):
            match = _PLACEHOLDER.search(value)
            if match is None:
                return value.strip()
            name, default = match.group(1).strip(), match.group(2)
            if _ENV_NAME.match(name):
                self.env_names.setdefault(name, item.location)
            other = self.get(name)
            if other is not None and other is not item and "${" not in other.value:
                replacement = other.value
            elif default is not None:
                replacement = default
            else:
                return None
            value = value[: match.start()] + replacement + value[match.end() :]
        return None

    def text(self, *keys: str) -> tuple[str, ConfigValue] | None:
        item = self.first(*keys)
        value = self.resolve(item)
        return None if value is None or item is None else (value, item)


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value)


_SEPARATOR = LazyPattern(r"(?<!\\)\s*[=:]\s*|(?<!\\)\s+")


def parse_properties(text: str, *, file: str, profile: str | None, into: JvmConfig) -> None:
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        start = index
        line = lines[index].lstrip()
        while line.endswith("\\") and not line.endswith("\\\\") and index + 1 < len(lines):
            index += 1
            line = line[:-1] + lines[index].lstrip()
        index += 1
        if not line or line[0] in "#!":
            continue
        parts = _SEPARATOR.split(line, maxsplit=1)
        key = _unescape(parts[0]).strip()
        value = _unescape(parts[1]).strip() if len(parts) > 1 else ""
        key_profile = profile
        if key.startswith("%") and "." in key:
            key_profile, key = key[1:].split(".", 1)
        if key:
            into.add(key, value, key_profile, Location(file=file, line=start + 1))


def _flatten(
    data: object, prefix: str, path: tuple[str | int, ...], doc: YamlDocument
) -> Iterable[tuple[str, str, int | None]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key), (*path, key), doc)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _flatten(value, f"{prefix}[{i}]", (*path, i), doc)
    elif prefix:
        text = "" if data is None else str(data).lower() if isinstance(data, bool) else str(data)
        yield prefix, text, doc.line_of(path)


def parse_yaml_config(text: str, *, file: str, profile: str | None, into: JvmConfig) -> None:
    try:
        documents = load_yaml_documents(text, file=file)
    except DorguError as e:
        line = getattr(e, "line", None)
        into.diagnostics.append(
            Diagnostic(
                code="jvm.config.invalid", message=str(e), location=Location(file=file, line=line)
            )
        )
        return
    for doc in documents:
        flat = list(_flatten(doc.data, "", (), doc))
        doc_profile = profile
        for key, value, _line in flat:
            if key in _PROFILE_KEYS or key.startswith(tuple(f"{k}[" for k in _PROFILE_KEYS)):
                doc_profile = value.split(",")[0].strip().lstrip("!") or profile
        for key, value, line in flat:
            into.add(key, value, doc_profile, Location(file=file, line=line))


def is_test_path(path: str) -> bool:
    return "src/test/" in path or path.startswith("test/") or "/src/it/" in path


def read_config(texts: Iterable[tuple[str, str]]) -> JvmConfig:
    """Parse every ``application*`` config given as (path, text), skipping test resources."""
    config = JvmConfig()
    for path, text in sorted(texts, key=lambda item: (item[0].count("/"), item[0])):
        match = CONFIG_NAME.match(posixpath.basename(path))
        if match is None or is_test_path(path):
            continue
        profile = match.group(1)
        if match.group(2) == "properties":
            parse_properties(text, file=path, profile=profile, into=config)
        else:
            parse_yaml_config(text, file=path, profile=profile, into=config)
    return config
