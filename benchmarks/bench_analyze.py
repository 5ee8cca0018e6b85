"""Benchmark: `dorgu analyze` on generated 10,000- and 100,000-file repos, pinned to one core.

Targets (issue 2): 10k files <= 2 s, 100k files <= 15 s, peak RSS <= 200 MB.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.repos import generate_repo

WORK = Path(__file__).resolve().parent / ".work"
TARGETS = {10_000: 2.0, 100_000: 15.0}
MEMORY_TARGET_MB = 200.0


def _one_core() -> list[str]:
    return ["taskset", "-c", "0"] if sys.platform.startswith("linux") and _has("taskset") else []


def _has(tool: str) -> bool:
    return any(
        os.access(os.path.join(p, tool), os.X_OK)
        for p in os.environ.get("PATH", "").split(os.pathsep)
    )


def _run_once(repo: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `dorgu analyze --json` in a fresh process."""
    cmd = [*_one_core(), sys.executable, "-m", "benchmarks.measure", str(repo)]
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak_mb = float(out.stdout.strip().splitlines()[-1])
    return elapsed, peak_mb


def run(repeats: int = 3) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for files, target in TARGETS.items():
        repo = generate_repo(WORK / f"repo-{files}", files)
        runs = [_run_once(repo) for _ in range(repeats)]
        times = sorted(t for t, _ in runs)
        peak = max(m for _, m in runs)
        results.append(
            {
                "name": f"analyze_{files}_files",
                "files": files,
                "median_s": round(statistics.median(times), 3),
                "min_s": round(times[0], 3),
                "max_s": round(times[-1], 3),
                "target_s": target,
                "ratio_to_target": round(statistics.median(times) / target, 3),
                "peak_rss_mb": round(peak, 1),
                "memory_target_mb": MEMORY_TARGET_MB,
                "ok": statistics.median(times) <= target and peak <= MEMORY_TARGET_MB,
            }
        )
    return results
