"""Benchmark: `dorgu --help` wall time in a fresh process (target <= 300 ms), plus import audit."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

TARGET_S = 0.300


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
        {
            "name": "cli_help_startup",
            "median_s": round(median, 4),
            "p90_s": round(times[int(len(times) * 0.9) - 1], 4),
            "target_s": TARGET_S,
            "ratio_to_target": round(median / TARGET_S, 3),
            "heavy_modules_imported": heavy,
            "ok": median <= TARGET_S and not heavy,
        }
    ]
