"""Benchmark: loading synthetic history into the testbed's Prometheus (issue 12 section 1).

200 containers x 14 days at a 5-minute step (1.6 million samples of
``container_cpu_usage_seconds_total`` and ``container_memory_working_set_bytes``, every pattern
of ``dorgu.formats.usagehistories``) through the whole ``dorgu dev backfill`` path: generate
the OpenMetrics file, check it, ``promtool tsdb create-blocks-from openmetrics``, install the
blocks and restart Prometheus (Debian's 2.42 from the testbed cache), then query it back.

Reports seconds and samples/s per stage; OK when the whole load takes <= 120 s and every
container comes back with all its samples.  Without Prometheus in the cache (``dorgu dev
build``) the row says so and is not OK.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from dorgu.devcluster import backfilling, building, locations, ports, probing, scraping
from dorgu.errors import DorguError
from dorgu.formats.usagehistories import PATTERNS, SyntheticContainer, render_history

CONTAINERS = 200
DAYS = 14
STEP = 300.0
TARGET_S = 120.0


def run(containers: int = CONTAINERS, days: int = DAYS) -> list[dict[str, object]]:
    name = f"backfill_{containers}x{days}d"
    try:
        binaries = building.find_binaries(env=locations.current_env())
        promtool = binaries.require("promtool") if binaries else None
        prometheus = binaries.require("prometheus") if binaries else None
    except DorguError as error:
        return [{"name": name, "ok": False, "error": str(error)}]
    if promtool is None or prometheus is None:
        return [{"name": name, "ok": False, "error": "no testbed cache: run dorgu dev build"}]
    work = Path(tempfile.mkdtemp(prefix="dorgu-bench-backfill-"))
    reservation = ports.Reservation(directory=ports.default_reservations_dir())
    process: subprocess.Popen[bytes] | None = None
    try:
        patterns = list(PATTERNS)
        history = [
            SyntheticContainer(
                scraping.live_labels(
                    endpoint="cadvisor",
                    node=f"kwok-node-{index % 2}",
                    namespace=f"bench-{index % 10}",
                    pod=f"app-{index}-0",
                    container="app",
                    image="registry.invalid/app:1",
                ),
                cpu_cores=0.1 + (index % 7) * 0.05,
                memory_bytes=(64 + index % 13 * 16) * 2**20,
                cpu_pattern=patterns[index % len(patterns)],
                memory_pattern=patterns[(index + 1) % len(patterns)],
            )
            for index in range(containers)
        ]
        source = work / "history.om"
        end = time.time() - 4 * 3600
        started = time.perf_counter()
        with source.open("w", encoding="utf-8") as out:
            out.writelines(render_history(history, end=end, days=days, step=STEP))
        generated = time.perf_counter()
        blocks = backfilling.create_blocks(
            promtool=promtool, source=source, scratch=work / "prometheus", env=dict(os.environ)
        )
        created = time.perf_counter()
        port = reservation.allocate()
        data = work / "prometheus" / "data"
        config = work / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\n", encoding="utf-8")
        backfilling.install_blocks(blocks, data=data)
        argv = scraping.prometheus_argv(binary=prometheus, config=config, data=data, port=port)
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        probing.wait_until(lambda: probing.fetch(f"{url}/-/ready")[0] == 200, timeout=120)
        loaded = time.perf_counter()
        per_series = _query(
            url, f"count_over_time(container_memory_working_set_bytes[{days + 1}d])"
        )
        queried = time.perf_counter()
        samples = blocks.summary.samples
        expected = int(days * 86400 // STEP)
        complete = len(per_series) == containers and all(
            int(float(s["value"][1])) == expected for s in per_series
        )
        total = loaded - started
        return [
            {
                "name": name,
                "samples": samples,
                "file_mb": round(source.stat().st_size / 2**20, 1),
                "generate_s": round(generated - started, 2),
                "check_and_promtool_s": round(created - generated, 2),
                "install_and_restart_s": round(loaded - created, 2),
                "query_s": round(queried - loaded, 3),
                "total_s": round(total, 2),
                "samples_per_s": round(samples / total),
                "series_back": len(per_series),
                "target_s": TARGET_S,
                "ratio_to_target": round(total / TARGET_S, 3),
                "ok": complete and total <= TARGET_S,
            }
        ]
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        reservation.release()
        shutil.rmtree(work, ignore_errors=True)


def _query(url: str, promql: str) -> list[dict[str, object]]:
    status, body = probing.fetch(
        f"{url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}", timeout=120
    )
    if status != 200:
        raise RuntimeError(f"Prometheus answered {status}: {body[:200]!r}")
    result: list[dict[str, object]] = json.loads(body)["data"]["result"]
    return result
