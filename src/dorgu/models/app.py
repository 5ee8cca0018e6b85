"""The application model: what dorgu understands about an app, independent of any manifest.

``AppModel`` is the output of analysis and the input of generation.  Every inferred value has an
``Evidence`` entry (see ``evidence.py``) keyed by its dotted field path.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from dorgu.models.evidence import Diagnostic, Evidence, Location


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class AppType(StrEnum):
    API = "api"
    WEB = "web"
    WORKER = "worker"
    CRON = "cron"
    DAEMON = "daemon"


class DependencyType(StrEnum):
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    SERVICE = "service"
    EXTERNAL = "external"


class Protocol(StrEnum):
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


class Port(_Frozen):
    """A container port.  ``published`` is the host-side port from compose, if any."""

    number: int = Field(ge=1, le=65535)
    protocol: Protocol = Protocol.TCP
    name: str | None = None
    purpose: str | None = None  # http, grpc, metrics, db, ...
    published: int | None = None
    location: Location | None = None


class EnvVar(_Frozen):
    """An environment variable.  ``value`` is None when unset or when it looks secret.

    Secret-looking values are never stored: ``secret`` is True and ``value`` is None.
    """

    name: str
    value: str | None = None
    secret: bool = False
    from_file: str | None = None  # env_file that supplied it
    location: Location | None = None


class HealthCheck(_Frozen):
    """A container health check (Dockerfile HEALTHCHECK or compose healthcheck)."""

    test: tuple[str, ...] = ()  # exec form; shell form is ("/bin/sh", "-c", cmd)
    disabled: bool = False
    interval_seconds: float | None = None
    timeout_seconds: float | None = None
    start_period_seconds: float | None = None
    retries: int | None = None
    http_path: str | None = None  # when the test is a recognisable curl/wget of localhost
    http_port: int | None = None
    location: Location | None = None


class EndpointKind(StrEnum):
    HEALTH = "health"
    LIVENESS = "liveness"
    READINESS = "readiness"
    STARTUP = "startup"
    METRICS = "metrics"


class Endpoint(_Frozen):
    """A well-known operational endpoint found in a real route definition or framework config."""

    kind: EndpointKind
    path: str
    port: int | None = None
    location: Location | None = None


class RouteParam(_Frozen):
    name: str
    location: str = "path"  # path | query | header | cookie | body
    required: bool = True
    type: str | None = None


class Route(_Frozen):
    """One HTTP operation of the app's API surface."""

    method: str  # upper-case; "ANY" when the framework does not restrict it
    path: str  # normalised to OpenAPI style: /orders/{id}
    params: tuple[RouteParam, ...] = ()
    summary: str | None = None
    operation_id: str | None = None
    source: str = "code"  # code | openapi
    location: Location | None = None


class Dependency(_Frozen):
    """Something the app talks to.  ``kind`` is the technology (postgres, redis, kafka, ...)."""

    name: str
    type: DependencyType
    kind: str | None = None
    required: bool = True
    external: bool = False  # provided outside the cluster; not generated
    component: str | None = None  # the compose service that provides it, if any
    via: str | None = None  # driver / env / compose / config
    location: Location | None = None
    port: int | None = None  # the port it is reached on, when known (a proxy upstream)


class Connection(_Frozen):
    """An address this component connects to: another component, on a port (None when the
    address names no port and none is known).  ``via`` is the variable or config key that holds
    the address; the value itself is never stored."""

    component: str
    port: int | None = Field(default=None, ge=1, le=65535)
    scheme: str | None = None  # postgres, http, redis, ... as written (JDBC: the sub-protocol)
    via: str
    location: Location | None = None


class VolumeKind(StrEnum):
    NAMED = "named"
    BIND = "bind"
    TMPFS = "tmpfs"
    ANONYMOUS = "anonymous"


class Volume(_Frozen):
    target: str
    kind: VolumeKind = VolumeKind.ANONYMOUS
    source: str | None = None
    read_only: bool = False


class Build(_Frozen):
    """How the component's image is built.  Paths are relative to the app root, POSIX style."""

    context: str = "."
    dockerfile: str | None = None
    target: str | None = None
    args: tuple[tuple[str, str], ...] = ()


