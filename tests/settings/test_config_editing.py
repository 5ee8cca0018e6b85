import pytest

from dorgu.errors import ConfigError, UsageError
from dorgu.formats.yamldocs import load_yaml
from dorgu.models.config import AppConfig
from dorgu.settings import LayerName
from dorgu.settings.editing import file_key, header_of, render_config, set_value, unset_value
from dorgu.settings.parsing import parse_config


def doc(text: str):
    return load_yaml(text, file=".dorgu.yaml")


def test_set_keeps_existing_keys_in_order_and_types_the_value():
    data = set_value(
        doc("app:\n  name: shop\nnamespace: x\n"), LayerName.APP, ("scaling", "max_replicas"), "5"
    )
    assert list(data) == ["app", "namespace", "scaling"]
    assert data["scaling"] == {"max_replicas": 5}


def test_strings_stay_strings_where_the_schema_wants_strings():
    data = set_value(doc(""), LayerName.APP, ("image", "tag"), "1.0")
    assert data == {"image": {"tag": "1.0"}}
    assert "tag: '1.0'" in render_config(data)


def test_dotted_label_keys_round_trip_through_yaml():
    data = set_value(doc(""), LayerName.APP, ("labels", "prometheus.io/scrape"), "true")
    text = render_config(data)
    parsed = parse_config(text, AppConfig, file="a")
    assert parsed.config.labels == {"prometheus.io/scrape": "true"}


def test_sections_maps_and_lists_take_yaml_flow_values():
    data = set_value(doc(""), LayerName.APP, ("health", "liveness"), "{path: /healthz, port: 8080}")
    assert data["health"] == {"liveness": {"path": "/healthz", "port": 8080}}
    data = set_value(doc(""), LayerName.APP, ("dependencies",), "[{name: db, type: database}]")
    assert data["dependencies"] == [{"name": "db", "type": "database"}]
    with pytest.raises(UsageError, match="needs a list"):
        set_value(doc(""), LayerName.APP, ("dependencies",), "db")


def test_invalid_values_are_rejected_before_anything_is_written():
    with pytest.raises(ConfigError, match=r"scaling\.max_replicas"):
        set_value(doc(""), LayerName.APP, ("scaling", "max_replicas"), "many")
    with pytest.raises(ConfigError, match="greater than"):
        set_value(
            doc("scaling:\n  min_replicas: 4\n"), LayerName.APP, ("scaling", "max_replicas"), "2"
        )


def test_unset_prunes_empty_parents_and_reports_missing_keys():
    data, removed = unset_value(
        doc("scaling:\n  max_replicas: 3\nnamespace: x\n"),
        LayerName.APP,
        ("scaling", "max_replicas"),
    )
    assert removed
    assert data == {"namespace": "x"}
    data, removed = unset_value(doc("namespace: x\n"), LayerName.APP, ("scaling", "max_replicas"))
    assert not removed
    assert data == {"namespace": "x"}
    with pytest.raises(UsageError, match="did you mean"):
        unset_value(doc(""), LayerName.APP, ("scaling", "max_replica"))


def test_unset_can_remove_an_invalid_key_that_a_typo_left_behind():
    data, removed = unset_value(
        doc("scaling:\n  max_replica: 3\n"), LayerName.APP, ("scaling", "max_replica")
    )
    assert removed
    assert data == {}


def test_file_keys_map_effective_keys_and_keep_secrets_out_of_the_app_file():
    assert file_key(LayerName.WORKSPACE, "image.registry") == ("registry",)
    assert file_key(LayerName.GLOBAL, "namespace") == ("defaults", "namespace")
    assert file_key(LayerName.GLOBAL, "llm.api_keys.openai") == ("llm", "api_keys", "openai")
    with pytest.raises(UsageError, match="only stored in the global file"):
        file_key(LayerName.APP, "llm.api_keys.openai")
    with pytest.raises(UsageError, match="unknown workspace file key"):
        file_key(LayerName.WORKSPACE, "health.liveness.path")


def test_headers_are_kept_and_rendering_is_deterministic():
    text = "# yaml-language-server: $schema=x\n# note\napp:\n  name: a\n"
    assert header_of(text) == ["# yaml-language-server: $schema=x", "# note"]
    data = {"app": {"name": "a"}, "labels": {"z": "1", "a": "2"}}
    assert render_config(data, header=header_of(text)) == render_config(
        data, header=header_of(text)
    )
    assert render_config(data, header=["hello"]).startswith("# hello\napp:\n")
    assert render_config({}) == ""
