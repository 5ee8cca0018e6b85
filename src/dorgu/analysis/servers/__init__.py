"""Web servers and proxies (nginx, Apache httpd, Caddy, Traefik, HAProxy, Envoy): one pure
parser per server (``nginx``, ``apache``, ``caddy``, ``haproxy``, ``envoy``, ``traefik``) giving a
``ServerConfig`` (listen ports, upstreams, static roots, health paths), ``including`` for
bounded includes inside the tree, ``templating`` for environment variables, ``images`` for
which image runs which server, and ``applying`` for the pass that puts it all into the model.

Other analysers use ``parse_server_config`` (one text in, a ``ServerConfig`` out).
Must not: open files, read the environment, or resolve names over the network.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from dorgu.analysis.servers.applying import apply_servers, server_image_of
from dorgu.analysis.servers.configs import (
    HealthPath,
    Listen,
    ServerConfig,
    StaticRoot,
    Upstream,
)
from dorgu.analysis.servers.images import ServerImage, server_for_image
from dorgu.models.patterns import LazyPattern

if TYPE_CHECKING:
    from dorgu.analysis.servers.reading import parse_server_config

_CONFIG_NAMES = LazyPattern(
    r"^(caddyfile(\..*)?|.*\.(conf|cfg|template|tmpl|vhost)|default|"
    r".*(nginx|httpd|apache|caddy|haproxy|envoy|traefik|proxy).*\.(ya?ml|json|toml))$",
    re.IGNORECASE,
)


_CONFIG_DIRS = LazyPattern(r"(^|/)(nginx|httpd|apache2?|caddy|haproxy|envoy|traefik|proxy)[^/]*/")


def is_server_config(path: str) -> bool:
    """Files worth loading because a server may read them: nginx.conf, Caddyfile, haproxy.cfg,
    ``*.conf``/``*.template``, and YAML/TOML named for a server or in a server's folder."""
    if _CONFIG_NAMES.match(posixpath.basename(path)):
        return True
    return bool(_CONFIG_DIRS.search(path)) and path.endswith((".yaml", ".yml", ".toml", ".json"))


def __getattr__(name: str) -> object:
    """``parse_server_config`` imports every parser, so it loads on first use (startup time)."""
    if name == "parse_server_config":
        from dorgu.analysis.servers.reading import parse_server_config

        return parse_server_config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "HealthPath",
    "Listen",
    "ServerConfig",
    "ServerImage",
    "StaticRoot",
    "Upstream",
    "apply_servers",
    "is_server_config",
    "parse_server_config",
    "server_for_image",
    "server_image_of",
]
