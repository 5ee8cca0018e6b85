"""Benchmark: `dorgu --help` wall time in a fresh process (target <= 300 ms), plus import audit;
and the front door: `dorgu generate` on a one-service app against `python -c "import yaml"`,
measured side by side in one run (interleaved, warm bytecode), as a ratio (target <= 4x).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.300
GENERATE_RATIO_TARGET = 4.0
ONE_SERVICE_APP = Path(__file__).resolve().parents[1] / "examples" / "python-fastapi"


def run(repeats: int = 15) -> list[dict[str, object]]:
    exe = shutil.which("dorgu")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "dorgu.cli.main", "--help"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    times.sort()
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dorgu.cli.main import cli; "
            "print(','.join(m for m in ('pydantic','yaml','httpx','lightkube','kopf') if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    median = statistics.median(times)
    return [
        *_generate_vs_yaml(),
        {
            "name": "cli_help_startup",
            "median_s": round(median, 4),
            "p90_s": round(times[int(len(times) * 0.9) - 1], 4),
            "target_s": TARGET_S,
            "ratio_to_target": round(median / TARGET_S, 3),
            "heavy_modules_imported": heavy,
            "ok": median <= TARGET_S and not heavy,
        },
    ]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _generate_vs_yaml(repeats: int = 15) -> list[dict[str, object]]:
    """`dorgu generate` on a one-service app vs `python -c "import yaml"` and vs importing what
    generate imports, each run interleaved with the others so load on the machine hits all
    three alike.  Bytecode is written once first (a warm install), as a user's second run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="dorgu-bench-") as work:
        app = Path(work) / "orders"
        shutil.copytree(ONE_SERVICE_APP, app)
        commands = {
            "yaml": [sys.executable, "-c", "import yaml"],
            "imports": [sys.executable, "-c",
                        "import dorgu.cli.main, dorgu.cli.generate, dorgu.services.generating"],
            "generate": [sys.executable, "-m", "dorgu.cli.main", "generate", str(app),
                         "--force", "--image-tag", "1.0.0"],
        }  # fmt: skip
        for cmd in commands.values():  # warm: bytecode, page cache
            _timed(cmd, env)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, cmd in commands.items():
                wall, cpu = _timed(cmd, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    ratio = wall["generate"] / wall["yaml"]
    return [
        {
            "name": "generate_one_service_vs_import_yaml",
            "generate_median_s": round(wall["generate"], 4),
            "import_yaml_median_s": round(wall["yaml"], 4),
            "imports_median_s": round(wall["imports"], 4),
            "ratio": round(ratio, 2),
            "cpu_ratio": round(cpu["generate"] / cpu["yaml"], 2),
            "import_share": round(
                (wall["imports"] - wall["yaml"]) / max(wall["generate"] - wall["yaml"], 1e-9), 2
            ),
            "target_ratio": GENERATE_RATIO_TARGET,
            "ok": ratio <= GENERATE_RATIO_TARGET,
        }
    ]
