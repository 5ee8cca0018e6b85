"""Choosing the cluster to talk to: ``--kubeconfig``, ``--context`` and ``--namespace`` flags,
the ``KUBECONFIG`` variable (a ``:``-separated list, merged as kubectl does: the first file that
sets a name wins), the in-cluster service account, then ``~/.kube/config``.

Must not open connections or talk to the API server (``kube.py`` does), and must not print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from lightkube.config.kubeconfig import SERVICE_ACCOUNT, KubeConfig, SingleConfig
from lightkube.config.models import Cluster, User
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from dorgu.clients.kube import ConnectionOptions
from dorgu.errors import ClusterError

DEFAULT_KUBECONFIG = Path("~/.kube/config")


@dataclass(frozen=True)
class ResolvedConnection:
    """A chosen context: the lightkube config, the server URL and the default namespace."""

    config: SingleConfig
    server: str
    namespace: str
    source: str  # where the configuration came from, for messages


def resolve_connection(
    options: ConnectionOptions,
    *,
    environ: Mapping[str, str] | None = None,
    service_account: Path = Path(SERVICE_ACCOUNT),
) -> ResolvedConnection:
    """The context to use; ``ClusterError`` (one line) when none can be found."""
    env = os.environ if environ is None else environ
    kubeconfig, source = _load(options, env, service_account)
    try:
        single = kubeconfig.get(options.context)
    except (LightkubeConfigError, KeyError) as error:
        contexts = ", ".join(sorted(kubeconfig.contexts)) or "none"
        if options.context is None:
            raise ClusterError(
                f"{source} has no current context",
                hint=f"pass --context (available: {contexts})",
            ) from error
        raise ClusterError(
            f"context {options.context!r} is not in {source}",
            hint=f"available contexts: {contexts}",
        ) from error
    assert single is not None
    namespace = options.namespace or single.namespace
    return ResolvedConnection(
        config=single, server=single.cluster.server, namespace=namespace, source=source
    )


def _load(
    options: ConnectionOptions, env: Mapping[str, str], service_account: Path
) -> tuple[KubeConfig, str]:
    if options.kubeconfig is not None:
        return _from_files([options.kubeconfig], flag=True), str(options.kubeconfig)
    listed = [Path(p) for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        return _from_files(listed, flag=False), "KUBECONFIG=" + env["KUBECONFIG"]
    if env.get("KUBERNETES_SERVICE_HOST") and (service_account / "token").is_file():
        return _in_cluster(env, service_account), "the in-cluster account"
    default = Path(env.get("HOME") or Path.home()) / ".kube" / "config"
    if default.is_file():
        return _from_files([default], flag=False), str(DEFAULT_KUBECONFIG)
    raise ClusterError(
        "no kubeconfig found (no --kubeconfig, KUBECONFIG, in-cluster account or ~/.kube/config)",
        hint="pass --kubeconfig or set KUBECONFIG",
    )


def _in_cluster(env: Mapping[str, str], account: Path) -> KubeConfig:
    """The pod's service account (what lightkube's ``from_service_account`` does, with the
    environment passed in)."""
    host, port = env["KUBERNETES_SERVICE_HOST"], env.get("KUBERNETES_SERVICE_PORT", "443")
    host = f"[{host}]" if ":" in host else host
    try:
        namespace = (account / "namespace").read_text(encoding="utf-8").strip()
    except OSError:
        namespace = "default"
    token_file = str(account / "token")
    return KubeConfig.from_one(
        cluster=Cluster(server=f"https://{host}:{port}", certificate_auth=str(account / "ca.crt")),
        user=User(token_file=token_file),
        namespace=namespace,
    )


def _from_files(paths: list[Path], *, flag: bool) -> KubeConfig:
    """Merge kubeconfig files: clusters, contexts and users by name, first file wins."""
    merged: dict[str, dict[str, object]] = {"clusters": {}, "contexts": {}, "users": {}}
    current: str | None = None
    first: Path | None = None
    for path in paths:
        document = _read(path.expanduser(), required=flag or len(paths) == 1)
        if document is None:
            continue
        first = first or path.expanduser().resolve()
        if current is None and isinstance(document.get("current-context"), str):
            current = str(document["current-context"]) or None
        for section, entries in merged.items():
            listed = document.get(section)
            for entry in listed if isinstance(listed, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    entries.setdefault(entry["name"], entry)
    data = {"current-context": current, **{k: list(v.values()) for k, v in merged.items()}}
    try:
        return KubeConfig.from_dict(data, fname=first)
    except (LightkubeConfigError, KeyError, TypeError, ValueError) as error:
        raise ClusterError(f"invalid kubeconfig {paths[0]}: {error}") from error


def _read(path: Path, *, required: bool) -> dict[str, object] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ClusterError(f"kubeconfig {path} does not exist") from None
        return None
    except OSError as error:
        raise ClusterError(f"cannot read kubeconfig {path}: {error.strerror}") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ClusterError(f"kubeconfig {path} is not valid YAML: {error}") from error
    if document is None:
        return None
    if not isinstance(document, dict):
        raise ClusterError(f"kubeconfig {path} is not a mapping")
    return document
