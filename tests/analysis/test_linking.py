from dorgu.analysis.linking import link_components
from dorgu.models.app import AppModel, Component, DependencyType, EnvVar


def test_env_urls_and_host_vars_naming_another_component_become_service_dependencies():
    orders = Component(
        name="orders",
        env=(
            EnvVar(name="PAYMENTS_URL", value="http://payments:8000/v1"),
            EnvVar(name="CACHE_HOST", value="cache"),
            EnvVar(name="LOG_LEVEL", value="payments"),  # not a URL or host variable
        ),
    )
    payments = Component(name="payments")
    cache = Component(name="cache")
    model = link_components(AppModel(name="m", root="m", components=[orders, payments, cache]))
    deps = {d.name: d for d in model.component("orders").dependencies}
    assert set(deps) == {"payments", "cache"}
    assert deps["payments"].type is DependencyType.SERVICE
    assert deps["payments"].via == "env"
    assert any(e.detail == "PAYMENTS_URL points at component payments" for e in model.evidence)
    assert model.component("payments").dependencies == ()


def test_secret_values_and_self_references_are_ignored():
    api = Component(
        name="api",
        env=(
            EnvVar(name="SELF_URL", value="http://api:80"),
            EnvVar(name="DATABASE_URL", secret=True),
        ),
    )
    db = Component(name="db")
    model = link_components(AppModel(name="m", root="m", components=[api, db]))
    assert model.component("api").dependencies == ()
