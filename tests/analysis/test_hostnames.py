"""Which settings name hosts (a bare word only in address settings, never in identity ones) and
which component a hostname means (names, compose network aliases, Kubernetes DNS names)."""

from __future__ import annotations

import pytest

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.hostnames import component_for_host, is_address_setting, is_identity_setting
from dorgu.analysis.sources import SourceTree

HOSTS = {"cart": "cart", "orders-db": "db"}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("cart", "cart"),
        ("CART", "cart"),
        ("cart.default", "cart"),
        ("cart.shop.svc", "cart"),
        ("cart.shop.svc.cluster.local", "cart"),
        ("cart.shop.svc.cluster.local.", "cart"),
        ("cart.shop.svc.corp.example", "cart"),  # a custom cluster domain
        ("orders-db", "db"),
        # not this component's Service
        ("cart.com", None),
        ("cart.local", None),
        ("cart.example.org", None),
        ("cart.shop.pod.cluster.local", None),
        ("pod-0.cart.shop.svc.cluster.local", None),
        ("carts.default", None),
        # hostile
        ("", None),
        (".", None),
        ("cart..svc", None),
        ("cart.sh_op.svc", None),
        ("cart." + "a" * 300, None),
        ("cärt.default", None),
        ("cart.-bad-.svc", None),
    ],
)
def test_component_for_host(host, expected):
    assert component_for_host(host, HOSTS) == expected


@pytest.mark.parametrize(
    "name", ["CART_HOST", "cart.addr", "ORDERS_SERVICE", "API_URL", "OTLP_ENDPOINT", "KAFKA_BROKERS",
             "DB_SERVER", "redis:host"]
)  # fmt: skip
def test_address_settings(name):
    assert is_address_setting(name)


@pytest.mark.parametrize(
    "name", ["MYSQL_USER", "POSTGRES_DB", "MYSQL_DATABASE", "DB_NAME", "OTEL_SERVICE_NAME",
             "RABBITMQ_DEFAULT_PASS", "SPRING_DATASOURCE_USERNAME", "KAFKA_TOPIC", "SERVER_NAME",
             "APP_ENV", "ConnectionStrings:Db"]
)  # fmt: skip
def test_identity_settings_are_never_addresses(name):
    assert is_identity_setting(name)
    assert not is_address_setting(name)


def _analyze(files: dict[str, str]):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    return analyze_tree(tree, name="app", root="app")


def _deps(model, name: str) -> set[str]:
    return {d.component or d.name for d in model.component(name).dependencies}


COMPOSE_IDENTITIES = """\
services:
  orders:
    image: ghcr.io/acme/orders:1
    environment:
      DB_URL: jdbc:mysql://db:3306/orders
  db:
    image: mysql:8.4
    environment:
      MYSQL_DATABASE: orders
      MYSQL_USER: orders
      DB_NAME: orders
      OTEL_SERVICE_NAME: orders
      KAFKA_TOPIC: orders
      REPLICA_NAME: orders:1
      MYSQL_PASSWORD: orders
"""


def test_a_bare_service_name_in_identity_settings_is_no_reference():
    model = _analyze({"compose.yaml": COMPOSE_IDENTITIES})
    assert _deps(model, "db") == set()
    assert model.component("db").connections == ()
    assert _deps(model, "orders") == {"db"}


def test_a_bare_service_name_in_address_settings_is_a_reference():
    compose = COMPOSE_IDENTITIES.replace(
        "      MYSQL_PASSWORD: orders\n", "      ORDERS_SERVICE: orders\n"
    )
    model = _analyze({"compose.yaml": compose})
    assert _deps(model, "db") == {"orders"}


def test_connection_string_settings_with_identity_looking_names_still_count():
    compose = (
        "services:\n  api:\n    image: acme/api:1\n    environment:\n"
        "      ConnectionStrings__Db: Server=sql;Port=1433;User Id=sa\n"
        "  sql:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n"
    )
    model = _analyze({"compose.yaml": compose})
    assert [(c.component, c.port) for c in model.component("api").connections] == [("sql", 1433)]


def test_kubernetes_dns_names_and_network_aliases_are_matched_in_compose():
    compose = """\
services:
  web:
    image: acme/web:1
    environment:
      CART_ADDR: cart.shop.svc.cluster.local:7070
      CATALOG_URL: http://catalog.shop:8080/v1
      CACHE_HOST: sessions
      CACHE_PORT: "6380"
      PAYMENTS_ENDPOINT: payments.com:443
  cart:
    image: acme/cart:1
  catalog:
    image: acme/catalog:1
  redis:
    image: redis:7
    networks:
      backend:
        aliases: [sessions, "", 42]
      default: {}
networks:
  backend: {}
"""
    model = _analyze({"compose.yaml": compose})
    edges = {(c.component, c.port, c.via) for c in model.component("web").connections}
    assert edges == {
        ("cart", 7070, "CART_ADDR"),
        ("catalog", 8080, "CATALOG_URL"),
        ("redis", 6380, "CACHE_HOST"),
    }
    assert {"cart", "catalog", "redis"} <= _deps(model, "web")
    assert 7070 in {p.number for p in model.component("cart").ports}


def test_kubernetes_dns_names_link_monorepo_components():
    files = {
        "web/Dockerfile": "FROM node:20\nENV ORDERS_HOST=orders.default.svc\nCMD node x.js\n",
        "web/x.js": "console.log(1)\n",
        "orders/Dockerfile": "FROM python:3.12\nENV ORDERS_USER=web\nCMD python x.py\n",
        "orders/x.py": "print(1)\n",
    }
    model = _analyze(files)
    assert "orders" in _deps(model, "web")
    assert "web" not in _deps(model, "orders")


def test_the_evidence_says_when_a_kubernetes_dns_name_was_matched():
    files = {
        "web/Dockerfile": "FROM node:20\nENV CART_ADDR=cart.shop.svc.cluster.local:7070\nCMD node x.js\n",
        "web/x.js": "console.log(1)\n",
        "cart/Dockerfile": "FROM python:3.12\nCMD python x.py\n",
        "cart/x.py": "print(1)\n",
    }
    model = _analyze(files)
    (edge,) = model.component("web").connections
    assert (edge.component, edge.port) == ("cart", 7070)
    why = next(e for e in model.evidence if e.field == "components.web.connections.cart")
    assert why.detail is not None and "cart.shop.svc.cluster.local" in why.detail


def test_a_proxy_upstream_written_as_a_service_dns_name_is_a_dependency():
    files = {
        "compose.yaml": (
            "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n"
            "      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro\n"
            "  api:\n    image: acme/api:1\n"
        ),
        "nginx.conf": (
            "server { listen 80;\n"
            "  location / { proxy_pass http://api.default.svc.cluster.local:9000; }\n}\n"
        ),
    }
    model = _analyze(files)
    dep = next(d for d in model.component("proxy").dependencies if d.component == "api")
    assert dep.port == 9000


def test_a_proxy_upstream_naming_a_network_alias_is_a_dependency():
    files = {
        "compose.yaml": (
            "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n"
            "      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro\n"
            "  api:\n    image: acme/api:1\n    networks:\n      back:\n        aliases: [backend]\n"
            "networks:\n  back: {}\n"
        ),
        "nginx.conf": "server { listen 80;\n  location / { proxy_pass http://backend:9000; }\n}\n",
    }
    model = _analyze(files)
    dep = next(d for d in model.component("proxy").dependencies if d.component == "api")
    assert dep.port == 9000
    assert 9000 in {p.number for p in model.component("api").ports}
