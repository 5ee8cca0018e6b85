"""Run every benchmark, print a table with ratios to targets, write JSON to benchmarks/results/.

Usage: python -m benchmarks.run [--report-only]
    [SUITE ...]  (the names in SUITES below; default: all)

``--report-only`` (CI) also runs the reduced variants of the suites that have one (``kompose``:
the examples, the leak corpus and four of Kompose's fixtures).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

from benchmarks import (
    bench_analyze,
    bench_anomaly,
    bench_anomaly_live,
    bench_anomaly_rules,
    bench_backfill,
    bench_generate,
    bench_incidents,
    bench_kompose,
    bench_llm_overhead,
    bench_operator_scale,
    bench_recommend,
    bench_startup,
    bench_webhook,
)

SUITES = {
    "startup": bench_startup.run,
    "analyze": bench_analyze.run,
    "generate": bench_generate.run,
    "llm": bench_llm_overhead.run,
    "webhook": bench_webhook.run,
    "operator": bench_operator_scale.run,
    "kompose": bench_kompose.run,
    "recommend": bench_recommend.run,
    "backfill": bench_backfill.run,
    "anomaly": bench_anomaly.run,
    "anomaly-live": bench_anomaly_live.run,
    "incidents": bench_incidents.run,
    "anomaly-rules": bench_anomaly_rules.run,
}
QUICK = {
    "kompose": lambda: bench_kompose.run(quick=True),
    "recommend": lambda: bench_recommend.run(quick=True),
    "backfill": lambda: bench_backfill.run(containers=50),
    "incidents": lambda: bench_incidents.run(quick=True, list_count=2000),
}


def main(argv: list[str]) -> int:
    report_only = "--report-only" in argv  # CI: print and record, never fail on a target
    argv = [a for a in argv if a != "--report-only"]
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}",
            file=sys.stderr,
        )
        return 2
    results: list[dict[str, object]] = []
    for name in chosen:
        suite = QUICK.get(name, SUITES[name]) if report_only else SUITES[name]
        results.extend(suite())
    for row in results:
        extras = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("name", "ok"))
        print(f"{'OK  ' if row['ok'] else 'FAIL'} {row['name']}: {extras}")
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    payload = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "results": results,
    }
    (out_dir / f"{stamp}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (out_dir / "latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    missed = [str(row["name"]) for row in results if not row["ok"]]
    if missed and report_only:
        print(f"targets missed (reported, not failing): {', '.join(missed)}")
        return 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
