from dorgu.analysis.overriding import apply_user_config
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
)
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Location, Source


def model(*components):
    return AppModel(name="dir", root="dir", components=list(components))


def test_user_type_name_and_probe_paths_win_and_are_recorded_as_user_evidence():
    app = Component(
        name="dir",
        type=AppType.WORKER,
        endpoints=(Endpoint(kind=EndpointKind.LIVENESS, path="/health"),),
    )
    settings = EffectiveSettings.model_validate(
        {"app": {"name": "orders", "type": "api"}, "health": {"liveness": {"path": "/livez"}}}
    )
    origins = {
        "app.name": Location(file=".dorgu.yaml", line=3),
        "app.type": Location(file=".dorgu.yaml", line=4),
        "health.liveness.path": Location(file=".dorgu.yaml", line=7),
    }
    result = apply_user_config(model(app), settings, origins=origins)
    component = result.components[0]
    assert result.name == "orders"
    assert component.name == "orders"
    assert component.type is AppType.API
    assert [(e.kind, e.path) for e in component.endpoints] == [(EndpointKind.LIVENESS, "/livez")]
    user = {e.field: e for e in result.evidence if e.source is Source.USER}
    assert user["components.orders.type"].location == Location(file=".dorgu.yaml", line=4)
    assert user["components.orders.endpoints.liveness"].confidence == 1.0


def test_defaults_are_not_treated_as_user_statements():
    app = Component(name="dir", type=AppType.WORKER)
    settings = EffectiveSettings.model_validate({"app": {"type": "api"}})
    result = apply_user_config(model(app), settings, origins={})
    assert result.components[0].type is AppType.WORKER


def test_declared_dependencies_override_inferred_ones_by_kind():
    app = Component(
        name="dir",
        dependencies=(Dependency(name="postgres", type=DependencyType.DATABASE, kind="postgres"),),
    )
    settings = EffectiveSettings.model_validate(
        {"dependencies": [{"name": "postgres", "type": "database", "external": True}]}
    )
    result = apply_user_config(model(app), settings, origins={"dependencies": None})
    (dep,) = result.components[0].dependencies
    assert dep.external
    assert dep.via == "config"


def test_multi_component_apps_only_take_identity_and_matching_dependencies():
    api = Component(name="api", type=AppType.API)
    worker = Component(name="worker", type=AppType.WORKER)
    db = Component(name="db", kind=ComponentKind.BACKING)
    settings = EffectiveSettings.model_validate({"app": {"name": "shop", "type": "cron"}})
    result = apply_user_config(
        model(api, worker, db), settings, origins={"app.name": None, "app.type": None}
    )
    assert result.name == "shop"
    assert [c.name for c in result.components] == ["api", "worker", "db"]
    assert result.components[0].type is AppType.API
