"""Rendering the Helm charts of an app with ``helm template``, for analysis.

``ChartRenderer`` is the narrow interface analysis needs: a chart folder in, its rendered
objects (or why not) out.  ``HelmRenderer`` runs the helm binary (the testbed's, found by the
CLI, else ``helm`` on PATH): offline (``helm template`` needs no cluster; missing chart
dependencies are an error, never a download), with a timeout, an output bound and its own
empty cache/config folders.  A chart holding a symbolic link that leaves the analysed tree is
never rendered (helm would follow it).  ``StaticRenderer`` is the in-repo fake.

Must not print; never passes secret values anywhere (charts are read, not installed).
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dorgu.analysis.descriptors.records import RenderedChart

logger = logging.getLogger(__name__)

RELEASE = "dorgu-analysis"
TIMEOUT_SECONDS = 30.0
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
MAX_CHART_FILES = 10_000


class ChartRenderer(Protocol):
    def render(self, chart: Path, *, root: Path) -> RenderedChart:
        """``helm template`` output of the chart folder ``chart`` inside ``root``."""


@dataclass(frozen=True)
class StaticRenderer:
    """A fake: fixed results per chart folder (relative POSIX path), else an error."""

    results: Mapping[str, RenderedChart] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def render(self, chart: Path, *, root: Path) -> RenderedChart:
        key = chart.relative_to(root).as_posix() if chart != root else ""
        self.calls.append(key)
        return self.results.get(key, RenderedChart(error="no rendering for this chart"))


def link_leaving(chart: Path, *, root: Path) -> Path | None:
    """The first symbolic link under ``chart`` that resolves outside ``root`` (bounded)."""
    real_root = root.resolve()
    seen = 0
    for directory, dirs, files in os.walk(chart):
        for name in [*dirs, *files]:
            seen += 1
            if seen > MAX_CHART_FILES:
                return Path(directory) / name  # too big to check: treat as unsafe
            path = Path(directory) / name
            if path.is_symlink():
                try:
                    path.resolve().relative_to(real_root)
                except (ValueError, OSError, RuntimeError):
                    return path
    return None


@dataclass(frozen=True)
class HelmRenderer:
    binary: Path
    timeout: float = TIMEOUT_SECONDS

    def render(self, chart: Path, *, root: Path) -> RenderedChart:
        unsafe = link_leaving(chart, root=root)
        if unsafe is not None:
            where = unsafe.relative_to(root).as_posix() if unsafe.is_relative_to(root) else unsafe
            return RenderedChart(error=f"{where} links outside the analysed folder; not rendered")
        with tempfile.TemporaryDirectory(prefix="dorgu-helm-") as home:
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": home,
                "HELM_CACHE_HOME": os.path.join(home, "cache"),
                "HELM_CONFIG_HOME": os.path.join(home, "config"),
                "HELM_DATA_HOME": os.path.join(home, "data"),
            }
            argv = [
                str(self.binary),
                "template",
                RELEASE,
                str(chart.resolve()),
                "--namespace",
                "default",
            ]
            try:
                done = subprocess.run(
                    argv,
                    capture_output=True,
                    timeout=self.timeout,
                    check=False,
                    env=env,
                    cwd=home,
                )
            except subprocess.TimeoutExpired:
                return RenderedChart(error=f"helm template took longer than {self.timeout:.0f} s")
            except OSError as e:
                return RenderedChart(error=f"helm could not run: {e}")
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return RenderedChart(error=(message[-1] if message else "helm template failed")[:300])
        if len(done.stdout) > MAX_OUTPUT_BYTES:
            return RenderedChart(error="helm template printed more than 8 MiB")
        try:
            return RenderedChart(text=done.stdout.decode("utf-8"))
        except UnicodeDecodeError:
            return RenderedChart(error="helm template printed text that is not UTF-8")


def render_charts(
    root: Path, charts: Sequence[str], *, renderer: ChartRenderer | None
) -> dict[str, RenderedChart] | None:
    """Rendered output per chart folder; None without a renderer (analysis then reads the
    values shallowly and says so)."""
    if renderer is None or not charts:
        return None
    rendered: dict[str, RenderedChart] = {}
    for chart in charts:
        result = renderer.render(root / chart if chart else root, root=root)
        logger.debug("helm template %s: %s", chart or ".", "ok" if result.text else result.error)
        rendered[chart] = result
    return rendered
