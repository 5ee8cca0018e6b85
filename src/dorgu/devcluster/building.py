"""Find the testbed binaries, building them into the cache when needed.

``KUBEBUILDER_ASSETS`` (when set) wins: existing binaries, no build.  Otherwise the binaries of
``versions.KUBERNETES`` live in ``<cache>/<version>/`` with a ``testbed.json`` manifest.  A build
holds an exclusive lock on ``<cache>/.<version>.lock``, compiles into a temporary directory next
to the final one and renames it into place, so concurrent builds never corrupt the cache and an
interrupted build leaves nothing half-written behind.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dorgu.devcluster import compiling, locations, packages, simulating, versions
from dorgu.devcluster.versions import Tool
from dorgu.errors import ToolchainError

logger = logging.getLogger(__name__)

MANIFEST = "testbed.json"
MIN_FREE_BYTES = 3 * 1024**3


@dataclass(frozen=True)
class Binaries:
    """Where the testbed's executables are; ``failed`` says why an optional one is missing."""

    directory: Path
    kubernetes_version: str
    from_assets: bool = False
    failed: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path | None:
        candidate = self.directory / name
        return candidate if candidate.is_file() else None

    def require(self, name: str) -> Path:
        found = self.path(name)
        if found is None:
            raise ToolchainError(
                f"{name} is not in {self.directory}",
                hint="run 'dorgu dev build'"
                if not self.from_assets
                else "check KUBEBUILDER_ASSETS",
            )
        return found

    def available(self) -> list[str]:
        names = [t.name for t in (*versions.CORE_TOOLS, *versions.EXTRA_TOOLS)]
        names += versions.package_binaries()
        return [n for n in names if self.path(n) is not None]


def find_binaries(*, env: Mapping[str, str]) -> Binaries | None:
    """The binaries to use without building anything; None when a build is needed."""
    assets = locations.assets_dir(env)
    if assets is not None:
        missing = [n for n in sorted(versions.REQUIRED) if not (assets / n).is_file()]
        if missing:
            raise ToolchainError(
                f"KUBEBUILDER_ASSETS={assets} lacks {', '.join(missing)}",
                hint="point it at a directory holding etcd and kube-apiserver, or unset it",
            )
        return Binaries(directory=assets, kubernetes_version="unknown", from_assets=True)
    directory = locations.version_dir(env, versions.KUBERNETES)
    manifest = read_manifest(directory)
    if manifest is None:
        return None
    if any(not (directory / t.name).is_file() for t in versions.CORE_TOOLS):
        return None
    failed = manifest.get("failed")
    return Binaries(
        directory=directory,
        kubernetes_version=versions.KUBERNETES,
        failed=dict(failed) if isinstance(failed, dict) else {},
    )


