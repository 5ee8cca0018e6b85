"""Analysing an app directory: scan it safely, then run the pure analysis."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from dorgu.analysis.analyzing import AnalysisOptions, analyze_tree, wants
from dorgu.models.app import AppModel
from dorgu.services.scanning import ScanLimits, scan_tree

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
) -> AppModel:
    """Analyse the app(s) under ``path``.

    ``environment`` is used for compose interpolation; it defaults to the process environment,
    which is what ``docker compose`` does.  Secret values never reach the model.
    """
    scan = scan_tree(path, wants=wants, limits=limits)
    logger.debug("scanned %d files, loaded %d", len(scan.tree.paths), len(scan.tree.texts))
    options = AnalysisOptions(
        build_args=dict(build_args or {}),
        target=target,
        environment=dict(os.environ if environment is None else environment),
        profiles=tuple(profiles),
    )
    model = analyze_tree(scan.tree, name=name or default_app_name(path), root=str(path), options=options)
    model.diagnostics[:0] = scan.diagnostics
    return model
