"""Stock server images: which server an image (or a Dockerfile's base image) runs, where it
reads its configuration, and what it does when nothing configures it.

Must not: parse configurations or look at anything but the image reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ServerImage:
    """A server image.  ``main`` are the container paths of its main configuration file(s);
    ``extra`` the globs it reads when the main file is the image's own (``conf.d/*.conf``);
    ``templates`` the globs it renders with the environment into ``conf.d`` at start."""

    server: str  # nginx, apache, caddy, traefik, haproxy, envoy, tomcat, ...
    port: int | None  # the port the image listens on with its own configuration
    root: str | None = None  # the static root of its own configuration
    main: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    uid: int | None = None  # the non-root uid the image runs as (or supports)
    purpose: str = "http"
    server_root: str | None = None  # Apache ServerRoot
    own_site: str | None = None  # the image's own site file, listening on ``port``


# The image's own nginx.conf includes conf.d/*.conf only (not sites-enabled, a Debian habit).
_NGINX_EXTRA = ("/etc/nginx/conf.d/*.conf",)
_NGINX = ServerImage(
    "nginx",
    80,
    "/usr/share/nginx/html",
    main=("/etc/nginx/nginx.conf",),
    extra=_NGINX_EXTRA,
    templates=("/etc/nginx/templates/*.template",),
    uid=101,
    own_site="/etc/nginx/conf.d/default.conf",
)
_APACHE_DEBIAN = ServerImage(
    "apache",
    80,
    "/var/www/html",
    main=("/etc/apache2/apache2.conf",),
    extra=(
        "/etc/apache2/ports.conf",
        "/etc/apache2/sites-enabled/*.conf",
        "/etc/apache2/sites-available/000-default.conf",
        "/etc/apache2/conf-enabled/*.conf",
    ),
    uid=33,
    server_root="/etc/apache2",
)
_BY_NAME: dict[str, ServerImage] = {
    "nginx": _NGINX,
    "openresty": ServerImage(
        "nginx",
        80,
        "/usr/local/openresty/nginx/html",
        main=("/usr/local/openresty/nginx/conf/nginx.conf",),
        extra=_NGINX_EXTRA,
    ),
    "nginx-unprivileged": replace(_NGINX, port=8080),
    "bitnami/nginx": ServerImage(
        "nginx",
        8080,
        "/app",
        main=("/opt/bitnami/nginx/conf/nginx.conf",),
        extra=("/opt/bitnami/nginx/conf/server_blocks/*.conf",),
        uid=1001,
    ),
    "httpd": ServerImage(
        "apache",
        80,
        "/usr/local/apache2/htdocs",
        main=("/usr/local/apache2/conf/httpd.conf",),
        extra=("/usr/local/apache2/conf/extra/*.conf",),
        server_root="/usr/local/apache2",
    ),
    "apache2": _APACHE_DEBIAN,
    "bitnami/apache": ServerImage(
        "apache",
        8080,
        "/app",
        main=("/opt/bitnami/apache/conf/httpd.conf",),
        extra=("/opt/bitnami/apache/conf/vhosts/*.conf",),
        uid=1001,
        server_root="/opt/bitnami/apache",
    ),
    "caddy": ServerImage("caddy", 80, "/usr/share/caddy", main=("/etc/caddy/Caddyfile",)),
    "traefik": ServerImage(
        "traefik",
        80,
        main=(
            "/etc/traefik/traefik.yml",
            "/etc/traefik/traefik.yaml",
            "/etc/traefik/traefik.toml",
            "/traefik.yml",
            "/traefik.yaml",
            "/traefik.toml",
        ),
        extra=("/etc/traefik/dynamic/*", "/etc/traefik/conf.d/*"),
    ),
    "haproxy": ServerImage(
        "haproxy",
        None,
        main=("/usr/local/etc/haproxy/haproxy.cfg", "/etc/haproxy/haproxy.cfg"),
        uid=99,
    ),
    "envoy": ServerImage("envoy", 10000, main=("/etc/envoy/envoy.yaml", "/etc/envoy/envoy.json")),
    "tomcat": ServerImage("tomcat", 8080, "/usr/local/tomcat/webapps"),
    "jetty": ServerImage("jetty", 8080, "/var/lib/jetty/webapps", uid=999),
    "wildfly": ServerImage("wildfly", 8080, uid=1000),
    "php-fpm": ServerImage("php-fpm", 9000, "/var/www/html", uid=33, purpose="fastcgi"),
}


def _split(image: str) -> tuple[str, str, str]:
    """``docker.io/bitnami/nginx:1.25`` -> (``bitnami``, ``nginx``, ``1.25``)."""
    ref = image.strip().split("@", 1)[0].lower()
    last = ref.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    path = ref[: len(ref) - len(tag) - 1] if tag else ref
    parts = path.split("/")
    namespace = parts[-2] if len(parts) >= 2 else ""
    return namespace, parts[-1], tag


def server_for_image(image: str | None) -> ServerImage | None:
    """The stock server ``image`` runs, or None (``php:8.3-apache`` -> Apache on 80)."""
    if not image:
        return None
    namespace, name, tag = _split(image)
    if f"{namespace}/{name}" in _BY_NAME:
        return _BY_NAME[f"{namespace}/{name}"]
    if name == "php":
        if "apache" in tag:
            return _APACHE_DEBIAN
        if "fpm" in tag:
            return _BY_NAME["php-fpm"]
        return None
    if name.startswith("envoy") and namespace in ("envoyproxy", ""):
        return _BY_NAME["envoy"]
    if name.startswith("haproxy"):
        return _BY_NAME["haproxy"]
    return _BY_NAME.get(name)
