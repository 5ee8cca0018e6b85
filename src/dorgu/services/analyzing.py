"""Analysing an app directory: scan it safely, then run the pure analysis."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dorgu.analysis.analyzing import AnalysisOptions, analyze_tree, wants
from dorgu.analysis.descriptors.locating import charts_to_render
from dorgu.analysis.overriding import apply_user_config
from dorgu.models.app import AppModel
from dorgu.models.config import DescriptorsMode
from dorgu.models.evidence import Location
from dorgu.services.scanning import ScanLimits, scan_tree
from dorgu.settings import LayerName, ResolvedSettings, format_key

if TYPE_CHECKING:
    from dorgu.services.charts import ChartRenderer

logger = logging.getLogger(__name__)


def default_app_name(path: Path) -> str:
    return path.resolve().name or "app"


def analyze_path(
    path: Path,
    *,
    name: str | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    profiles: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    limits: ScanLimits | None = None,
    settings: ResolvedSettings | None = None,
    charts: ChartRenderer | None = None,
) -> AppModel:
    """Analyse the app(s) under ``path``.

    ``environment`` is used for compose interpolation; it defaults to the process environment,
    which is what ``docker compose`` does.  Secret values never reach the model.
    ``settings`` (from ``dorgu.services.configuring.load_settings``) are applied on top of the
    inferred facts: what the user states always wins.  ``charts`` renders the Helm charts
    in the tree (the setting ``descriptors`` decides whether descriptions are read at all).
    """
    scan = scan_tree(path, wants=wants, limits=limits)
    origins = user_origins(settings) if settings is not None else {}
    overrides = {
        key: (value, origins.get(f"env.{key}"))
        for key, value in (settings.settings.env.items() if settings is not None else ())
    }
    logger.debug("scanned %d files, loaded %d", len(scan.tree.paths), len(scan.tree.texts))
    mode = settings.settings.descriptors if settings is not None else DescriptorsMode.KEEP
    rendered = None
    found = charts_to_render(scan.tree.paths) if mode is not DescriptorsMode.IGNORE else ()
    if found:
        from dorgu.services.charts import render_charts

        rendered = render_charts(path, found, renderer=charts)
    options = AnalysisOptions(
        build_args=dict(build_args or {}),
        target=target,
        environment=dict(os.environ if environment is None else environment),
        profiles=tuple(profiles),
        env_overrides=overrides,
        descriptors=mode,
        charts=rendered,
    )
    model = analyze_tree(
        scan.tree, name=name or default_app_name(path), root=str(path), options=options
    )
    model.diagnostics[:0] = scan.diagnostics
    if settings is not None:
        model = apply_user_config(model, settings.settings, origins=origins)
    return model


def user_origins(settings: ResolvedSettings) -> dict[str, Location | None]:
    """Dotted keys the user set (any layer but defaults) with the place they were set."""
    origins: dict[str, Location | None] = {}
    for entry in settings.entries():
        origin = entry.origin
        if origin.layer is LayerName.DEFAULT:
            continue
        location = Location(file=origin.file, line=origin.line) if origin.file else None
        key = format_key(entry.key)
        origins[key] = location
        # Parents of a set leaf count as set too (e.g. "health.liveness" for its path).
        parts = key.split(".")
        for i in range(1, len(parts)):
            origins.setdefault(".".join(parts[:i]), location)
    return origins
