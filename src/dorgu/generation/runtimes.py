"""What well-known images need to run hardened: their non-root uid, the paths they write to,
and environment that makes them work on a fresh volume.

Keyed by the catalog kind (``postgres``) the service layer resolved, or by the image's USER.
Must not recognise images: the analysis catalog does that; this only says how to run them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Runtime:
    uid: int
    alpine_uid: int | None = None  # when the alpine variant uses another uid
    writable: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=())  # {data} = the first volume target

    def uid_for(self, image: str) -> int:
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
        if self.alpine_uid is not None and "alpine" in tag:
            return self.alpine_uid
        return self.uid


BACKING_RUNTIMES: dict[str, Runtime] = {
    "postgres": Runtime(
        999,
        alpine_uid=70,
        writable=("/var/run/postgresql",),
        env=(("PGDATA", "{data}/pgdata"),),
    ),
    "redis": Runtime(999),
    "mysql": Runtime(999, writable=("/var/run/mysqld", "/var/lib/mysql-files")),
    "mariadb": Runtime(999, writable=("/run/mysqld",)),
    "mongodb": Runtime(999, writable=("/data/configdb",)),
    "rabbitmq": Runtime(999, alpine_uid=100),
    "memcached": Runtime(11211),
}

# Image USER names whose uid is fixed by the image (so runAsUser can be set).
KNOWN_USERS: dict[str, int] = {
    "nonroot": 65532,  # distroless, chainguard
    "node": 1000,  # official node images
    "www-data": 33,  # debian-based php, nginx, apache
    "nobody": 65534,
    "$APP_UID": 1654,  # mcr.microsoft.com/dotnet images >= 8
    "${APP_UID}": 1654,
}

# Paths frameworks write to at run time, by framework, then by language.
FRAMEWORK_WRITABLE: dict[str, tuple[str, ...]] = {
    "nextjs": ("{workdir}/.next/cache",),
    "rails": ("{workdir}/tmp", "{workdir}/log"),
    "django": (),
    "laravel": ("{workdir}/storage", "{workdir}/bootstrap/cache"),
    "symfony": ("{workdir}/var",),
    "phoenix": (),
    "aspnetcore": (),
}
BASE_IMAGE_WRITABLE: dict[str, tuple[str, ...]] = {
    "apache": ("/var/run/apache2", "/var/lock/apache2", "/var/log/apache2"),
    "nginx": ("/var/cache/nginx", "/var/run"),
    "httpd": ("/usr/local/apache2/logs",),  # the official image's ServerRoot: httpd.pid
}
# Directories an image's entrypoint renders mounted templates into (mounted dir -> output dir).
TEMPLATE_OUTPUTS: dict[str, str] = {"/etc/nginx/templates": "/etc/nginx/conf.d"}
