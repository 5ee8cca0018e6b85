from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dorgu.devcluster import processes


def _wait_gone(ref: processes.ProcessRef, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not ref.is_running():
            return True
        time.sleep(0.05)
    return False


def test_spawned_process_logs_to_its_file_and_stops(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sleeper.log"
    process = processes.spawn(
        argv=["sh", "-c", "echo hello; exec sleep 60"], log_path=log, tie_to_parent=True
    )
    ref = processes.ref_of(process)
    try:
        assert ref.is_running()
        assert os.getpgid(process.pid) == process.pid  # its own process group
    finally:
        processes.stop(ref, process=process, timeout=5)

    assert not ref.is_running()
    assert process.returncode is not None
    assert "hello" in log.read_text()


def test_a_recycled_pid_is_not_the_same_process() -> None:
    me = processes.ProcessRef(pid=os.getpid(), start_ticks=None)
    impostor = processes.ProcessRef(pid=os.getpid(), start_ticks=1)

    assert me.is_running()
    assert not impostor.is_running()


def test_stopping_a_gone_process_is_a_no_op() -> None:
    processes.stop(processes.ProcessRef(pid=2**22 + 4321, start_ticks=None), timeout=1)


def _orphan_probe(tmp_path: Path, *, tied: bool) -> processes.ProcessRef:
    """Run a parent that spawns a sleeper and then dies by SIGKILL; return the sleeper."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from dorgu.devcluster import processes
        child = processes.spawn(argv=["sleep", "60"], log_path=Path({str(tmp_path / "s.log")!r}),
                                tie_to_parent={tied})
        ref = processes.ref_of(child)
        print(ref.pid, ref.start_ticks, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    pid, ticks = result.stdout.split()
    return processes.ProcessRef(pid=int(pid), start_ticks=int(ticks))


def test_tied_children_die_with_a_killed_parent(tmp_path: Path) -> None:
    assert _wait_gone(_orphan_probe(tmp_path, tied=True))


def test_detached_children_outlive_their_parent_until_stopped(tmp_path: Path) -> None:
    ref = _orphan_probe(tmp_path, tied=False)
    try:
        time.sleep(0.3)
        assert ref.is_running()
    finally:
        processes.stop(ref, timeout=5)
    assert _wait_gone(ref)
