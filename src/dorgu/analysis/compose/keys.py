"""The keys the Compose Specification defines, and diagnostics for the ones it does not.

Must not: reject anything (unknown keys are warnings with a nearest-key suggestion) or treat
``x-`` extension keys as unknown.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from dorgu.analysis.compose.notes import Notes
from dorgu.models.evidence import Location

TOP_LEVEL_KEYS = frozenset(
    {"version", "name", "services", "networks", "volumes", "configs", "secrets", "include"}
    | {"models"}
)

SERVICE_KEYS = frozenset(
    [
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "driver_opts",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "label_file",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "models",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "provider",
        "pull_policy",
        "pull_refresh_after",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "use_api_socket",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    ]
)


def check_keys(
    keys: Iterable[str],
    known: frozenset[str],
    *,
    what: str,
    locate: Callable[[str], Location],
    notes: Notes,
) -> None:
    """Warn about every key of ``keys`` that is neither known nor an ``x-`` extension."""
    for key in keys:
        if key in known or key.startswith("x-"):
            continue
        message = f"unknown {what} key {key!r}"
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        notes.add("compose.unknown-key", message, locate(key))
