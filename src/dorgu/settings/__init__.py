"""Layered configuration, pure: config texts, an environment mapping and flags in; a typed
``EffectiveSettings`` with the origin of every value out.

Layers, highest first: flag > ``DORGU_*`` env > app file (``.dorgu.yaml``) > workspace file
(``dorgu-workspace.yaml``) > global file (``$XDG_CONFIG_HOME/dorgu/config.yaml``) > default.
See docs/configuration.md.

Must not open files, read ``os.environ``, print, or import analysis/generation (siblings):
``dorgu.services.configuring`` does the I/O and calls ``build_settings``.
"""

from dorgu.settings.building import ConfigText, build_settings
from dorgu.settings.keys import KeyPath, format_key, parse_key
from dorgu.settings.layering import Entry, LayerName, Origin, ResolvedSettings
from dorgu.settings.masking import display_value, is_secret_key, mask_secret
from dorgu.settings.naming import NAME_VARIABLES, render_name, resource_name, sanitize_name

__all__ = [
    "NAME_VARIABLES",
    "ConfigText",
    "Entry",
    "KeyPath",
    "LayerName",
    "Origin",
    "ResolvedSettings",
    "build_settings",
    "display_value",
    "format_key",
    "is_secret_key",
    "mask_secret",
    "parse_key",
    "render_name",
    "resource_name",
    "sanitize_name",
]
