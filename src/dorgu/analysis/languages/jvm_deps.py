"""Backing services a JVM app uses: from build coordinates (drivers, starters) and from config.

Connection URLs are read only for their scheme (``jdbc:postgresql:`` -> postgres); the URL
itself, which may carry credentials, is never stored.  Must not: open files or read the env.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dorgu.analysis.catalog import backing_for_kind
from dorgu.analysis.languages.jvm_builds import Coordinate
from dorgu.analysis.languages.jvm_config import JvmConfig
from dorgu.models.app import Dependency, DependencyType
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern, Pattern

# (regex on "group:artifact", kind).  First match wins.
_ARTIFACT_KINDS: tuple[tuple[Pattern, str], ...] = tuple(
    (LazyPattern(pattern), kind)
    for pattern, kind in (
        (
            r":(postgresql|r2dbc-postgresql|vertx-pg-client|quarkus-jdbc-postgresql|"
            r"quarkus-reactive-pg-client)$",
            "postgres",
        ),
        (
            r":(mysql-connector-java|mysql-connector-j|r2dbc-mysql|quarkus-jdbc-mysql|"
            r"quarkus-reactive-mysql-client|vertx-mysql-client)$",
            "mysql",
        ),
        (r":(mariadb-java-client|r2dbc-mariadb|quarkus-jdbc-mariadb)$", "mariadb"),
        (r":(mssql-jdbc|r2dbc-mssql|quarkus-jdbc-mssql)$", "mssql"),
        (r":(sqlite-jdbc)$", "sqlite"),
        (
            r":(mongodb-driver[\w\-]*|spring-boot-starter-data-mongodb[\w\-]*|quarkus-mongodb-[\w\-]+|"
            r"micronaut-mongo-[\w\-]+)$",
            "mongodb",
        ),
        (
            r":(spring-boot-starter-data-redis[\w\-]*|jedis|lettuce-core|redisson[\w\-]*|"
            r"quarkus-redis-client|micronaut-redis-lettuce)$",
            "redis",
        ),
        (
            r":(spring-kafka|kafka-clients|kafka-streams|spring-cloud-stream-binder-kafka[\w\-]*|"
            r"quarkus-kafka-client|quarkus-(smallrye-reactive-)?messaging-kafka|micronaut-kafka[\w\-]*)$",
            "kafka",
        ),
        (
            r":(spring-boot-starter-amqp|spring-rabbit|amqp-client|spring-cloud-stream-binder-rabbit|"
            r"quarkus-(smallrye-reactive-)?messaging-rabbitmq|micronaut-rabbitmq)$",
            "rabbitmq",
        ),
        (
            r":(elasticsearch-java|elasticsearch-rest-(high-level-)?client|"
            r"spring-boot-starter-data-elasticsearch|spring-data-elasticsearch|"
            r"quarkus-elasticsearch-[\w\-]+)$",
            "elasticsearch",
        ),
        (r":(opensearch-java|opensearch-rest-[\w\-]+)$", "opensearch"),
        (
            r":(java-driver-core|cassandra-driver-core|spring-boot-starter-data-cassandra[\w\-]*)$",
            "cassandra",
        ),
        (r":(neo4j-java-driver|spring-boot-starter-data-neo4j)$", "neo4j"),
        (r"^io\.nats:jnats$", "nats"),
        (
            r":(artemis-jms-client|spring-boot-starter-artemis|activemq-client|"
            r"spring-boot-starter-activemq)$",
            "activemq",
        ),
        (r":(pulsar-client|spring-pulsar[\w\-]*)$", "pulsar"),
        (r"^software\.amazon\.awssdk:sqs$|:aws-java-sdk-sqs$", "sqs"),
        (r"^software\.amazon\.awssdk:s3$|:aws-java-sdk-s3$", "s3"),
        (r":(clickhouse-jdbc|clickhouse-java)$", "clickhouse"),
        (r":(influxdb-client-java|influxdb-java)$", "influxdb"),
    )
)
_URL_KINDS = (
    (
        LazyPattern(r"^(?:jdbc:|r2dbc:(?:pool:)?|vertx-reactive:)?postgres(?:ql)?:", re.I),
        "postgres",
    ),
    (LazyPattern(r"^(?:jdbc:|r2dbc:(?:pool:)?)mysql:", re.I), "mysql"),
    (LazyPattern(r"^(?:jdbc:|r2dbc:(?:pool:)?)mariadb:", re.I), "mariadb"),
    (LazyPattern(r"^(?:jdbc:|r2dbc:(?:pool:)?)(?:sqlserver|mssql):", re.I), "mssql"),
    (LazyPattern(r"^jdbc:sqlite:", re.I), "sqlite"),
    (LazyPattern(r"^jdbc:(?:ch|clickhouse):", re.I), "clickhouse"),
    (LazyPattern(r"^mongodb(?:\+srv)?:", re.I), "mongodb"),
    (LazyPattern(r"^rediss?:", re.I), "redis"),
    (LazyPattern(r"^amqps?:", re.I), "rabbitmq"),
)
_DB_KINDS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mariadb", "mssql": "mssql"}
# Config keys that prove a service is used; the value decides the kind only for URL keys.
_URL_KEYS = (
    "spring.datasource.url",
    "spring.r2dbc.url",
    "spring.data.mongodb.uri",
    "spring.data.redis.url",
    "spring.redis.url",
    "spring.rabbitmq.addresses",
    "quarkus.datasource.jdbc.url",
    "quarkus.datasource.reactive.url",
    "quarkus.mongodb.connection-string",
    "datasources.default.url",
    "r2dbc.datasources.default.url",
    "mongodb.uri",
    "redis.uri",
)
_HOST_KEYS = (
    ("spring.data.redis.host", "redis"),
    ("spring.redis.host", "redis"),
    ("quarkus.redis.hosts", "redis"),
    ("spring.kafka.bootstrap-servers", "kafka"),
    ("spring.cloud.stream.kafka.binder.brokers", "kafka"),
    ("kafka.bootstrap.servers", "kafka"),
    ("kafka.bootstrap-servers", "kafka"),
    ("spring.rabbitmq.host", "rabbitmq"),
    ("rabbitmq.host", "rabbitmq"),
    ("rabbitmq-host", "rabbitmq"),
    ("spring.data.mongodb.host", "mongodb"),
    ("spring.elasticsearch.uris", "elasticsearch"),
    ("quarkus.elasticsearch.hosts", "elasticsearch"),
    ("spring.data.cassandra.contact-points", "cassandra"),
    ("spring.cassandra.contact-points", "cassandra"),
)


@dataclass(frozen=True)
class DependencyFacts:
    dependencies: tuple[Dependency, ...]
    evidence: tuple[Evidence, ...]


def kind_for_coordinate(key: str) -> str | None:
    for pattern, kind in _ARTIFACT_KINDS:
        if pattern.search(key):
            return kind
    return None


def kind_for_url(value: str) -> str | None:
    for pattern, kind in _URL_KINDS:
        if pattern.match(value.strip()):
            return kind
    return None


def collect_dependencies(coordinates: Iterable[Coordinate], config: JvmConfig) -> DependencyFacts:
    found: dict[str, Dependency] = {}
    evidence: list[Evidence] = []

    def add(
        kind: str, via: str, location: Location, rule: str, why: str, confidence: float
    ) -> None:
        backing = backing_for_kind(kind)
        dep_type = backing.type if backing else DependencyType.DATABASE
        if kind not in found:
            found[kind] = Dependency(
                name=kind, type=dep_type, kind=kind, via=via, location=location
            )
        evidence.append(
            Evidence(
                field=f"dependencies.{kind}",
                value=why,
                rule=rule,
                location=location,
                confidence=confidence,
            )
        )

    for coordinate in coordinates:
        if coordinate.role != "dependency":
            continue
        kind = kind_for_coordinate(coordinate.key)
        if kind:
            add(kind, "driver", coordinate.location, "jvm.dependency.artifact", coordinate.key, 0.9)
    for key in _URL_KEYS:
        item = config.get(key)
        kind = kind_for_url(item.value) if item else None
        if item and kind:
            add(kind, "config", item.location, "jvm.config.url", f"{key} ({kind} URL)", 0.85)
    item = config.get("quarkus.datasource.db-kind")
    if item and item.value.strip().lower() in _DB_KINDS:
        kind = _DB_KINDS[item.value.strip().lower()]
        add(kind, "config", item.location, "jvm.config.quarkus-db-kind", item.key, 0.9)
    for key, kind in _HOST_KEYS:
        item = config.get(key)
        if item and item.value.strip():
            add(kind, "config", item.location, "jvm.config.host", key, 0.8)
    return DependencyFacts(tuple(found[k] for k in sorted(found)), tuple(evidence))
