"""Well-known backing services: image names, dependency types and default ports.

One table serves compose (image ``postgres:16`` -> database) and the language analysers
(driver ``psycopg`` -> kind ``postgres`` -> database).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dorgu.models.app import DependencyType


@dataclass(frozen=True)
class Backing:
    """A well-known image: what it is (``kind``, dependency ``type``), its main ``port``, the
    repository basenames that identify it, and how it runs: where it keeps data, how to check
    its health (an exec ``health`` command, or an HTTP ``http_health`` path on
    ``health_port``, default ``port``), the non-root ``uid`` it supports and other ports it
    serves (``extra_ports``)."""

    kind: str
    type: DependencyType
    port: int | None
    images: tuple[str, ...]  # repository basenames that identify it
    data_path: str | None = None
    health: tuple[str, ...] = ()
    http_health: str | None = None
    health_port: int | None = None
    uid: int | None = None
    extra_ports: tuple[int, ...] = ()


_D, _C, _Q, _E = (
    DependencyType.DATABASE,
    DependencyType.CACHE,
    DependencyType.QUEUE,
    DependencyType.EXTERNAL,
)
_PG = ("postgres", "postgresql", "postgis", "timescaledb", "timescaledb-ha", "pgvector")
_REDIS = ("redis", "redis-stack", "redis-stack-server", "valkey", "keydb", "dragonfly")
_KAFKA = ("kafka", "cp-kafka", "cp-server", "kafka-native", "redpanda", "kafka-kraft")

BACKINGS: tuple[Backing, ...] = (
    Backing(
        "postgres",
        _D,
        5432,
        (*_PG, "supabase-postgres"),
        data_path="/var/lib/postgresql/data",
        health=("pg_isready", "-h", "127.0.0.1"),
        uid=999,
    ),
    Backing(
        "mysql",
        _D,
        3306,
        ("mysql", "mysql-server", "percona", "percona-server"),
        data_path="/var/lib/mysql",
        health=("mysqladmin", "ping", "-h", "127.0.0.1"),
        uid=999,
    ),
    Backing(
        "mariadb",
        _D,
        3306,
        ("mariadb",),
        data_path="/var/lib/mysql",
        health=("healthcheck.sh", "--connect", "--innodb_initialized"),
        uid=999,
    ),
    Backing(
        "mongodb",
        _D,
        27017,
        ("mongo", "mongodb", "mongodb-community-server", "percona-server-mongodb"),
        data_path="/data/db",
        health=("mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"),
        uid=999,
    ),
    Backing(
        "cassandra",
        _D,
        9042,
        ("cassandra", "scylla"),
        data_path="/var/lib/cassandra",
        uid=999,
    ),
    Backing(
        "cockroachdb",
        _D,
        26257,
        ("cockroach", "cockroachdb"),
        data_path="/cockroach/cockroach-data",
        http_health="/health?ready=1",
        health_port=8080,
    ),
    Backing("mssql", _D, 1433, ("mssql-server", "mssql"), data_path="/var/opt/mssql", uid=10001),
    Backing(
        "clickhouse",
        _D,
        8123,
        ("clickhouse-server", "clickhouse"),
        data_path="/var/lib/clickhouse",
        http_health="/ping",
        uid=101,
        extra_ports=(9000,),
    ),
    Backing("couchdb", _D, 5984, ("couchdb",), data_path="/opt/couchdb/data", http_health="/_up"),
    Backing(
        "neo4j",
        _D,
        7687,
        ("neo4j",),
        data_path="/data",
        http_health="/",
        health_port=7474,
        uid=7474,
    ),
    Backing(
        "influxdb",
        _D,
        8086,
        ("influxdb",),
        data_path="/var/lib/influxdb2",
        http_health="/health",
        uid=1000,
    ),
    Backing("sqlite", _D, None, ()),
    Backing("dynamodb", _D, 8000, ("dynamodb-local",)),
    Backing("redis", _C, 6379, _REDIS, data_path="/data", health=("redis-cli", "ping"), uid=999),
    Backing("memcached", _C, 11211, ("memcached",), uid=11211),
    Backing(
        "rabbitmq",
        _Q,
        5672,
        ("rabbitmq",),
        data_path="/var/lib/rabbitmq",
        health=("rabbitmq-diagnostics", "-q", "ping"),
        uid=999,
    ),
    Backing("kafka", _Q, 9092, _KAFKA, data_path="/var/lib/kafka/data", uid=1000),
    Backing(
        "zookeeper",
        _Q,
        2181,
        ("zookeeper", "cp-zookeeper"),
        data_path="/data",
        health=("zkServer.sh", "status"),
        uid=1000,
    ),
    Backing(
        "nats",
        _Q,
        4222,
        ("nats", "nats-streaming"),
        http_health="/healthz",
        health_port=8222,
        extra_ports=(8222,),
    ),
    Backing(
        "activemq",
        _Q,
        61616,
        ("activemq", "activemq-artemis", "artemis", "activemq-classic"),
        extra_ports=(8161,),
    ),
    Backing(
        "pulsar", _Q, 6650, ("pulsar",), http_health="/admin/v2/brokers/health", health_port=8080
    ),
    Backing(
        "sqs",
        _Q,
        None,
        ("elasticmq", "localstack"),
        http_health="/_localstack/health",
        health_port=4566,
    ),
    Backing(
        "elasticsearch",
        _D,
        9200,
        ("elasticsearch",),
        data_path="/usr/share/elasticsearch/data",
        http_health="/_cluster/health",
        uid=1000,
        extra_ports=(9300,),
    ),
    Backing(
        "opensearch",
        _D,
        9200,
        ("opensearch",),
        data_path="/usr/share/opensearch/data",
        uid=1000,
        extra_ports=(9600,),
    ),
    Backing(
        "minio",
        _E,
        9000,
        ("minio",),
        data_path="/data",
        http_health="/minio/health/live",
    ),
    Backing("s3", _E, None, ()),
    Backing("etcd", _D, 2379, ("etcd",), data_path="/default.etcd", http_health="/health"),
    Backing(
        "consul", _E, 8500, ("consul",), data_path="/consul/data", http_health="/v1/status/leader"
    ),
    Backing("vault", _E, 8200, ("vault",), http_health="/v1/sys/health", uid=100),
    Backing("keycloak", _E, 8080, ("keycloak",), http_health="/realms/master", uid=1000),
    Backing(
        "mailhog", _E, 1025, ("mailhog",), http_health="/", health_port=8025, extra_ports=(8025,)
    ),
    Backing(
        "mailpit",
        _E,
        1025,
        ("mailpit",),
        http_health="/livez",
        health_port=8025,
        extra_ports=(8025,),
    ),
    Backing(
        "jaeger",
        _E,
        4317,
        ("all-in-one", "jaeger"),
        http_health="/",
        health_port=14269,
        uid=10001,
        extra_ports=(4318, 16686),
    ),
    Backing("zipkin", _E, 9411, ("zipkin", "zipkin-slim"), http_health="/health"),
    Backing(
        "otel-collector",
        _E,
        4317,
        (
            "opentelemetry-collector",
            "opentelemetry-collector-contrib",
            "opentelemetry-collector-k8s",
        ),
        http_health="/",
        health_port=13133,
        uid=10001,
        extra_ports=(4318,),
    ),
    Backing(
        "prometheus",
        _E,
        9090,
        ("prometheus",),
        data_path="/prometheus",
        http_health="/-/ready",
        uid=65534,
    ),
    Backing("alertmanager", _E, 9093, ("alertmanager",), http_health="/-/healthy", uid=65534),
    Backing(
        "grafana",
        _E,
        3000,
        ("grafana", "grafana-oss", "grafana-enterprise"),
        data_path="/var/lib/grafana",
        http_health="/api/health",
        uid=472,
    ),
    Backing("loki", _E, 3100, ("loki",), data_path="/loki", http_health="/ready", uid=10001),
    Backing("tempo", _E, 3200, ("tempo",), data_path="/var/tempo", http_health="/ready", uid=10001),
    Backing("kibana", _E, 5601, ("kibana",), http_health="/api/status", uid=1000),
)

# Images published under one namespace run differently from the official ones.
_NAMESPACE_UID = {"bitnami": 1001, "bitnamilegacy": 1001}
# Images that serve an engine under another name but run it differently.
_VARIANTS: dict[str, dict[str, object]] = {
    "timescaledb": {"uid": 70},  # alpine based
    "timescaledb-ha": {"uid": 1000, "data_path": "/home/postgres/pgdata/data"},
    "redpanda": {"uid": 101, "data_path": "/var/lib/redpanda/data"},
    "dragonfly": {"uid": None},
    "valkey": {"health": ("valkey-cli", "ping")},
    "keydb": {"health": ("keydb-cli", "ping")},
    "jaeger": {"health_port": 13133},  # Jaeger v2 (jaegertracing/jaeger)
    "percona-server-mongodb": {"uid": 1001},
    "cp-zookeeper": {"health": ()},  # no zkServer.sh in Confluent's image
    "nats-streaming": {"http_health": None, "health_port": None, "extra_ports": ()},
}
_BY_KIND = {b.kind: b for b in BACKINGS}
_BY_IMAGE = {image: b for b in BACKINGS for image in b.images}


def backing_for_kind(kind: str) -> Backing | None:
    return _BY_KIND.get(kind)


def image_repository(image: str) -> str:
    """``docker.io/library/postgres:16@sha256:..`` -> ``postgres``; ``bitnami/redis`` -> ``redis``."""
    ref = image.strip().split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def backing_for_image(image: str) -> Backing | None:
    """The well-known service an image runs, or None."""
    return _BY_IMAGE.get(image_repository(image))


def image_facts(image: str) -> Backing | None:
    """``backing_for_image`` adjusted to the image's publisher and variant: Bitnami images run
    as uid 1001 and keep data under ``/bitnami/<name>``; alpine PostgreSQL runs as uid 70."""
    backing = backing_for_image(image)
    if backing is None:
        return None
    ref = image.strip().split("@", 1)[0].lower()
    path, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    parts = path.split("/")
    namespace = parts[-2] if len(parts) >= 2 else ""
    if namespace in _NAMESPACE_UID:
        return replace(
            backing,
            uid=_NAMESPACE_UID[namespace],
            data_path=f"/bitnami/{parts[-1]}" if backing.data_path else None,
        )
    variant = _VARIANTS.get(parts[-1])
    if variant is not None:
        backing = replace(backing, **variant)  # type: ignore[arg-type]
    if backing.kind == "postgres" and "alpine" in tag:
        return replace(backing, uid=70)
    return backing


@dataclass(frozen=True)
class ToolImage:
    """A stock image that runs a tool rather than a service: a load generator (``role``
    ``load-generator``: a worker, never exposed) or a language runtime (``runtime``: runs the
    code compose bind-mounts into it).  ``language`` is the language of the scripts or code it
    runs; ``port`` the port of its own web UI, if any."""

    tool: str
    role: str  # load-generator | runtime
    images: tuple[str, ...]  # repository basenames that identify it
    language: str | None = None
    port: int | None = None


TOOLS: tuple[ToolImage, ...] = (
    ToolImage("locust", "load-generator", ("locust",), "python", 8089),
    ToolImage("k6", "load-generator", ("k6",), "javascript"),
    ToolImage("jmeter", "load-generator", ("jmeter",), None),
    ToolImage("vegeta", "load-generator", ("vegeta",), None),
    ToolImage("node", "runtime", ("node", "bun", "deno"), "javascript"),
    ToolImage("python", "runtime", ("python", "pypy"), "python"),
    ToolImage("ruby", "runtime", ("ruby",), "ruby"),
    ToolImage("go", "runtime", ("golang",), "go"),
    ToolImage("php", "runtime", ("php",), "php"),
    ToolImage("jvm", "runtime", ("eclipse-temurin", "openjdk", "maven", "gradle"), "java"),
    ToolImage("dotnet", "runtime", ("sdk",), "csharp"),  # mcr.microsoft.com/dotnet/sdk
)
_TOOL_BY_IMAGE = {image: t for t in TOOLS for image in t.images}


def tool_for_image(image: str | None) -> ToolImage | None:
    """The tool a stock image runs (``locustio/locust`` -> locust, ``node:20`` -> node)."""
    if not image:
        return None
    tool = _TOOL_BY_IMAGE.get(image_repository(image))
    if tool is not None and tool.tool == "dotnet" and "dotnet/" not in image.lower():
        return None  # "sdk" names a .NET image only under dotnet/
    return tool
