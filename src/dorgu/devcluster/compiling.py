"""Run the Go toolchain on one wrapper module: ``go build`` with CGO off, -trimpath and the
version ldflags each project's own release build sets.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from dorgu.devcluster import versions
from dorgu.devcluster.versions import Tool
from dorgu.errors import ToolchainError

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "install Go >= 1.26 (https://go.dev/doc/install or your package manager), "
    "or set KUBEBUILDER_ASSETS to a directory that already holds etcd and kube-apiserver"
)
_TAIL_LINES = 25


def find_go(env: Mapping[str, str]) -> str:
    """Path of the ``go`` command; ToolchainError when Go is not installed."""
    go = shutil.which("go", path=env.get("PATH"))
    if go is None:
        raise ToolchainError("the Go toolchain (go) is not on PATH", hint=INSTALL_HINT)
    return go


def go_version(go: str, env: Mapping[str, str]) -> str:
    """``go1.26.8`` (whatever ``go env GOVERSION`` says)."""
    result = subprocess.run(
        [go, "env", "GOVERSION"], env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ToolchainError(
            f"'go env GOVERSION' failed: {result.stderr.strip()}", hint=INSTALL_HINT
        )
    return result.stdout.strip()


def build_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment for ``go build``: static binaries, no surprise toolchain downloads."""
    jobs = env.get("DORGU_TESTBED_JOBS") or str(min(os.cpu_count() or 2, 4))
    result = dict(env)
    result.update(
        {
            "CGO_ENABLED": "0",
            "GOTOOLCHAIN": "local",
            "GOFLAGS": f"-p={jobs} -buildvcs=false -mod=readonly",
        }
    )
    return result


def kubernetes_ldflags(*, release_date: str) -> list[str]:
    """What ``hack/lib/version.sh`` sets, for component-base and client-go."""
    version = versions.KUBERNETES
    major, minor = version.removeprefix("v").split(".")[:2]
    values = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "archive",
        "buildDate": release_date,
    }
    return [
        f"-X {package}.{key}={value}"
        for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
        for key, value in values.items()
    ]


def release_date(*, go: str, module_dir: Path, env: Mapping[str, str]) -> str:
    """The publication time of the required k8s.io/kubernetes version (deterministic)."""
    result = subprocess.run(
        [go, "list", "-m", "-json", "k8s.io/kubernetes"],
        cwd=module_dir,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        stamp = json.loads(result.stdout).get("Time")
        if isinstance(stamp, str):
            return stamp.replace(".000Z", "Z")
    return "1970-01-01T00:00:00Z"


def module_dir(*, go: str, module: str, cwd: Path, env: Mapping[str, str]) -> Path | None:
    """Where the Go module cache holds ``module`` (as required from ``cwd``)."""
    result = subprocess.run(
        [go, "list", "-m", "-f", "{{.Dir}}", module],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    path = result.stdout.strip()
    return Path(path) if result.returncode == 0 and path else None


def ldflags_for(tools: Sequence[Tool], *, kubernetes: list[str]) -> str:
    flags = ["-s", "-w"]
    if any(t.module_dir == "kubernetes" for t in tools):
        flags.extend(kubernetes)
    flags.extend(f"-X {t.version_var}={t.version}" for t in tools if t.version_var)
    return " ".join(flags)


def go_build(
    *,
    go: str,
    module_dir: Path,
    tools: Sequence[Tool],
    out_dir: Path,
    ldflags: str,
    env: Mapping[str, str],
    log_path: Path,
) -> bool:
    """Build ``tools`` (all from ``module_dir``) into ``out_dir``; output appended to the log."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if len(tools) == 1 and tools[0].package == ".":
        targets, output = ["."], str(out_dir / tools[0].name)
    else:
        targets, output = [t.package for t in tools], f"{out_dir}{os.sep}"
    argv = [go, "build", "-trimpath", f"-ldflags={ldflags}", "-o", output, *targets]
    logger.info("building %s", ", ".join(t.name for t in tools))
    started = time.monotonic()
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n$ (cd {module_dir.name}) {' '.join(argv[1:])}\n")
        log.flush()
        result = subprocess.run(
            argv, cwd=module_dir, env=dict(env), stdout=log, stderr=log, check=False
        )
        log.write(f"exit status {result.returncode} after {time.monotonic() - started:.0f}s\n")
    return result.returncode == 0


def log_tail(log_path: Path, lines: int = _TAIL_LINES) -> str:
    """The last ``lines`` lines of a build log (for error messages)."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])
