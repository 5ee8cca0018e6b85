"""Settings in an app's own config files that may hold addresses of other components.

Read: Spring Boot / Quarkus / Micronaut ``application*.properties|yml`` (the profile a
deployment most likely runs, placeholders resolved to their defaults, see ``jvm_config``) and
.NET ``appsettings*.json`` except ``appsettings.Development.json`` (keys joined with ``:`` as
.NET configuration does: ``ConnectionStrings:Cache``).  Test resources are skipped.

Must not: open files, keep values (callers turn settings into addresses and drop the values),
or walk more than ``MAX_SETTINGS`` values or ``MAX_DEPTH`` levels of one file.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Sequence

from dorgu.analysis.connections import NamedAddress, Setting, setting_addresses
from dorgu.analysis.languages.scanning import is_skipped, is_test, line_of_token
from dorgu.analysis.rebasing import rebase_location
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Component
from dorgu.models.evidence import Location

MAX_SETTINGS = 5000
MAX_DEPTH = 16
MAX_TEXT = 1024 * 1024
_NAME_STARTS = ("application", "appsettings")  # a superset of both readers' file names


def config_settings(tree: SourceTree) -> list[Setting]:
    """(key, value, location) of every string setting in the tree's config files; locations
    are relative to the tree."""
    if not any(posixpath.basename(p).lower().startswith(_NAME_STARTS) for p in tree.texts):
        return []  # no config file: the readers are not even imported (startup time)
    from dorgu.analysis.languages.dotnet_settings import SETTINGS_NAME
    from dorgu.analysis.languages.jvm_config import CONFIG_NAME, read_config

    jvm = [
        (path, text)
        for path, text in sorted(tree.texts.items())
        if CONFIG_NAME.match(posixpath.basename(path)) and not _ignored(path)
    ]
    settings: list[Setting] = []
    if jvm:
        config = read_config(jvm)
        for key in sorted(config.values):
            item = config.get(key)
            value = config.resolve(item)
            if item is not None and value:
                settings.append((key, value, item.location))
    for path, text in sorted(tree.texts.items()):
        match = SETTINGS_NAME.match(posixpath.basename(path))
        if match is None or _ignored(path) or (match.group(1) or "").lower() == "development":
            continue
        if len(text) > MAX_TEXT:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue  # the .NET analyser reports invalid settings files
        for key, leaf, value in _flatten(data, "", 0):
            line = line_of_token(text, f'"{leaf}"')
            settings.append((key, value, Location(file=path, line=line)))
            if len(settings) >= MAX_SETTINGS:
                return settings
    return settings[:MAX_SETTINGS]


def _ignored(path: str) -> bool:
    return is_skipped(path) or is_test(path)


def _flatten(data: object, prefix: str, depth: int) -> Iterator[tuple[str, str, str]]:
    if depth > MAX_DEPTH or not isinstance(data, dict):
        return
    for key, value in data.items():
        name = f"{prefix}:{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from _flatten(value, name, depth + 1)
        elif isinstance(value, str):
            yield name, str(key), value


def config_addresses(
    tree: SourceTree, component: Component, others: Sequence[Component]
) -> list[NamedAddress]:
    """Addresses in the config files of ``component``'s code (not in a nested component's),
    with root-relative locations."""
    path = component.path
    prefix = "" if path in (".", "") else path.rstrip("/") + "/"
    nested = [
        o.path.rstrip("/") + "/"
        for o in others
        if o.name != component.name and o.path not in (".", "") and o.path != path
        if o.path.startswith(prefix)
    ]
    settings: list[Setting] = []
    for key, value, location in config_settings(tree.subtree(path)):
        where = rebase_location(location, path)
        if where is not None and any(where.file.startswith(n) for n in nested):
            continue
        settings.append((key, value, where))
    return setting_addresses(settings, via="config")
