"""Benchmarks of issue 4: `dorgu generate` for one app (<= 1 s wall, process start included,
no LLM) and `dorgu validate` throughput (>= 1,000 resources per second on one core)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python-fastapi"
GENERATE_TARGET_S = 1.0
VALIDATE_TARGET_PER_S = 1000.0


def _generate_wall(repeats: int) -> list[float]:
    cmd = [
        "taskset",
        "-c",
        "0",
        sys.executable,
        "-m",
        "dorgu.cli.main",
        "generate",
        str(EXAMPLE),
        "--stdout",
    ]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return sorted(times)


def _resources(count: int) -> list[dict[str, object]]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dorgu.cli.main",
            "generate",
            str(ROOT / "examples" / "compose-shop"),
            "--stdout",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    base = [d for d in yaml.safe_load_all(out) if isinstance(d, dict)]
    resources: list[dict[str, object]] = []
    i = 0
    while len(resources) < count:
        for doc in base:
            copy = yaml.safe_load(yaml.safe_dump(doc))
            copy["metadata"]["namespace"] = f"ns{i % 20}"
            resources.append(copy)
        i += 1
    return resources[:count]


def _validate_rate(count: int) -> float:
    """Resources per second of `dorgu validate FILE` on one core, process start included."""
    work = Path(__file__).resolve().parent / ".work"
    work.mkdir(exist_ok=True)
    target = work / f"validate-{count}"
    target.mkdir(exist_ok=True)
    resources = _resources(count)
    for i in range(0, count, 500):  # 500 objects a file, well under the 4 MiB input limit
        part = target / f"part-{i // 500:03}.yaml"
        part.write_text(yaml.safe_dump_all(resources[i : i + 500], sort_keys=False))
    cmd = [
        "taskset",
        "-c",
        "0",
        sys.executable,
        "-m",
        "dorgu.cli.main",
        "validate",
        "-f",
        "json",
        str(target),
    ]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"dorgu validate failed: {done.stderr.strip()}")
    return count / elapsed


def run(repeats: int = 7) -> list[dict[str, object]]:
    times = _generate_wall(repeats)
    median = statistics.median(times)
    rate = _validate_rate(5000)
    return [
        {
            "name": "generate_one_app_wall",
            "median_s": round(median, 3),
            "max_s": round(times[-1], 3),
            "target_s": GENERATE_TARGET_S,
            "ratio_to_target": round(median / GENERATE_TARGET_S, 3),
            "ok": median <= GENERATE_TARGET_S,
        },
        {
            "name": "validate_resources_per_second",
            "resources": 5000,
            "per_second": round(rate, 1),
            "target_per_second": VALIDATE_TARGET_PER_S,
            "ratio_to_target": round(rate / VALIDATE_TARGET_PER_S, 3),
            "ok": rate >= VALIDATE_TARGET_PER_S,
        },
    ]
