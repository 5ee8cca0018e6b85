"""The pure entry point: config texts + environment mapping + flags -> ``ResolvedSettings``.

Must not open files or read ``os.environ``; ``dorgu.services.configuring`` does that and calls
``build_settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.models.config import AppConfig, GlobalConfig, WorkspaceConfig
from dorgu.settings.layering import (
    Layer,
    LayerName,
    ResolvedSettings,
    chosen_value,
    environment_layer,
    file_layer,
    flag_layer,
    provider_environment_layer,
    resolve_settings,
)
from dorgu.settings.parsing import parse_config

PROVIDER_KEY = ("llm", "provider")


@dataclass(frozen=True)
class ConfigText:
    """A config file's text and the name to show in messages (``.dorgu.yaml``, ``~/...``)."""

    file: str
    text: str


def build_settings(
    *,
    app: ConfigText | None = None,
    workspace: ConfigText | None = None,
    global_: ConfigText | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, object] | None = None,
) -> ResolvedSettings:
    """Parse, validate and merge every layer (flag > env > app > workspace > global >
    the providers' own variables > default).

    Raises ``ConfigError`` naming file:line (or the variable / flag) and the key.
    """
    layers: list[Layer] = []
    if global_ is not None:
        layers.append(
            file_layer(
                LayerName.GLOBAL, parse_config(global_.text, GlobalConfig, file=global_.file)
            )
        )
    if workspace is not None:
        parsed = parse_config(workspace.text, WorkspaceConfig, file=workspace.file)
        layers.append(file_layer(LayerName.WORKSPACE, parsed))
    if app is not None:
        layers.append(file_layer(LayerName.APP, parse_config(app.text, AppConfig, file=app.file)))
    warnings: tuple[str, ...] = ()
    if environ:
        env, warnings = environment_layer(environ)
        layers.append(env)
    if flags:
        layers.append(flag_layer(flags))
    if environ:  # last: the chosen provider decides which endpoint variable applies
        provider = chosen_value(layers, PROVIDER_KEY)
        chosen = getattr(provider, "value", provider)
        layers.append(provider_environment_layer(environ, provider=str(chosen) if chosen else None))
    return resolve_settings(layers, warnings=warnings)
