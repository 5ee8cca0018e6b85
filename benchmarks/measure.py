"""Run `dorgu analyze --json PATH` in-process and print the peak RSS in MB on the last line.

Used by bench_analyze in a fresh interpreter so that start-up cost is included.
"""

from __future__ import annotations

import contextlib
import io
import resource
import sys

from dorgu.cli.main import main

if __name__ == "__main__":
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.suppress(SystemExit):
        main(["analyze", "--json", sys.argv[1]])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{peak_kb / 1024:.1f}")
