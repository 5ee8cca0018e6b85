"""``dorgu config``: list, get, set, unset, explain and schema.

Keys are dotted (``scaling.max_replicas``); segments holding dots go in brackets or quotes
(``labels[prometheus.io/scrape]``).  Secrets are always masked in output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import yaml

from dorgu.models.config import EffectiveSettings
from dorgu.services.configuring import (
    display_path,
    load_settings,
    locate_config,
    set_config_value,
    unset_config_value,
)
from dorgu.settings import LayerName, display_value, format_key, parse_key
from dorgu.settings.keys import resolve_key
from dorgu.settings.masking import JsonValue
from dorgu.settings.schemas import config_schema

_PATH = click.argument(
    "path",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=".",
    required=False,
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_ALL = click.option("--all", "show_all", is_flag=True, help="Also show keys that are not set.")


def _layer_options(command: click.decorators.FC) -> click.decorators.FC:
    for flag, help_text in (
        ("global", "The global file (~/.config/dorgu/config.yaml, mode 0600)."),
        ("workspace", "The nearest dorgu-workspace.yaml (created at the git root if none)."),
        ("app", "The app's .dorgu.yaml (default)."),
    ):
        command = click.option(f"--{flag}", "layer", flag_value=flag, help=help_text)(command)
    return command


@click.group()
def config() -> None:
    """Inspect and edit configuration.

    \b
    Precedence: flag > DORGU_* env > .dorgu.yaml > dorgu-workspace.yaml > global > default.
    Keys: scaling.max_replicas, labels[prometheus.io/scrape], llm.api_keys.openai.
    See docs/configuration.md.
    """


@config.command("list")
@_PATH
@_JSON
@_ALL
def list_(path: Path, as_json: bool, show_all: bool) -> None:
    """Show the effective settings for PATH (default: .)."""

    resolved = load_settings(path)
    entries = resolved.entries(include_unset=show_all)
    if as_json:
        values = {format_key(e.key): display_value(e.key, e.value) for e in entries}
        click.echo(json.dumps(values, indent=2))
        return
    for entry in entries:
        click.echo(f"{format_key(entry.key)} = {_text(display_value(entry.key, entry.value))}")
    _echo_warnings(resolved.warnings)


@config.command("get")
@click.argument("key")
@_PATH
@_JSON
def get(key: str, path: Path, as_json: bool) -> None:
    """Print the effective value of KEY (exit 1 if it is not set)."""

    key_path = parse_key(key)
    resolve_key(EffectiveSettings, key_path)
    resolved = load_settings(path)
    try:
        value = display_value(key_path, resolved.value_of(key_path))
    except KeyError:
        value = None
    if value is None:
        sys.exit(1)  # like `git config --get`; ctx.exit(1) would be lost by main()
    if as_json:
        click.echo(json.dumps(value, indent=2))
    elif isinstance(value, dict | list):
        click.echo(yaml.safe_dump(value, sort_keys=False, default_flow_style=False), nl=False)
    else:
        click.echo(_text(value))


@config.command("set")
@click.argument("key")
@click.argument("value")
@_PATH
@_layer_options
def set_(key: str, value: str, path: Path, layer: str | None) -> None:
    """Set KEY to VALUE in one file (default: the app's .dorgu.yaml).

    VALUE '-' reads the value from stdin (keeps API keys out of shell history).  Sections, maps
    and lists take a YAML flow value: '{path: /healthz, port: 8080}', '[...]'.
    """

    if value == "-":
        value = sys.stdin.readline().rstrip("\r\n")
    change = set_config_value(key, value, layer=_layer(layer), path=path)
    shown = _text(display_value(change.key, change.value))
    verb = "set" if change.changed else "unchanged"
    click.echo(f"{verb} {format_key(change.key)} = {shown} in {change.display}")


@config.command("unset")
@click.argument("key")
@_PATH
@_layer_options
def unset(key: str, path: Path, layer: str | None) -> None:
    """Remove KEY from one file (default: the app's .dorgu.yaml)."""

    change = unset_config_value(key, layer=_layer(layer), path=path)
    if change.changed:
        click.echo(f"removed {format_key(change.key)} from {change.display}")
    else:
        click.echo(f"{format_key(change.key)} was not set in {change.display}", err=True)


@config.command("explain")
@_PATH
@_JSON
@_ALL
def explain(path: Path, as_json: bool, show_all: bool) -> None:
    """Show each effective value and where it came from (layer and file:line)."""

    resolved = load_settings(path)
    locations = locate_config(path)
    files: dict[str, JsonValue] = {}
    for layer in (LayerName.APP, LayerName.WORKSPACE, LayerName.GLOBAL):
        file = locations.path_for(layer)
        files[layer.label] = display_path(file) if file is not None and file.exists() else None
    entries = resolved.entries(include_unset=show_all)
    rows = [(format_key(e.key), display_value(e.key, e.value), e.origin) for e in entries]
    if as_json:
        values: list[JsonValue] = [
            {"key": key, "value": value, "layer": origin.layer.label, "file": origin.file,
             "line": origin.line, "source": origin.detail}
            for key, value, origin in rows
        ]  # fmt: skip
        warnings: list[JsonValue] = list(resolved.warnings)
        out: dict[str, JsonValue] = {"files": files, "values": values, "warnings": warnings}
        click.echo(json.dumps(out, indent=2))
        return
    for name, shown in files.items():
        click.echo(f"# {name} file: {shown or '(none)'}")
    width = max((len(f"{key} = {_text(value)}") for key, value, _ in rows), default=0)
    for key, value, origin in rows:
        click.echo(f"{f'{key} = {_text(value)}':<{min(width, 60)}}  <- {origin}")
    _echo_warnings(resolved.warnings)


@config.command("schema")
@_layer_options
@click.option("--path", "show_path", is_flag=True,
              help="Print where the installed copy of the schema is (for editor settings).")  # fmt: skip
def schema(layer: str | None, show_path: bool) -> None:
    """Print the JSON Schema of .dorgu.yaml (or of the workspace/global file)."""
    if show_path:
        from dorgu.errors import ToolchainError
        from dorgu.services.schema_files import packaged_schema_path

        path = packaged_schema_path(_layer(layer))
        if path is None:
            raise ToolchainError("the installed dorgu has no schema files",
                                 hint="reinstall dorgu, or save `dorgu config schema` to a file")  # fmt: skip
        click.echo(str(path))
        return
    click.echo(json.dumps(config_schema(_layer(layer)), indent=2))


def _layer(name: str | None) -> LayerName:
    layers = {"global": LayerName.GLOBAL, "workspace": LayerName.WORKSPACE}
    return layers.get(name or "", LayerName.APP)


def _text(value: JsonValue) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _echo_warnings(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
