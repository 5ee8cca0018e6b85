"""Binaries from Debian packages, unpacked into the testbed cache without installing anything.

``apt-get download NAME`` fetches the ``.deb`` of the candidate version (no root needed when
the package lists are present; as root an empty list is refreshed once with ``apt-get update``),
``dpkg-deb -x`` unpacks it into a scratch directory and the named binaries are copied next to
the Go-built ones.  Only the upstream release is pinned (``versions.DebianPackage.version``):
the Debian archive keeps just the newest revision of a suite, security fixes included.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from dorgu.devcluster.versions import DebianPackage

logger = logging.getLogger(__name__)

_NOT_LISTED = ("unable to locate package", "has no installation candidate")
_TIMEOUT = 600.0


def fetch_package(package: DebianPackage, *, out: Path, env: Mapping[str, str]) -> str | None:
    """Put ``package``'s binaries into ``out``; returns why it failed, or None."""
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool, path=env.get("PATH")) is None:
            return (
                f"{tool} not found: {package.name} {package.version} comes from Debian's package "
                f"(elsewhere, copy {' and '.join(package.binaries)} {package.version} into the "
                "testbed cache directory)"
            )
    with tempfile.TemporaryDirectory(prefix=f".deb-{package.name}-", dir=out) as scratch:
        work = Path(scratch)
        problem = _download(package, work=work, env=env)
        if problem is not None:
            return problem
        debs = sorted(work.glob(f"{package.name}_*.deb"))
        if not debs:
            return f"apt-get download {package.name} left no .deb behind"
        version = debian_version(debs[0].name)
        if not upstream_matches(version, package.version):
            return (
                f"Debian offers {package.name} {version}, not {package.version} "
                "(bump versions.PACKAGES or use a bookworm package source)"
            )
        tree = work / "tree"
        problem = _run(["dpkg-deb", "-x", str(debs[0]), str(tree)], cwd=work, env=env)
        if problem is not None:
            return f"dpkg-deb -x {debs[0].name} failed: {problem}"
        for binary in package.binaries:
            found = tree / "usr" / "bin" / binary
            if not found.is_file():
                return f"{debs[0].name} holds no usr/bin/{binary}"
            problem = _relocate(found, package.relocations)
            if problem is not None:
                return f"{debs[0].name}: usr/bin/{binary} {problem}"
            shutil.copy2(found, out / binary)
            (out / binary).chmod(0o755)
        for inside, kept in package.data:
            if not (tree / inside).is_file():
                return f"{debs[0].name} holds no {inside}"
            (out / kept).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tree / inside, out / kept)
    logger.info("unpacked %s %s (%s)", package.name, version, ", ".join(package.binaries))
    return None


def _relocate(binary: Path, relocations: tuple[tuple[str, str], ...]) -> str | None:
    """Replace each compiled-in path by its same-length stand-in; why not, or None."""
    if not relocations:
        return None
    content = binary.read_bytes()
    for old, new in relocations:
        if old.encode() not in content:
            return f"holds no {old} to relocate"
        content = content.replace(old.encode(), new.encode())
    binary.write_bytes(content)
    return None


def _download(package: DebianPackage, *, work: Path, env: Mapping[str, str]) -> str | None:
    argv = ["apt-get", "download", "-q", package.name]
    problem = _run(argv, cwd=work, env=env)
    if problem is not None and _not_listed(problem) and os.geteuid() == 0:
        logger.info("the apt package lists lack %s; running apt-get update", package.name)
        _run(["apt-get", "update", "-q"], cwd=work, env=env)
        problem = _run(argv, cwd=work, env=env)
    if problem is not None:
        return f"apt-get download {package.name} failed: {problem}"
    return None


def _not_listed(problem: str) -> bool:
    lowered = problem.lower()
    return any(marker in lowered for marker in _NOT_LISTED)


def _run(argv: list[str], *, cwd: Path, env: Mapping[str, str]) -> str | None:
    """None on success, else the last line of its output."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env={**env, "LC_ALL": "C"},
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return None
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E:")]
    return (errors or lines or [f"exit status {done.returncode}"])[-1].strip()


def debian_version(deb_name: str) -> str:
    """``prometheus_2.42.0+ds-5+deb12u1_amd64.deb`` -> ``2.42.0+ds-5+deb12u1`` (epoch %3a kept
    out)."""
    parts = deb_name.removesuffix(".deb").split("_")
    version = parts[1] if len(parts) >= 2 else ""
    return re.sub(r"^\d+%3a", "", version)


def upstream_matches(debian: str, upstream: str) -> bool:
    """Whether Debian version ``debian`` packages upstream release ``upstream``."""
    return re.match(rf"^(\d+:)?{re.escape(upstream)}([+~-]|$)", debian) is not None
