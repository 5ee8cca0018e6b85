"""A real Prometheus (Debian's 2.42 package) for tests, loaded with history by
``promtool tsdb create-blocks-from openmetrics``.  Self-contained on purpose: once the testbed's
metrics fixture (issue 12 section 1) lands, tests can switch to it.

Binaries are looked up on PATH, then in the testbed cache (``~/.cache/dorgu/testbed/*/``), then
fetched into ``~/.cache/dorgu/prometheus-test/`` with ``apt-get download prometheus`` and
``dpkg-deb -x`` (nothing is installed).  ``None`` when none of that works: callers skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE = Path.home() / ".cache" / "dorgu"
OWN = CACHE / "prometheus-test"


def _pair(directory: Path) -> tuple[Path, Path] | None:
    prometheus, promtool = directory / "prometheus", directory / "promtool"
    return (prometheus, promtool) if prometheus.is_file() and promtool.is_file() else None


def binaries() -> tuple[Path, Path] | None:
    on_path = shutil.which("prometheus"), shutil.which("promtool")
    if on_path[0] and on_path[1]:
        return Path(on_path[0]), Path(on_path[1])
    for directory in [*sorted((CACHE / "testbed").glob("*/")), OWN]:
        found = _pair(directory)
        if found:
            return found
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        return None
    OWN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OWN) as scratch:
        work = Path(scratch)
        done = subprocess.run(["apt-get", "download", "prometheus"], cwd=work,
                              capture_output=True, timeout=600)  # fmt: skip
        debs = sorted(work.glob("prometheus_*.deb"))
        if done.returncode != 0 or not debs:
            return None
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(work / "tree")], check=True,
                       timeout=300)  # fmt: skip
        for name in ("prometheus", "promtool"):
            shutil.copy2(work / "tree" / "usr" / "bin" / name, OWN / name)
    return _pair(OWN)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_prometheus(openmetrics: str, workdir: Path) -> Iterator[str]:
    """A Prometheus holding the history in ``openmetrics`` (ends with ``# EOF``); yields its URL."""
    found = binaries()
    if found is None:
        raise LookupError("no prometheus/promtool binaries and no way to fetch them")
    prometheus, promtool = found
    data = workdir / "data"
    source = workdir / "history.om"
    source.write_text(openmetrics)
    subprocess.run(
        [str(promtool), "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
    port = _free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [str(prometheus), f"--config.file={config}", f"--storage.tsdb.path={data}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/-/ready", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                problem = (workdir / "prometheus.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prometheus did not start: {problem}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
