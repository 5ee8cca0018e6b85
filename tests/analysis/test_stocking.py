"""Catalogue facts on components that run stock images, and on services built on them."""

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.catalog import BACKINGS, backing_for_image, image_facts
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind


def _analyze(files: dict[str, str]):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    return analyze_tree(tree, name="app", root="app")


def test_engines_under_other_names_are_the_same_engine():
    same = {
        "postgres": [
            "postgis/postgis:16-3.4",
            "timescale/timescaledb:latest-pg16",
            "bitnami/postgresql:16",
        ],
        "mysql": ["percona/percona-server:8.0", "mysql/mysql-server:8.0"],
        "redis": [
            "valkey/valkey:8",
            "eqalpha/keydb",
            "bitnami/redis:7.2",
            "redis/redis-stack:latest",
        ],
        "mongodb": ["mongo:7", "bitnami/mongodb:7.0"],
        "kafka": [
            "bitnami/kafka:3.7",
            "confluentinc/cp-kafka:7.6.0",
            "apache/kafka:3.8.0",
            "redpandadata/redpanda",
        ],
        "rabbitmq": ["rabbitmq:3-management-alpine", "bitnami/rabbitmq:3.13"],
    }
    for kind, images in same.items():
        for image in images:
            found = backing_for_image(image)
            assert found is not None and found.kind == kind, image


def test_every_served_image_has_a_port_and_databases_have_data_paths():
    for backing in BACKINGS:
        if backing.images:
            assert backing.port is not None or backing.http_health, backing.kind
        if (
            backing.type is DependencyType.DATABASE
            and backing.images
            and backing.kind != "dynamodb"
        ):
            assert backing.data_path, backing.kind


def test_publisher_variants_change_uid_and_data_path():
    bitnami = image_facts("docker.io/bitnami/redis:7.2")
    assert bitnami is not None and (bitnami.uid, bitnami.data_path) == (1001, "/bitnami/redis")
    alpine = image_facts("postgres:16-alpine")
    assert alpine is not None and alpine.uid == 70
    valkey = image_facts("valkey/valkey:8")
    assert valkey is not None and valkey.health == ("valkey-cli", "ping")


def test_products_are_identified_with_ports_health_and_uid():
    files = {
        "compose.yaml": (
            "services:\n"
            "  grafana:\n    image: grafana/grafana-oss:11.2.0\n"
            "  zipkin:\n    image: openzipkin/zipkin:3\n"
            "  db:\n    image: mysql:8.4\n"
            "    healthcheck: {test: ['CMD', 'true']}\n"
        ),
    }
    model = _analyze(files)
    grafana = model.component("grafana")
    assert grafana.framework == "grafana"
    assert [(e.kind, e.path, e.port) for e in grafana.endpoints] == [
        (EndpointKind.HEALTH, "/api/health", 3000)
    ]
    assert grafana.security.uid == 472
    assert [p.number for p in model.component("zipkin").ports] == [9411]
    db = model.component("db")
    assert db.healthcheck is not None and db.healthcheck.test == ("true",)  # compose wins
    lost = [d for d in model.diagnostics if d.code == "catalog.data-not-persisted"]
    assert {d.message.split(":", 1)[0] for d in lost} == {"db", "grafana"}


def test_a_service_built_on_a_stock_database_inherits_it_and_its_users_type_it():
    files = {
        "compose.yaml": (
            "services:\n"
            "  db:\n    build: ./db\n    volumes: ['data:/var/lib/mysql']\n"
            "  api:\n    build: ./api\n    depends_on: [db]\n"
            "volumes:\n  data:\n"
        ),
        "db/Dockerfile": "FROM mysql:8.4\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "db/init.sql": "CREATE TABLE t (id INT);\n",
        "api/Dockerfile": "FROM python:3.12\nCOPY . .\nEXPOSE 8000\nCMD python app.py\n",
        "api/requirements.txt": "pymysql\n",
        "api/app.py": "import pymysql\n",
    }
    model = _analyze(files)
    db = model.component("db")
    assert db.framework == "mysql"
    assert [p.number for p in db.ports] == [3306]
    assert db.healthcheck is not None and db.healthcheck.test[0] == "mysqladmin"
    assert db.security.uid == 999
    from_line = next(e for e in model.evidence if e.field == "components.db.ports")
    assert from_line.location is not None and from_line.location.file == "db/Dockerfile"
    deps = model.component("api").dependencies
    assert [(d.name, d.type, d.kind) for d in deps if d.component == "db"] == [
        ("db", DependencyType.DATABASE, "mysql")
    ]
    assert not any(d.component is None and d.kind == "mysql" for d in deps)
    assert not any(d.code == "catalog.data-not-persisted" for d in model.diagnostics)
