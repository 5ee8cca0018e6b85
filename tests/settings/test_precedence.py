import itertools

import pytest

from dorgu.errors import ConfigError, UsageError
from dorgu.settings import ConfigText, LayerName, build_settings

APP = ConfigText(".dorgu.yaml", "namespace: from-app\n")
WORKSPACE = ConfigText("dorgu-workspace.yaml", "namespace: from-workspace\n")
GLOBAL = ConfigText("config.yaml", "defaults:\n  namespace: from-global\n")
ENV = {"DORGU_NAMESPACE": "from-env"}
FLAGS = {"namespace": "from-flag"}
ORDER = ["flag", "env", "app", "workspace", "global"]


@pytest.mark.parametrize(
    "present", [combo for size in range(6) for combo in itertools.combinations(ORDER, size)]
)
def test_the_highest_present_layer_wins_in_every_combination(present):
    resolved = build_settings(
        app=APP if "app" in present else None,
        workspace=WORKSPACE if "workspace" in present else None,
        global_=GLOBAL if "global" in present else None,
        environ=ENV if "env" in present else {},
        flags=FLAGS if "flag" in present else {},
    )
    winner = next((name for name in ORDER if name in present), None)
    expected = f"from-{winner}" if winner else None
    assert resolved.settings.namespace == expected
    origin = resolved.origin_of(("namespace",))
    assert origin.layer.label == (winner or "default")


def test_origins_name_file_and_line_env_var_and_flag():
    resolved = build_settings(
        app=ConfigText(".dorgu.yaml", "app:\n  name: shop\n"),
        global_=ConfigText("~/.config/dorgu/config.yaml", "llm:\n  provider: openai\n"),
        environ={"DORGU_SCALING__MAX_REPLICAS": "4"},
        flags={"environment": "staging"},
    )
    assert str(resolved.origin_of(("app", "name"))) == "app .dorgu.yaml:2"
    assert str(resolved.origin_of(("llm", "provider"))) == "global ~/.config/dorgu/config.yaml:2"
    assert str(resolved.origin_of(("scaling", "max_replicas"))) == "env DORGU_SCALING__MAX_REPLICAS"
    assert str(resolved.origin_of(("environment",))) == "flag environment"
    assert str(resolved.origin_of(("ingress", "path"))) == "default"
    assert resolved.settings.scaling.max_replicas == 4


def test_workspace_and_global_keys_map_onto_effective_keys():
    resolved = build_settings(
        workspace=ConfigText("w", "registry: ghcr.io/org\nteam: core\n"),
        global_=ConfigText("g", "defaults: {registry: docker.io/me, team: me, environment: dev}\n"),
    )
    assert resolved.settings.image.registry == "ghcr.io/org"
    assert resolved.settings.app.team == "core"
    assert resolved.settings.environment == "dev"
    assert resolved.origin_of(("image", "registry")).layer is LayerName.WORKSPACE


def test_maps_merge_per_entry_and_lists_are_replaced():
    resolved = build_settings(
        app=ConfigText("a", "labels: {tier: web}\ndependencies: [{name: db, type: database}]\n"),
        workspace=ConfigText("w", "labels: {tier: base, prometheus.io/scrape: 'true'}\n"),
    )
    assert resolved.settings.labels == {"tier": "web", "prometheus.io/scrape": "true"}
    assert resolved.origin_of(("labels", "prometheus.io/scrape")).layer is LayerName.WORKSPACE
    assert [d.name for d in resolved.settings.dependencies] == ["db"]


def test_sections_merge_per_key_across_layers():
    resolved = build_settings(
        app=ConfigText("a", "scaling: {max_replicas: 6}\n"),
        workspace=ConfigText("w", "scaling: {min_replicas: 2, behavior: conservative}\n"),
    )
    scaling = resolved.settings.scaling
    assert (scaling.min_replicas, scaling.max_replicas, scaling.behavior.value) == (
        2,
        6,
        "conservative",
    )


def test_null_means_not_set_and_does_not_erase_lower_layers():
    resolved = build_settings(
        app=ConfigText("a", "namespace: null\n"), workspace=ConfigText("w", "namespace: team\n")
    )
    assert resolved.settings.namespace == "team"


def test_contradictions_across_layers_name_every_source():
    with pytest.raises(ConfigError) as caught:
        build_settings(
            app=ConfigText(".dorgu.yaml", "scaling:\n  max_replicas: 1\n"),
            workspace=ConfigText("dorgu-workspace.yaml", "scaling:\n  min_replicas: 3\n"),
        )
    message = str(caught.value)
    assert "app .dorgu.yaml:2" in message
    assert "workspace dorgu-workspace.yaml:2" in message
    assert "min_replicas (3) is greater than max_replicas (1)" in message


def test_a_flag_can_repair_a_contradiction_between_files():
    resolved = build_settings(
        app=ConfigText("a", "scaling: {max_replicas: 1}\n"),
        workspace=ConfigText("w", "scaling: {min_replicas: 3}\n"),
        flags={"scaling.max_replicas": 5},
    )
    assert resolved.settings.scaling.max_replicas == 5


def test_bad_flag_values_and_keys_are_reported_by_flag_name():
    with pytest.raises(ConfigError, match=r"flag scaling\.max_replicas"):
        build_settings(flags={"scaling.max_replicas": "many"})
    with pytest.raises(UsageError, match="did you mean 'namespace'"):
        build_settings(flags={"namespac": "x"})


def test_flags_set_map_entries_with_dotted_keys():
    resolved = build_settings(flags={"labels[prometheus.io/scrape]": "true", "namespace": None})
    assert resolved.settings.labels == {"prometheus.io/scrape": "true"}
    assert resolved.settings.namespace is None


def test_unknown_naming_variables_are_reported_with_their_origin():
    with pytest.raises(ConfigError) as caught:
        build_settings(
            app=ConfigText(".dorgu.yaml", "naming:\n  pattern: '{team}-{application}'\n")
        )
    message = str(caught.value)
    assert message.startswith("app .dorgu.yaml:2: naming pattern")
    assert "{application}" in message
    assert "{app}" in message


def test_entries_list_effective_values_in_schema_order_with_defaults():
    resolved = build_settings(app=ConfigText("a", "namespace: shop\napp: {name: x}\n"))
    keys = [entry.key for entry in resolved.entries()]
    assert (
        keys.index(("app", "name")) < keys.index(("namespace",)) < keys.index(("llm", "provider"))
    )
    assert ("scaling", "max_replicas") not in keys
    assert ("scaling", "max_replicas") in [e.key for e in resolved.entries(include_unset=True)]
    assert resolved.value_of(("app",))["name"] == "x"  # type: ignore[index]