def ensure_binaries(
    *, env: Mapping[str, str], force: bool = False, extras: bool = True
) -> Binaries:
    """Existing binaries, or build them (once per machine; concurrent callers wait)."""
    if not force:
        found = find_binaries(env=env)
        if found is not None:
            return found
    elif locations.assets_dir(env) is not None:
        raise ToolchainError(
            "KUBEBUILDER_ASSETS is set, so nothing is built", hint="unset it to build the testbed"
        )
    root = locations.cache_root(env)
    root.mkdir(parents=True, exist_ok=True)
    with build_lock(root / f".{versions.KUBERNETES}.lock"):
        if not force:
            found = find_binaries(env=env)
            if found is not None:  # someone else built it while we waited
                return found
        _build(env=env, root=root, extras=extras)
    found = find_binaries(env=env)
    assert found is not None
    return found


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("another testbed build holds %s; waiting for it", path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(directory: Path) -> dict[str, object] | None:
    try:
        value = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _build(*, env: Mapping[str, str], root: Path, extras: bool) -> None:
    go = compiling.find_go(env)
    go_env = compiling.build_env(env)
    go_version = compiling.go_version(go, go_env)
    source = locations.source_dir(env)
    if not (source / "kubernetes" / "go.mod").is_file():
        raise ToolchainError(
            f"the testbed Go modules are not in {source}",
            hint="run from a dorgu checkout, set DORGU_TESTBED_SRC, or set KUBEBUILDER_ASSETS",
        )
    _check_disk(root)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f".build-{versions.KUBERNETES}-", dir=root))
    try:
        out = work / "out"
        out.mkdir()
        log = out / "build.log"
        logger.info(
            "building the testbed (%s) with %s; log: %s", versions.KUBERNETES, go_version, log
        )
        modules = _copy_modules(source, work / "src", extras=extras)
        kubernetes_flags = compiling.kubernetes_ldflags(
            release_date=compiling.release_date(
                go=go, module_dir=modules / "kubernetes", env=go_env
            )
        )

        failed = _compile(
            build=lambda tools: compiling.go_build(
                go=go,
                module_dir=modules / tools[0].module_dir,
                tools=tools,
                out_dir=out,
                ldflags=compiling.ldflags_for(tools, kubernetes=kubernetes_flags),
                env=go_env,
                log_path=log,
            ),
            log=log,
            kept=root / f"{versions.KUBERNETES}.build-failed.log",
            extras=extras,
        )
        if (out / "kwok").is_file():
            problem = collect_kwok_stages(go=go, modules=modules, out=out, env=go_env)
            if problem is not None:
                failed["kwok"] = problem
                (out / "kwok").unlink()
        if extras:
            failed.update(fetch_packages(versions.PACKAGES, out=out, env=env))
        manifest = {
            "kubernetes": versions.KUBERNETES,
            "etcd": versions.ETCD,
            "go": go_version,
            "built": sorted(p.name for p in out.iterdir() if "." not in p.name and p.is_file()),
            "failed": failed,
            "extras": {
                **{t.name: t.version for t in versions.EXTRA_TOOLS},
                **{p.name: p.version for p in versions.PACKAGES},
            },
            "seconds": round(time.monotonic() - started, 1),
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _install(out, locations.version_dir(env, versions.KUBERNETES), work)
        logger.info("testbed built in %.0fs", manifest["seconds"])
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise ToolchainError(
                f"disk full while building the testbed in {root}", hint="free some space and retry"
            ) from error
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _compile(
    *, build: Callable[[list[Tool]], bool], log: Path, kept: Path, extras: bool
) -> dict[str, str]:
    """Core tools first (a failure is fatal), then each optional one (failures recorded)."""
    for group in _group(versions.CORE_TOOLS):
        if not build(group):
            shutil.copyfile(log, kept)
            raise ToolchainError(
                f"building {', '.join(t.name for t in group)} failed (full log: {kept}); "
                f"last lines:\n{compiling.log_tail(log)}"
            )
    failed: dict[str, str] = {}
    for tool in versions.EXTRA_TOOLS if extras else ():
        if not build([tool]):
            failed[tool.name] = last_error(compiling.log_tail(log, 6))
            logger.warning("optional %s did not build: %s", tool.name, failed[tool.name])
    return failed


def collect_kwok_stages(*, go: str, modules: Path, out: Path, env: Mapping[str, str]) -> str | None:
    """Copy kwok's own stage definitions next to the binaries; returns a problem or None."""
    kwok = versions.tool_named("kwok")
    module, _ = versions.EXTRA_MODULES[kwok.module_dir]
    where = compiling.module_dir(go=go, module=module, cwd=modules / kwok.module_dir, env=env)
    try:
        if where is None:
            raise FileNotFoundError(module)
        text = simulating.collect_stages(where)
    except OSError as error:
        return f"kwok stage definitions not found ({error})"
    (out / simulating.STAGES_FILE).write_text(text + "\n", encoding="utf-8")
    return None


def fetch_packages(
    wanted: tuple[versions.DebianPackage, ...] | list[versions.DebianPackage],
    *,
    out: Path,
    env: Mapping[str, str],
) -> dict[str, str]:
    """Unpack each Debian package's binaries into ``out``; failures by binary name."""
    failed: dict[str, str] = {}
    for package in wanted:
        problem = packages.fetch_package(package, out=out, env=env)
        if problem is not None:
            logger.warning("optional %s not installed: %s", package.name, problem)
            failed.update(dict.fromkeys(package.binaries, problem))
    return failed


def _group(tools: tuple[Tool, ...]) -> list[list[Tool]]:
    """Tools of one wrapper module build in one ``go build`` (shared compilation)."""
    groups: dict[str, list[Tool]] = {}
    for tool in tools:
        groups.setdefault(tool.module_dir, []).append(tool)
    return list(groups.values())


def _copy_modules(source: Path, target: Path, *, extras: bool) -> Path:
    names = {t.module_dir for t in versions.CORE_TOOLS}
    if extras:
        names |= {t.module_dir for t in versions.EXTRA_TOOLS}
    for name in sorted(names):
        module = source / name
        if not (module / "go.mod").is_file():
            raise ToolchainError(f"{module}/go.mod is missing", hint="run testbed/generate")
        shutil.copytree(module, target / name, ignore=shutil.ignore_patterns(".*", "bin"))
    return target


def _install(out: Path, final: Path, work: Path) -> None:
    """Swap ``out`` into ``final`` with renames (same file system, atomic per step)."""
    if final.exists():
        final.rename(work / "previous")
    out.rename(final)


def _check_disk(root: Path) -> None:
    free = shutil.disk_usage(root).free
    if free < MIN_FREE_BYTES:
        raise ToolchainError(
            f"only {free // 1024**2} MiB free in {root}; the testbed build needs about 3 GiB",
            hint="free some space or set DORGU_TESTBED_CACHE to a roomier place",
        )


def last_error(tail: str) -> str:
    lines = [line for line in tail.splitlines() if line and not line.startswith("exit status")]
    return lines[-1].strip() if lines else "unknown error"
