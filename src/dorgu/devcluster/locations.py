"""Where the testbed keeps things: the binary cache, the Go sources, the `dorgu dev up` home.

Precedence for the binary cache: ``DORGU_TESTBED_CACHE`` > ``$XDG_CACHE_HOME/dorgu/testbed`` >
``~/.cache/dorgu/testbed``.  Binaries of one Kubernetes version live directly in
``<cache>/<version>/`` so that directory can also serve as ``KUBEBUILDER_ASSETS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ASSETS_ENV = "KUBEBUILDER_ASSETS"
CACHE_ENV = "DORGU_TESTBED_CACHE"
SOURCE_ENV = "DORGU_TESTBED_SRC"
HOME_ENV = "DORGU_DEV_HOME"


def cache_root(env: Mapping[str, str]) -> Path:
    """The directory holding one sub-directory per built Kubernetes version."""
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "dorgu" / "testbed"


def version_dir(env: Mapping[str, str], version: str) -> Path:
    """Where the binaries of ``version`` live once built."""
    return cache_root(env) / version


def assets_dir(env: Mapping[str, str]) -> Path | None:
    """``KUBEBUILDER_ASSETS`` when set: existing binaries, no build (envtest's convention)."""
    value = env.get(ASSETS_ENV)
    return Path(value).expanduser() if value else None


def source_dir(env: Mapping[str, str]) -> Path:
    """The ``testbed/`` directory holding the Go wrapper modules (a dorgu checkout)."""
    if env.get(SOURCE_ENV):
        return Path(env[SOURCE_ENV]).expanduser()
    return Path(__file__).resolve().parents[3] / "testbed"


def dev_home(env: Mapping[str, str]) -> Path:
    """Where ``dorgu dev up`` keeps its cluster (certs, logs, etcd data, state, kubeconfig)."""
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "dorgu" / "dev"


def current_env() -> dict[str, str]:
    """A snapshot of the process environment, for entry points to pass down."""
    return dict(os.environ)
