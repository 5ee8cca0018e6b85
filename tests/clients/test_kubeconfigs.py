"""Choosing a cluster: flags, KUBECONFIG lists, contexts, the in-cluster account, and errors."""

from pathlib import Path

import pytest
import yaml

from dorgu.clients import ConnectionOptions
from dorgu.clients.kubeconfigs import resolve_connection
from dorgu.errors import ClusterError


def _kubeconfig(path: Path, *, context: str, server: str, namespace: str | None = None) -> Path:
    ctx: dict[str, object] = {"cluster": context, "user": context}
    if namespace:
        ctx["namespace"] = namespace
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": context,
                "clusters": [{"name": context, "cluster": {"server": server}}],
                "users": [{"name": context, "user": {"token": "t"}}],
                "contexts": [{"name": context, "context": ctx}],
            }
        )
    )
    return path


def test_flag_wins_over_kubeconfig_variable(tmp_path: Path) -> None:
    flag = _kubeconfig(tmp_path / "a", context="a", server="https://a:6443")
    env = _kubeconfig(tmp_path / "b", context="b", server="https://b:6443")
    chosen = resolve_connection(
        ConnectionOptions(kubeconfig=flag), environ={"KUBECONFIG": str(env)}
    )
    assert chosen.server == "https://a:6443"
    assert chosen.namespace == "default"


def test_kubeconfig_list_is_merged_and_first_current_context_wins(tmp_path: Path) -> None:
    a = _kubeconfig(tmp_path / "a", context="a", server="https://a:6443", namespace="shop")
    b = _kubeconfig(tmp_path / "b", context="b", server="https://b:6443")
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{a}:{b}"}
    assert resolve_connection(ConnectionOptions(), environ=env).namespace == "shop"
    other = resolve_connection(ConnectionOptions(context="b"), environ=env)
    assert other.server == "https://b:6443"
    overridden = resolve_connection(ConnectionOptions(namespace="x"), environ=env)
    assert overridden.namespace == "x"


def test_unknown_context_lists_the_available_ones(tmp_path: Path) -> None:
    a = _kubeconfig(tmp_path / "a", context="a", server="https://a:6443")
    with pytest.raises(ClusterError, match=r"context 'nope' is not in .*available contexts: a"):
        resolve_connection(ConnectionOptions(kubeconfig=a, context="nope"), environ={})


def test_missing_kubeconfig_is_one_line_cluster_error(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="does not exist") as caught:
        resolve_connection(ConnectionOptions(kubeconfig=tmp_path / "nope"), environ={})
    assert caught.value.exit_code == 6
    with pytest.raises(ClusterError, match="no kubeconfig found"):
        resolve_connection(ConnectionOptions(), environ={"HOME": str(tmp_path)})


def test_in_cluster_account_is_used_without_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("secret-token")
    (tmp_path / "namespace").write_text("dorgu-system")
    (tmp_path / "ca.crt").write_text("")
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    chosen = resolve_connection(ConnectionOptions(), environ=env, service_account=tmp_path)
    assert chosen.server == "https://10.0.0.1:443"
    assert chosen.namespace == "dorgu-system"


def test_malformed_kubeconfig_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("clusters: [unclosed")
    with pytest.raises(ClusterError, match="not valid YAML"):
        resolve_connection(ConnectionOptions(kubeconfig=bad), environ={})
