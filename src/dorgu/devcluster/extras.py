"""Adding the optional tools a cached testbed lacks, without rebuilding the rest.

A newer dorgu may pin more optional tools (or other versions of them) than the cache was built
with; ``dorgu dev build`` then builds just those (``testbed.json`` records each extra's version)
into the cached directory, under the same lock as a full build.  A tool that failed to build at
the pinned version is recorded and not retried until ``dorgu dev build --force``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from dorgu.devcluster import building, compiling, locations, versions
from dorgu.devcluster.versions import Tool
from dorgu.errors import ToolchainError

logger = logging.getLogger(__name__)


def add_missing_extras(*, env: Mapping[str, str]) -> building.Binaries:
    """The cached binaries plus the optional tools they lack (or hold at another version than
    the pinned one), built without rebuilding the rest; builds everything when nothing is
    cached.  A failure is recorded in the manifest, as in a full build."""
    found = building.ensure_binaries(env=env)
    if found.from_assets or not (_stale_extras(found) or _stale_packages(found)):
        return found
    root = locations.cache_root(env)
    with building.build_lock(root / f".{versions.KUBERNETES}.lock"):
        cached = building.find_binaries(env=env)
        assert cached is not None
        stale = _stale_extras(cached)
        if stale:
            _build_extras(env=env, root=root, directory=cached.directory, tools=stale)
        stale_packages = _stale_packages(cached)
        if stale_packages:
            _fetch_packages(env=env, root=root, directory=cached.directory, wanted=stale_packages)
    rebuilt = building.find_binaries(env=env)
    assert rebuilt is not None
    return rebuilt


def _stale_extras(found: building.Binaries) -> list[Tool]:
    """Extras missing from the cache or recorded at another version; one that failed to build
    at the pinned version is not retried (``dorgu dev build --force`` does)."""
    manifest = building.read_manifest(found.directory) or {}
    recorded = manifest.get("extras")
    built = dict(recorded) if isinstance(recorded, dict) else {}
    return [
        tool
        for tool in versions.EXTRA_TOOLS
        if built.get(tool.name) != tool.version
        or (found.path(tool.name) is None and tool.name not in found.failed)
    ]


def _stale_packages(found: building.Binaries) -> list[versions.DebianPackage]:
    """Debian packages missing from the cache or recorded at another upstream version."""
    manifest = building.read_manifest(found.directory) or {}
    recorded = manifest.get("extras")
    built = dict(recorded) if isinstance(recorded, dict) else {}
    return [
        package
        for package in versions.PACKAGES
        if built.get(package.name) != package.version
        or any(
            found.path(binary) is None and binary not in found.failed for binary in package.binaries
        )
    ]


def _fetch_packages(
    *, env: Mapping[str, str], root: Path, directory: Path, wanted: list[versions.DebianPackage]
) -> None:
    work = Path(tempfile.mkdtemp(prefix=f".packages-{versions.KUBERNETES}-", dir=root))
    try:
        out = work / "out"
        out.mkdir()
        failed = building.fetch_packages(wanted, out=out, env=env)
        _merge_extras(
            out,
            directory,
            attempted={p.name: p.version for p in wanted},
            cleared=[b for p in wanted for b in p.binaries],
            failed=failed,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build_extras(
    *, env: Mapping[str, str], root: Path, directory: Path, tools: list[Tool]
) -> None:
    go = compiling.find_go(env)
    go_env = compiling.build_env(env)
    source = locations.source_dir(env)
    work = Path(tempfile.mkdtemp(prefix=f".extras-{versions.KUBERNETES}-", dir=root))
    try:
        out = work / "out"
        out.mkdir()
        log = out / "build.log"
        logger.info(
            "building the missing extras (%s); log: %s", ", ".join(t.name for t in tools), log
        )
        modules = work / "src"
        for name in sorted({t.module_dir for t in tools}):
            if not (source / name / "go.mod").is_file():
                raise ToolchainError(
                    f"{source / name}/go.mod is missing", hint="run testbed/generate"
                )
            shutil.copytree(
                source / name, modules / name, ignore=shutil.ignore_patterns(".*", "bin")
            )
        kubernetes_flags: list[str] = []
        if any(t.module_dir == "kubernetes" for t in tools):
            kubernetes_flags = compiling.kubernetes_ldflags(
                release_date=compiling.release_date(
                    go=go, module_dir=modules / "kubernetes", env=go_env
                )
            )
        failed: dict[str, str] = {}
        for tool in tools:
            ok = compiling.go_build(
                go=go,
                module_dir=modules / tool.module_dir,
                tools=[tool],
                out_dir=out,
                ldflags=compiling.ldflags_for([tool], kubernetes=kubernetes_flags),
                env=go_env,
                log_path=log,
            )
            if not ok:
                failed[tool.name] = building.last_error(compiling.log_tail(log, 6))
                logger.warning("optional %s did not build: %s", tool.name, failed[tool.name])
        if (out / "kwok").is_file():
            problem = building.collect_kwok_stages(go=go, modules=modules, out=out, env=go_env)
            if problem is not None:
                failed["kwok"] = problem
                (out / "kwok").unlink()
        _merge_extras(
            out,
            directory,
            attempted={t.name: t.version for t in tools},
            cleared=[t.name for t in tools],
            failed=failed,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _merge_extras(
    out: Path,
    directory: Path,
    *,
    attempted: dict[str, str],
    cleared: list[str],
    failed: dict[str, str],
) -> None:
    """Move what was built into the cached directory, then rewrite its manifest atomically."""
    for path in sorted(out.iterdir()):
        if path.name != "build.log" and not path.name.startswith("."):
            if path.is_dir() and (directory / path.name).is_dir():  # package data, refetched
                shutil.rmtree(directory / path.name)
            path.replace(directory / path.name)
    for name in failed:  # an older binary left behind would contradict the manifest
        (directory / name).unlink(missing_ok=True)
    manifest = building.read_manifest(directory) or {}
    before = manifest.get("failed")
    still_failed = dict(before) if isinstance(before, dict) else {}
    for name in cleared:
        still_failed.pop(name, None)
    still_failed.update(failed)
    recorded = manifest.get("extras")
    extras = dict(recorded) if isinstance(recorded, dict) else {}
    extras.update(attempted)  # failures are not retried
    manifest.update(
        {
            "built": sorted(
                p.name for p in directory.iterdir() if "." not in p.name and p.is_file()
            ),
            "failed": still_failed,
            "extras": extras,
        }
    )
    temporary = directory / f".{building.MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    temporary.replace(directory / building.MANIFEST)
