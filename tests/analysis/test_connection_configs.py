"""Addresses in an app's own config files: Spring properties/YAML and .NET appsettings."""

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.connection_configs import config_addresses
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Component

PROPERTIES = """\
server.port=8080
spring.datasource.url=jdbc:postgresql://${DB_HOST:db}:5433/orders
spring.datasource.password=${DB_PASSWORD:dev-only-pass}
spring.data.redis.host=cache
spring.data.redis.port=6380
"""
APPSETTINGS = """{
  "ConnectionStrings": {
    "Orders": "Host=db;Port=5432;Database=orders;Password=dev-only-pass"
  },
  "Services": { "Cart": { "Url": "http://cart:7070" } },
  "Logging": { "LogLevel": { "Default": "Information" } }
}
"""


def _tree(texts: dict[str, str]) -> SourceTree:
    return SourceTree(paths=tuple(sorted(texts)), texts=texts)


def _addresses(texts: dict[str, str], path: str = ".") -> set[tuple[str, str, int | None, str]]:
    component = Component(name="app", path=path)
    found = config_addresses(_tree(texts), component, [component])
    return {(a.key, a.address.host, a.address.port, str(a.location)) for a in found}


def test_spring_properties_resolve_placeholders_and_pair_host_and_port():
    found = _addresses({"src/main/resources/application.properties": PROPERTIES})
    file = "src/main/resources/application.properties"
    assert ("spring.datasource.url", "db", 5433, f"{file}:2") in found
    assert ("spring.data.redis.host", "cache", 6380, f"{file}:4") in found


def test_appsettings_connection_strings_and_urls_with_lines():
    found = _addresses({"appsettings.json": APPSETTINGS})
    assert ("ConnectionStrings:Orders", "db", 5432, "appsettings.json:3") in found
    assert ("Services:Cart:Url", "cart", 7070, "appsettings.json:5") in found


def test_development_settings_tests_and_junk_are_skipped():
    texts = {
        "appsettings.Development.json": '{"Api": {"Url": "http://dev-only:1"}}',
        "src/test/resources/application.properties": "x.url=http://test-only:2\n",
        "appsettings.Production.json": "{not json",
        "appsettings.json": '{"a": ' * 5000 + "1" + "}" * 5000,
    }
    assert _addresses(texts) == set()


def test_a_nested_component_keeps_its_own_config():
    texts = {"appsettings.json": APPSETTINGS, "tools/seed/appsettings.json": APPSETTINGS}
    outer = Component(name="api", path=".")
    inner = Component(name="seed", path="tools/seed")
    found = config_addresses(_tree(texts), outer, [outer, inner])
    assert {str(a.location).split(":")[0] for a in found} == {"appsettings.json"}


COMPOSE = """
services:
  orders:
    build: ./orders
  db:
    image: postgres:16
    command: ["postgres", "-p", "5433"]
  cache:
    image: redis:7
"""


def test_config_addresses_feed_the_connection_graph_without_values():
    texts = {
        "compose.yaml": COMPOSE,
        "orders/pom.xml": "<project><artifactId>orders</artifactId></project>",
        "orders/src/main/resources/application.properties": PROPERTIES,
    }
    model = analyze_tree(_tree(texts), name="shop", root="shop")
    edges = {(c.component, c.port, c.via) for c in model.component("orders").connections}
    assert ("db", 5433, "spring.datasource.url") in edges
    assert ("cache", 6380, "spring.data.redis.host") in edges
    assert 5433 in {p.number for p in model.component("db").ports}
    rules = {e.rule for e in model.evidence if e.field.startswith("components.orders.connections")}
    assert rules == {"connections.config"}
    assert "dev-only-pass" not in model.model_dump_json()