class SecurityHints(_Frozen):
    """Security-relevant facts from Dockerfile USER and compose settings."""

    user: str | None = None  # as written: name, uid, or uid:gid
    uid: int | None = None
    gid: int | None = None
    runs_as_root: bool | None = None  # None when unknown
    read_only: bool | None = None
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()


class ResourceHints(_Frozen):
    """Resource figures as Kubernetes quantity strings (``250m``, ``512Mi``)."""

    cpu_request: str | None = None
    memory_request: str | None = None
    cpu_limit: str | None = None
    memory_limit: str | None = None


class ComponentKind(StrEnum):
    APP = "app"  # built from source in this repo
    BACKING = "backing"  # image-only well-known service (postgres, redis, ...)
    IMAGE = "image"  # image-only service that is not a well-known backing service


class GrpcMethod(_Frozen):
    """One rpc of a gRPC service, as its .proto file declares it."""

    name: str
    input_type: str | None = None
    output_type: str | None = None
    client_streaming: bool = False
    server_streaming: bool = False


class GrpcService(_Frozen):
    """A gRPC service the component serves: ``name`` is fully qualified (``pkg.Service``)."""

    name: str
    methods: tuple[GrpcMethod, ...] = ()
    location: Location | None = None  # the .proto declaration, or the registration call


class GrpcServer(_Frozen):
    """The component serves gRPC (alongside ``framework``, which names any HTTP framework).

    ``health`` is True when the standard ``grpc.health.v1.Health`` service is registered, so
    the native Kubernetes ``grpc`` probe works; ``port`` is the listen port when the code says.
    """

    services: tuple[GrpcService, ...] = ()
    health: bool = False
    port: int | None = None
    location: Location | None = None  # the server registration that proved it


class FrontendMode(StrEnum):
    STATIC = "static"  # built files served by a web server (nginx, caddy, httpd)
    SSR = "ssr"  # a Node server renders pages (next start, nuxt, ...)
    DEV = "dev"  # a development server (vite, ng serve, react-scripts start): not production


class Frontend(_Frozen):
    """How a browser frontend (SPA or static site) is built and served."""

    framework: str  # react | vue | angular | svelte | nextjs | nuxt
    bundler: str | None = None  # vite | angular-cli | react-scripts | next | nuxt | sveltekit
    mode: FrontendMode = FrontendMode.STATIC
    output_dir: str | None = None  # dist | build | out, as the build writes it
    server: str | None = None  # nginx | caddy | httpd, when static files are served
    location: Location | None = None


class Component(_Frozen):
    """One deployable unit: a compose service, or the single app in a directory."""

    name: str
    kind: ComponentKind = ComponentKind.APP
    path: str = "."  # app root relative to the analysed root
    type: AppType | None = None
    language: str | None = None
    language_version: str | None = None
    framework: str | None = None
    build_tool: str | None = None
    description: str | None = None
    image: str | None = None
    base_image: str | None = None
    build: Build | None = None
    ports: tuple[Port, ...] = ()
    env: tuple[EnvVar, ...] = ()
    config_keys: tuple[str, ...] = ()  # env var names the code reads (never values)
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    workdir: str | None = None
    healthcheck: HealthCheck | None = None
    endpoints: tuple[Endpoint, ...] = ()
    routes: tuple[Route, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    depends_on: tuple[str, ...] = ()  # compose service names
    volumes: tuple[Volume, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    security: SecurityHints = SecurityHints()
    resources: ResourceHints = ResourceHints()
    replicas: int | None = None
    stop_signal: str | None = None
    profiles: tuple[str, ...] = ()
    configs: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    grpc: GrpcServer | None = None
    frontend: Frontend | None = None
    connections: tuple[Connection, ...] = ()  # other components this one connects to
    run_once: bool | None = None  # True: runs to completion (migration, seeder): a Job
    dev_server: str | None = None  # the development server it runs (flask run, nodemon, ...)


class AppModel(BaseModel):
    """Everything dorgu knows about the app(s) under one path."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    name: str
    root: str  # as given by the user, for display only
    description: str | None = None
    components: list[Component] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    def component(self, name: str) -> Component:
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)
