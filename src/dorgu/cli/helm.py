"""Which helm renders the charts of an analysed app: the testbed's (``dorgu dev build``
builds it into the binary cache), else ``helm`` on PATH, else none (analysis then reads chart
values shallowly and says so).  Resolved on first use, so apps without charts pay nothing."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dorgu.analysis.descriptors.records import RenderedChart
    from dorgu.services.charts import HelmRenderer


def find_helm() -> Path | None:
    from dorgu.devcluster import building, locations, versions
    from dorgu.errors import DorguError

    env = locations.current_env()
    try:
        found = building.find_binaries(env=env)
    except DorguError:
        found = None
    candidate = found.path("helm") if found is not None else None
    if candidate is None:
        built = locations.version_dir(env, versions.KUBERNETES) / "helm"
        candidate = built if built.is_file() else None
    if candidate is None:
        on_path = shutil.which("helm")
        candidate = Path(on_path) if on_path else None
    return candidate


@dataclass
class TestbedHelm:
    """A ``ChartRenderer`` that finds helm when the first chart needs it."""

    _renderer: HelmRenderer | None = None
    _resolved: bool = False
    missing: list[str] = field(default_factory=list)

    def render(self, chart: Path, *, root: Path) -> RenderedChart:
        from dorgu.analysis.descriptors.records import RenderedChart
        from dorgu.services.charts import HelmRenderer

        if not self._resolved:
            binary = find_helm()
            self._renderer = HelmRenderer(binary) if binary is not None else None
            self._resolved = True
        if self._renderer is None:
            return RenderedChart()  # neither text nor error: read the values, say helm is missing
        return self._renderer.render(chart, root=root)
