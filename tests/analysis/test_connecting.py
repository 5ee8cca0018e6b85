"""The connection graph: edges, target ports and dependencies, with evidence and no values."""

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.connecting import connect_components
from dorgu.analysis.connections import Address, NamedAddress
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppModel, Component, ComponentKind, DependencyType, EnvVar, Port
from dorgu.models.evidence import Location

SECRET = "pw-Qe4-do-not-print"


def _model(*components: Component) -> AppModel:
    return AppModel(name="m", root="m", components=list(components))


def test_a_port_only_a_caller_names_becomes_a_port_of_the_target_with_evidence():
    web = Component(
        name="web",
        env=(
            EnvVar(
                name="CART_ADDR", value="cart:7070", location=Location(file="compose.yaml", line=7)
            ),
        ),
    )
    model = connect_components(_model(web, Component(name="cart")))
    cart = model.component("cart")
    assert [(p.number, p.location) for p in cart.ports] == [
        (7070, Location(file="compose.yaml", line=7))
    ]
    (edge,) = model.component("web").connections
    assert (edge.component, edge.port, edge.via) == ("cart", 7070, "CART_ADDR")
    rules = {(e.field, e.rule) for e in model.evidence}
    assert ("components.cart.ports", "connections.port") in rules
    assert ("components.web.connections.cart", "connections.env") in rules
    deps = model.component("web").dependencies
    assert [(d.name, d.type) for d in deps] == [("cart", DependencyType.SERVICE)]


def test_a_host_without_a_port_takes_the_catalogue_default_of_a_backing_target():
    api = Component(name="api", env=(EnvVar(name="DB_HOST", value="db"),))
    db = Component(
        name="db", kind=ComponentKind.BACKING, image="postgres:16", ports=(Port(number=5432),)
    )
    model = connect_components(_model(api, db))
    (edge,) = model.component("api").connections
    assert edge.port == 5432
    assert model.component("db").ports == db.ports  # already declared: nothing added
    dep = model.component("api").dependencies[0]
    assert (dep.type, dep.kind) == (DependencyType.DATABASE, "postgres")
    assert any("postgres default port" in (e.detail or "") for e in model.evidence)


def test_an_app_host_without_a_port_is_an_edge_without_a_port():
    api = Component(name="api", env=(EnvVar(name="ORDERS_HOST", value="orders"),))
    model = connect_components(_model(api, Component(name="orders")))
    assert [(c.component, c.port) for c in model.component("api").connections] == [("orders", None)]
    assert model.component("orders").ports == ()


def test_hosts_that_are_not_components_and_self_references_are_ignored():
    api = Component(
        name="api",
        env=(
            EnvVar(name="STRIPE_URL", value="https://api.stripe.com/v1"),
            EnvVar(name="SELF_URL", value="http://api:8000"),
            EnvVar(name="BIND_ADDR", value="0.0.0.0:8000"),
        ),
    )
    model = connect_components(_model(api, Component(name="worker")))
    assert model.component("api").connections == ()
    assert model.component("api").ports == ()


def test_a_port_out_of_range_is_a_diagnostic_that_names_the_variable_not_the_value():
    api = Component(name="api", env=(EnvVar(name="CART_ADDR", value="cart:123456"),))
    model = connect_components(_model(api, Component(name="cart")))
    (diagnostic,) = model.diagnostics
    assert diagnostic.code == "analysis.connection-port"
    assert "CART_ADDR" in diagnostic.message and "123456 is out of range" in diagnostic.message
    assert [(c.component, c.port) for c in model.component("api").connections] == [("cart", None)]


def test_addresses_from_secret_values_come_in_without_the_value():
    api = Component(name="api", env=(EnvVar(name="DATABASE_URL", secret=True),))
    found = {"api": [NamedAddress("DATABASE_URL", Address("db", 6432, "postgres"), None)]}
    model = connect_components(_model(api, Component(name="db")), found)
    assert [(c.component, c.port) for c in model.component("api").connections] == [("db", 6432)]


def test_a_port_the_target_does_not_declare_is_added_with_an_info():
    api = Component(name="api", env=(EnvVar(name="ORDERS_URL", value="http://orders:9000"),))
    orders = Component(name="orders", ports=(Port(number=8080),))
    model = connect_components(_model(api, orders))
    assert [p.number for p in model.component("orders").ports] == [8080, 9000]
    assert [d.code for d in model.diagnostics] == ["analysis.connection-port-undeclared"]


