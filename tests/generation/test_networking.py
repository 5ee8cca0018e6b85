from dorgu.generation import GenerationOptions
from dorgu.generation.networking import sanitize_host
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    EnvVar,
    Port,
    Protocol,
)
from dorgu.settings import sanitize_name

from .builders import dig, find, generate, kinds, settings

API = Component(name="shop", type=AppType.API, ports=(Port(number=8000),))
INGRESS = settings(
    ingress={"enabled": True, "host": "shop.example.com", "tls": True, "class_name": "nginx"}
)


def test_the_service_has_named_ports_with_their_protocols_targeting_port_names():
    component = Component(
        name="shop",
        type=AppType.API,
        ports=(Port(number=8000), Port(number=5353, protocol=Protocol.UDP)),
    )
    service = find(generate(component), "Service")
    assert dig(service, "spec", "ports") == [
        {"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"},
        {"name": "udp-5353", "port": 5353, "targetPort": "udp-5353", "protocol": "UDP"},
    ]
    assert dig(service, "spec", "selector") == {
        "app.kubernetes.io/instance": "shop",
        "app.kubernetes.io/name": "shop",
    }


def test_no_ingress_unless_asked():
    assert "Ingress" not in kinds(generate(API))


def test_an_ingress_for_an_http_api_with_host_tls_and_class():
    ingress = find(generate(API, config=INGRESS), "Ingress")
    spec = dig(ingress, "spec")
    assert dig(spec, "ingressClassName") == "nginx"
    assert dig(spec, "tls") == [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    rule = dig(spec, "rules", 0)
    assert dig(rule, "host") == "shop.example.com"
    assert dig(rule, "http", "paths", 0, "backend") == {
        "service": {"name": "shop", "port": {"name": "http"}}
    }


def test_no_ingress_for_a_service_that_does_not_speak_http():
    redis = Component(
        name="shop", kind=ComponentKind.BACKING, image="redis:7", ports=(Port(number=6379),)
    )
    result = generate(redis, config=INGRESS)
    assert "Ingress" not in kinds(result)
    assert any(d.code == "generate.no-public-component" for d in result.diagnostics)


def test_the_host_flag_is_sanitised_to_dns_rules():
    result = generate(API, config=INGRESS, options=GenerationOptions(host="Shop_API.Example.COM."))
    assert dig(find(result, "Ingress"), "spec", "rules", 0, "host") == "shop-api.example.com"
    assert sanitize_host("*.Apps.example.com", sanitize=sanitize_name) == "*.apps.example.com"
    assert sanitize_host("https://x.io:443/path", sanitize=sanitize_name) == "x.io"
    assert sanitize_host("...", sanitize=sanitize_name) == ""
    assert sanitize_host("a" * 80 + ".io", sanitize=sanitize_name).endswith(".io")


def test_several_public_components_get_one_host_each_under_the_host():
    web = Component(name="web", type=AppType.WEB, ports=(Port(number=3000),))
    result = generate(API, web, config=INGRESS)
    hosts = sorted(
        str(dig(r.manifest, "spec", "rules", 0, "host"))
        for r in result.resources
        if r.kind == "Ingress"
    )
    assert hosts == ["shop.shop.example.com", "web.shop.example.com"]


def test_several_public_components_without_a_host_get_no_ingress_and_a_warning():
    web = Component(name="web", type=AppType.WEB, ports=(Port(number=3000),))
    result = generate(API, web, config=settings(ingress={"enabled": True}))
    assert "Ingress" not in kinds(result)
    assert any(d.code == "generate.ingress-needs-host" for d in result.diagnostics)


def test_in_compose_projects_only_published_services_are_public():
    api = Component(name="api", type=AppType.API, ports=(Port(number=8000, published=8000),))
    worker = Component(name="worker", type=AppType.API, ports=(Port(number=9100),))
    result = generate(api, worker, config=settings(ingress={"enabled": True}))
    assert [r.component for r in result.resources if r.kind == "Ingress"] == ["api"]


def test_gateway_api_gives_an_http_route_instead_of_an_ingress():
    options = GenerationOptions(gateway_api=True, gateway="infra/public", host="shop.example.com")
    result = generate(API, options=options)
    assert "Ingress" not in kinds(result)
    route = find(result, "HTTPRoute")
    assert dig(route, "apiVersion") == "gateway.networking.k8s.io/v1"
    assert dig(route, "spec", "parentRefs") == [{"name": "public", "namespace": "infra"}]
    assert dig(route, "spec", "hostnames") == ["shop.example.com"]
    assert dig(route, "spec", "rules", 0, "backendRefs") == [{"name": "shop", "port": 8000}]


def test_network_policies_follow_declared_dependencies():
    api = Component(
        name="api",
        type=AppType.API,
        ports=(Port(number=8000, published=8000),),
        dependencies=(
            Dependency(name="postgres", type=DependencyType.DATABASE, component="postgres"),
        ),
        env=(EnvVar(name="CACHE", value="redis://redis:6379/0"),),
    )
    postgres = Component(
        name="postgres", kind=ComponentKind.BACKING, image="postgres:16", ports=(Port(number=5432),)
    )
    redis = Component(
        name="redis", kind=ComponentKind.BACKING, image="redis:7", ports=(Port(number=6379),)
    )
    result = generate(api, postgres, redis, options=GenerationOptions(network_policy=True))
    db_policy = find(result, "NetworkPolicy", "shop-postgres")
    assert dig(db_policy, "spec", "ingress", 0, "from") == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/instance": "shop-api",
                    "app.kubernetes.io/name": "shop-api",
                }
            }
        }
    ]
    api_policy = find(result, "NetworkPolicy", "shop-api")
    egress_targets = [
        dig(rule, "to", 0, "podSelector", "matchLabels", "app.kubernetes.io/name")
        for rule in dig(api_policy, "spec", "egress")[1:]  # type: ignore[index]
    ]
    assert egress_targets == ["shop-postgres", "shop-redis"]
    assert dig(api_policy, "spec", "ingress", 0, "from") == [{"namespaceSelector": {}}]


def test_network_policy_for_an_external_dependency_opens_egress_with_a_warning():
    api = Component(
        name="shop", type=AppType.API, ports=(Port(number=8000),),
        dependencies=(Dependency(name="postgres", type=DependencyType.DATABASE),),
    )  # fmt: skip
    result = generate(api, options=GenerationOptions(network_policy=True))
    egress = dig(find(result, "NetworkPolicy"), "spec", "egress")
    assert {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]} in egress  # type: ignore[operator]
    assert any(d.code == "generate.egress-open" for d in result.diagnostics)
