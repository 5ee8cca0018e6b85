"""Profile the operator's webhook under the benchmark's saturated load with py-spy.

    python -m benchmarks.profile_webhook [inline|separate] [OUT_DIR]

Starts the testbed stage of ``bench_webhook`` (control plane, operator, enforce persona), runs
one saturated 100-client load of Deployment CREATEs while ``py-spy record`` samples the process
that answers the reviews (the operator with ``inline``, its webhook worker with ``separate``),
and prints the functions with the most samples (own and cumulative) from the collapsed stacks
it writes to OUT_DIR (default: a temporary directory).  Needs ``py-spy`` in the environment
(``pip install py-spy``) and the right to ptrace.  A tool for finding what is left, not a
benchmark: it records nothing in ``benchmarks/results``.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_webhook import CLIENTS, Stage

TOP = 25


def _worker_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        if b"dorgu.operator.webhook.worker" in Path(f"/proc/{child}/cmdline").read_bytes():
            return int(child)
    raise RuntimeError("the operator has no webhook worker process")


def summarize(collapsed: Path, top: int = TOP) -> str:
    """The functions with the most samples: own (leaf) and cumulative, in percent."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    if not samples:
        return "no samples"
    lines = [f"{samples} samples", "own:"]
    lines += [f"  {100 * n / samples:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines.append("cumulative:")
    lines += [f"  {100 * n / samples:5.1f}%  {f}" for f, n in total.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    process = argv[0] if argv else "separate"
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="dorgu-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    root = Path(tempfile.mkdtemp(prefix="dorgu-profile-stage-"))
    stage = Stage(root)
    try:
        stage.prepare()
        stage.namespace("profile")
        stage.use("separate" if process == "separate" else "dorgu")
        assert stage.operator is not None
        pid = _worker_of(stage.operator.pid) if process == "separate" else stage.operator.pid
        stage.load("profile", "warm", creates=2, interval=0)
        collapsed = out / f"{process}.collapsed"
        recorder = subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw",
                                     "--rate", "200", "--output", str(collapsed), "--nonblocking"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(1)
        started = time.monotonic()
        stage.load("profile", "load", creates=10, interval=0)
        seconds = time.monotonic() - started
        recorder.send_signal(2)
        recorder.wait(timeout=60)
        print(f"{process}: {CLIENTS * 10} creates in {seconds:.1f}s, pid {pid}")
        print(summarize(collapsed))
        print(f"collapsed stacks: {collapsed}")
    finally:
        stage.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