COMPOSE = """
services:
  api:
    build: ./api
    environment:
      DATABASE_URL: postgres://shop:${DB_PASSWORD}@primary-db/shop
      CACHE: "cache:6380,password=${DB_PASSWORD}"
      SEARCH_HOST: search
      SEARCH_PORT: "9201"
      BROKERS: kafka:29092
  database:
    image: postgres:16
    container_name: primary-db
    environment:
      POSTGRES_USER: api
      POSTGRES_PASSWORD: ${DB_PASSWORD}
  cache:
    image: redis:7
  search:
    image: elasticsearch:8.13.0
  kafka:
    image: bitnami/kafka:3.7
"""


def test_compose_secret_urls_and_aliases_feed_the_graph_and_no_password_is_kept():
    tree = SourceTree(
        paths=("compose.yaml", ".env", "api/app.py"),
        texts={"compose.yaml": COMPOSE, ".env": f"DB_PASSWORD={SECRET}\n", "api/app.py": ""},
    )
    model = analyze_tree(tree, name="shop", root="shop")
    edges = {(c.component, c.port, c.via) for c in model.component("api").connections}
    assert edges == {
        ("database", 5432, "DATABASE_URL"),
        ("cache", 6380, "CACHE"),
        ("search", 9201, "SEARCH_HOST"),
        ("kafka", 29092, "BROKERS"),
    }
    assert 6380 in {p.number for p in model.component("cache").ports}
    assert 9201 in {p.number for p in model.component("search").ports}
    assert 29092 in {p.number for p in model.component("kafka").ports}
    assert model.component("database").dependencies == ()  # POSTGRES_USER=api is no address
    assert SECRET not in model.model_dump_json()


def test_a_bad_port_in_a_secret_url_is_reported_without_the_password():
    compose = """
services:
  api:
    build: ./api
    environment:
      DATABASE_URL: postgres://shop:${DB_PASSWORD}@db:99999/shop
  db:
    image: postgres:16
"""
    tree = SourceTree(
        paths=("compose.yaml", ".env", "api/app.py"),
        texts={"compose.yaml": compose, ".env": f"DB_PASSWORD={SECRET}\n", "api/app.py": ""},
    )
    model = analyze_tree(tree, name="shop", root="shop")
    (problem,) = [d for d in model.diagnostics if d.code == "analysis.connection-port"]
    assert "DATABASE_URL" in problem.message and "99999" in problem.message
    assert SECRET not in model.model_dump_json()
    # the edge stays (db is still a dependency), on the catalogue default port
    assert [(c.component, c.port) for c in model.component("api").connections] == [("db", 5432)]


def test_link_aliases_name_the_linked_service_for_the_linking_service_only():
    compose = """
services:
  api:
    build: ./api
    links: ["store:database"]
    environment:
      DB_URL: postgres://database:5432/x
      PAYMENTS_SERVICE: payments:8000
  store:
    image: postgres:16
  payments:
    image: ghcr.io/acme/payments:1
"""
    tree = SourceTree(
        paths=("compose.yaml", "api/app.py"), texts={"compose.yaml": compose, "api/app.py": ""}
    )
    model = analyze_tree(tree, name="shop", root="shop")
    edges = {(c.component, c.port) for c in model.component("api").connections}
    assert edges == {("store", 5432), ("payments", 8000)}


def test_an_app_without_a_port_that_callers_reach_over_http_is_an_api():
    from dorgu.models.app import AppType

    web = Component(name="web", env=(EnvVar(name="QUOTES_URL", value="http://quotes:9000/v1"),))
    quotes = Component(name="quotes", type=AppType.WORKER)
    cache = Component(name="cache", type=AppType.WORKER)
    worker = Component(name="jobs", env=(EnvVar(name="CACHE_ADDR", value="cache:7000"),))
    model = connect_components(_model(web, quotes, cache, worker))
    assert model.component("quotes").type is AppType.API
    assert model.component("cache").type is AppType.WORKER  # not HTTP: no reason to change
    (why,) = [e for e in model.evidence if e.rule == "connections.type"]
    assert why.field == "components.quotes.type"
