"""Benchmark: the rule-based `dorgu analyze` path is unchanged with the LLM layer installed.

Runs `dorgu analyze --json` on an example in fresh interpreters three ways: with no provider
configured, with `--no-llm`, and with `dorgu.llm` and `httpx` made unimportable (the
"before" baseline: as if the layer did not exist).  Reports medians, the ratio to the
baseline, and which LLM modules each run imported (must be none).  Target: ratio <= 1.10.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "compose-shop"
TARGET_RATIO = 1.10

_RUNNER = """
import contextlib, io, json, sys
block = sys.argv[1] == "block"
if block:
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name == "httpx" or name.startswith(("httpx.", "dorgu.llm", "dorgu.services.enhancing")):
                raise ImportError(f"blocked {name}")
            return None
    sys.meta_path.insert(0, _Block())
from dorgu.cli.main import main
sink = io.StringIO()
with contextlib.redirect_stdout(sink), contextlib.suppress(SystemExit):
    main(sys.argv[2:])
llm = sorted(m for m in sys.modules if m == "httpx" or m.startswith(("dorgu.llm", "dorgu.services.enhancing")))
print(json.dumps({"modules": len(sys.modules), "llm": llm, "ok": '"components"' in sink.getvalue()}))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DORGU_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent-dorgu-bench"
    return env


def _once(mode: str, *args: str) -> tuple[float, dict[str, object]]:
    cmd = [sys.executable, "-c", _RUNNER, mode, "analyze", "--json", *args, str(EXAMPLE)]
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - start
    info: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return elapsed, info


def run(repeats: int = 9) -> list[dict[str, object]]:
    variants = {
        "baseline_without_llm_layer": ("block",),
        "no_provider_configured": ("plain",),
        "no_llm_flag": ("plain", "--no-llm"),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    infos: dict[str, dict[str, object]] = {}
    for _ in range(repeats):  # interleaved, so drift affects every variant alike
        for name, (mode, *args) in variants.items():
            elapsed, info = _once(mode, *args)
            times[name].append(elapsed)
            infos[name] = info
    base = statistics.median(times["baseline_without_llm_layer"])
    results: list[dict[str, object]] = []
    for name, samples in times.items():
        samples.sort()
        median = statistics.median(samples)
        ratio = median / base
        info = infos[name]
        results.append(
            {
                "name": f"llm_overhead_{name}",
                "median_s": round(median, 4),
                "p90_s": round(samples[max(0, int(len(samples) * 0.9) - 1)], 4),
                "ratio_to_baseline": round(ratio, 3),
                "target_ratio": TARGET_RATIO,
                "modules_imported": info["modules"],
                "llm_modules_imported": ",".join(info["llm"]) or "none",  # type: ignore[arg-type]
                "ok": bool(info["ok"]) and not info["llm"] and ratio <= TARGET_RATIO,
            }
        )
    return results
