"""NetworkPolicies follow the connection graph: each caller is let in on the ports it uses."""

from dorgu.generation import GenerationOptions
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Connection,
    EnvVar,
    Port,
)

from .builders import dig, find, generate

POLICY = GenerationOptions(network_policy=True)
CART = Component(
    name="cart",
    type=AppType.API,
    ports=(Port(number=7070, purpose="http"), Port(number=9090, purpose="metrics")),
)
DB = Component(
    name="db", kind=ComponentKind.BACKING, image="postgres:16", ports=(Port(number=5432),)
)


def _names(rule: object) -> list[str]:
    return [
        dig(peer, "podSelector", "matchLabels", "app.kubernetes.io/name")  # type: ignore[misc]
        for peer in dig(rule, "from")  # type: ignore[union-attr]
    ]


def test_a_caller_is_let_in_only_on_the_ports_it_connects_to():
    web = Component(
        name="web",
        type=AppType.WORKER,
        connections=(Connection(component="cart", port=7070, via="CART_ADDR"),),
    )
    scraper = Component(name="scraper", type=AppType.WORKER, depends_on=("cart",))
    result = generate(web, scraper, CART, options=POLICY)
    ingress = dig(find(result, "NetworkPolicy", "shop-cart"), "spec", "ingress")
    callers = [rule for rule in ingress if "podSelector" in rule["from"][0]]  # type: ignore[union-attr, index]
    by_caller = {tuple(_names(rule)): [p["port"] for p in rule["ports"]] for rule in callers}
    assert by_caller == {("shop-web",): ["http"], ("shop-scraper",): ["http", "metrics"]}
    egress = dig(find(result, "NetworkPolicy", "shop-web"), "spec", "egress")
    assert dig(egress, 1, "ports") == [{"port": "http", "protocol": "TCP"}]


def test_a_connection_without_a_port_allows_every_port_of_the_target():
    api = Component(
        name="api",
        type=AppType.WORKER,
        connections=(Connection(component="cart", via="CART_HOST"),),
    )
    result = generate(api, CART, options=POLICY)
    rule = dig(find(result, "NetworkPolicy", "shop-cart"), "spec", "ingress", -1)
    assert _names(rule) == ["shop-api"]
    assert [p["port"] for p in dig(rule, "ports")] == ["http", "metrics"]  # type: ignore[union-attr, index]


def test_a_bare_word_equal_to_a_service_name_is_not_a_connection():
    db = DB.model_copy(update={"env": (EnvVar(name="POSTGRES_USER", value="checkout"),)})
    checkout = Component(name="checkout", type=AppType.API, ports=(Port(number=5050),))
    result = generate(db, checkout, options=POLICY)
    egress = dig(find(result, "NetworkPolicy", "shop-db"), "spec", "egress")
    assert len(egress) == 1  # DNS only  # type: ignore[arg-type]
    ingress = dig(find(result, "NetworkPolicy", "shop-checkout"), "spec", "ingress")
    assert all("podSelector" not in rule["from"][0] for rule in ingress)  # type: ignore[union-attr, index]
