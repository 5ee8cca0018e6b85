"""The cluster the operator talks to: a kubeconfig (flag, ``KUBECONFIG``, ``~/.kube/config``)
or the in-cluster service account, and the two views of it the operator needs (an httpx client
for ``api`` and kopf's connection info).

Must not issue API requests.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import httpx
from lightkube.config import client_adapter
from lightkube.config.kubeconfig import KubeConfig, SingleConfig
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from dorgu.errors import ClusterError


class _Bearer(httpx.Auth):
    """A bearer token read on every request (service-account tokens rotate)."""

    def __init__(self, read: Callable[[], str]) -> None:
        self.read = read

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.read()}"
        yield request


@dataclass(frozen=True)
class Connection:
    config: SingleConfig

    @property
    def server(self) -> str:
        return self.config.cluster.server

    def http_client(self, *, timeout: float = 10.0) -> httpx.AsyncClient:
        """An httpx client with the context's TLS and credentials (watch reads never time out)."""
        cluster, user = self.config.cluster, self.config.user
        if user is not None and (user.exec is not None or user.auth_provider is not None):
            raise ClusterError(
                f"context {self.config.context_name!r} authenticates with an exec or auth "
                "plugin, which the operator cannot use",
                hint="use a kubeconfig with a client certificate or a token",
            )
        verify: ssl.SSLContext | bool = True
        if user is not None:
            verify = client_adapter.verify_cluster(
                cluster, user, self.config.abs_file, trust_env=False
            )
        elif cluster.insecure:
            verify = False
        auth: httpx.Auth | None = None
        if user is not None and user.token:
            auth = _Bearer(lambda: user.token or "")
        elif user is not None and user.token_file:
            path = Path(self.config.abs_file(user.token_file))
            auth = _Bearer(lambda: path.read_text(encoding="utf-8").strip())
        elif user is not None and user.username:
            auth = httpx.BasicAuth(user.username, user.password or "")
        return httpx.AsyncClient(
            base_url=cluster.server,
            verify=verify,
            auth=auth,
            timeout=httpx.Timeout(timeout, read=None),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            trust_env=False,
        )

    def kopf_fields(self) -> dict[str, object]:
        """Keyword arguments of ``kopf.ConnectionInfo`` for this context."""
        cluster, user = self.config.cluster, self.config.user
        fields: dict[str, object] = {
            "server": cluster.server,
            "insecure": cluster.insecure or None,
            "default_namespace": self.config.namespace,
        }
        if cluster.certificate_auth:
            fields["ca_path"] = str(self.config.abs_file(cluster.certificate_auth))
        elif cluster.certificate_auth_data:
            fields["ca_data"] = cluster.certificate_auth_data
        if user is None:
            return fields
        if user.exec is not None or user.auth_provider is not None:
            raise ClusterError(
                f"context {self.config.context_name!r} authenticates with an exec or auth "
                "plugin, which the operator cannot use",
                hint="use a kubeconfig with a client certificate or a token",
            )
        if user.client_cert:
            fields["certificate_path"] = str(self.config.abs_file(user.client_cert))
        elif user.client_cert_data:
            fields["certificate_data"] = user.client_cert_data
        if user.client_key:
            fields["private_key_path"] = str(self.config.abs_file(user.client_key))
        elif user.client_key_data:
            fields["private_key_data"] = user.client_key_data
        token = user.token
        if token is None and user.token_file:
            token = Path(self.config.abs_file(user.token_file)).read_text(encoding="utf-8").strip()
        if token:
            fields["token"] = token
        if user.username:
            fields["username"], fields["password"] = user.username, user.password
        return fields


def connect(*, kubeconfig: Path | None = None, context: str | None = None) -> Connection:
    """The chosen context; ``kubeconfig`` None: ``KUBECONFIG``, in-cluster, ``~/.kube/config``."""
    try:
        if kubeconfig is not None:
            config = KubeConfig.from_file(kubeconfig)
        elif os.environ.get("KUBECONFIG"):
            config = KubeConfig.from_file(os.environ["KUBECONFIG"].split(os.pathsep)[0])
        else:
            config = KubeConfig.from_env()
        chosen = config.get(context_name=context)
        if chosen is None:
            raise KeyError(context or "current-context")
        return Connection(chosen)
    except (LightkubeConfigError, OSError, KeyError, ValueError) as error:
        where = str(kubeconfig) if kubeconfig else "the default kubeconfig"
        raise ClusterError(
            f"cannot use {where}" + (f" (context {context!r})" if context else "") + f": {error}",
            hint="pass --kubeconfig/--context, or run inside a cluster",
        ) from error
