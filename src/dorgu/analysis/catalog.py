"""Well-known backing services: image names, dependency types and default ports.

One table serves compose (image ``postgres:16`` -> database) and the language analysers
(driver ``psycopg`` -> kind ``postgres`` -> database).
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.models.app import DependencyType


@dataclass(frozen=True)
class Backing:
    kind: str
    type: DependencyType
    port: int | None
    images: tuple[str, ...]  # repository basenames that identify it


_D, _C, _Q, _E = (
    DependencyType.DATABASE,
    DependencyType.CACHE,
    DependencyType.QUEUE,
    DependencyType.EXTERNAL,
)

BACKINGS: tuple[Backing, ...] = (
    Backing("postgres", _D, 5432, ("postgres", "postgresql", "postgis", "timescaledb", "pgvector")),
    Backing("mysql", _D, 3306, ("mysql", "percona", "percona-server")),
    Backing("mariadb", _D, 3306, ("mariadb",)),
    Backing("mongodb", _D, 27017, ("mongo", "mongodb", "mongodb-community-server")),
    Backing("cassandra", _D, 9042, ("cassandra", "scylla")),
    Backing("cockroachdb", _D, 26257, ("cockroach", "cockroachdb")),
    Backing("mssql", _D, 1433, ("mssql-server", "mssql")),
    Backing("clickhouse", _D, 8123, ("clickhouse-server", "clickhouse")),
    Backing("couchdb", _D, 5984, ("couchdb",)),
    Backing("neo4j", _D, 7687, ("neo4j",)),
    Backing("influxdb", _D, 8086, ("influxdb",)),
    Backing("sqlite", _D, None, ()),
    Backing("dynamodb", _D, 8000, ("dynamodb-local",)),
    Backing(
        "redis",
        _C,
        6379,
        ("redis", "redis-stack", "redis-stack-server", "valkey", "keydb", "dragonfly"),
    ),
    Backing("memcached", _C, 11211, ("memcached",)),
    Backing("rabbitmq", _Q, 5672, ("rabbitmq",)),
    Backing("kafka", _Q, 9092, ("kafka", "cp-kafka", "redpanda", "cp-server")),
    Backing("zookeeper", _Q, 2181, ("zookeeper", "cp-zookeeper")),
    Backing("nats", _Q, 4222, ("nats", "nats-streaming")),
    Backing("activemq", _Q, 61616, ("activemq", "activemq-artemis", "artemis")),
    Backing("pulsar", _Q, 6650, ("pulsar",)),
    Backing("sqs", _Q, None, ("elasticmq", "localstack")),
    Backing("elasticsearch", _D, 9200, ("elasticsearch",)),
    Backing("opensearch", _D, 9200, ("opensearch",)),
    Backing("minio", _E, 9000, ("minio",)),
    Backing("s3", _E, None, ()),
    Backing("etcd", _D, 2379, ("etcd",)),
    Backing("consul", _E, 8500, ("consul",)),
    Backing("vault", _E, 8200, ("vault",)),
    Backing("keycloak", _E, 8080, ("keycloak",)),
    Backing("mailhog", _E, 1025, ("mailhog", "mailpit")),
    Backing("jaeger", _E, 4317, ("all-in-one", "jaeger")),
    Backing("prometheus", _E, 9090, ("prometheus",)),
    Backing("grafana", _E, 3000, ("grafana",)),
)

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
