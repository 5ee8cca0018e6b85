import contextlib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.errors import ConfigError
from dorgu.models.app import AppType
from dorgu.models.config import AppConfig, GlobalConfig, WorkspaceConfig
from dorgu.settings.parsing import parse_config

FULL_APP = """\
version: 1
app:
  name: shop
  description: The shop API
  team: payments
  owner: alice@example.com
  repository: https://github.com/acme/shop
  type: cron
  instructions: Keep replicas low.
  schedule: "*/5 * * * *"
environment: production
namespace: shop
image: {registry: ghcr.io/acme, repository: shop, tag: "1.0"}
resources:
  requests: {cpu: 250m, memory: 256Mi}
  limits: {cpu: 1, memory: 1Gi}
  profile: standard
scaling: {min_replicas: 2, max_replicas: 5, target_cpu: 70, target_memory: 80, behavior: balanced}
health:
  liveness: {path: /healthz, port: 8080, initial_delay_seconds: 5, period_seconds: 10}
  readiness: {path: /ready}
  startup: {path: /started, port: 8080}
dependencies:
  - {name: postgres, type: database}
  - {name: stripe, type: external, required: false, external: true}
ingress: {enabled: true, host: shop.example.com, path: /, tls: true, class_name: nginx}
labels:
  app.kubernetes.io/part-of: shop
  tier: backend
annotations:
  prometheus.io/scrape: true
  prometheus.io/port: 9090
naming: {pattern: "{team}-{app}-{env}"}
env: {LOG_LEVEL: info, WORKERS: 4}
llm: {provider: ollama, model: llama3}
"""


def test_a_full_app_file_parses_into_typed_values():
    parsed = parse_config(FULL_APP, AppConfig, file=".dorgu.yaml")
    config = parsed.config
    assert config.app.type is AppType.CRON
    assert config.image.tag == "1.0"
    assert config.resources.limits.cpu == "1"
    assert config.annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}
    assert config.labels["app.kubernetes.io/part-of"] == "shop"
    assert config.env == {"LOG_LEVEL": "info", "WORKERS": "4"}
    assert config.dependencies[1].external is True
    assert parsed.line_of(("annotations", "prometheus.io/scrape")) == 31


def test_empty_files_give_empty_models():
    assert parse_config("", AppConfig, file="a").config == AppConfig()
    assert parse_config("# only a comment\n", GlobalConfig, file="g").config == GlobalConfig()


def test_typo_names_file_line_key_and_nearest_valid_key():
    text = "app:\n  name: shop\nscaling:\n  min_replicas: 1\n\n\n  max_replica: 3\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, AppConfig, file=".dorgu.yaml")
    assert str(caught.value) == (
        ".dorgu.yaml:7: unknown key 'scaling.max_replica' (did you mean 'max_replicas'?)"
    )


def test_top_level_typo_is_suggested():
    with pytest.raises(
        ConfigError, match=r"x\.yaml:2: unknown key 'namespce' \(did you mean 'namespace'\?\)"
    ):
        parse_config("version: 1\nnamespce: shop\n", AppConfig, file="x.yaml")


def test_wrong_types_name_the_key_and_the_value():
    with pytest.raises(ConfigError) as caught:
        parse_config("scaling:\n  max_replicas: ten\n", AppConfig, file="a.yaml")
    message = str(caught.value)
    assert message.startswith("a.yaml:2: scaling.max_replicas:")
    assert "'ten'" in message


def test_errors_inside_lists_point_at_the_item_line():
    text = "dependencies:\n  - name: db\n    type: database\n  - name: q\n    type: kafka\n"
    with pytest.raises(ConfigError, match=r"a\.yaml:5: dependencies\[1\]\.type: Input should be"):
        parse_config(text, AppConfig, file="a.yaml")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("resources:\n  requests: {cpu: lots}\n", "not a Kubernetes quantity"),
        (
            "resources:\n  requests: {memory: 2Gi}\n  limits: {memory: 1Gi}\n",
            "greater than limits.memory",
        ),
        (
            "scaling: {min_replicas: 5, max_replicas: 2}\n",
            "min_replicas (5) is greater than max_replicas (2)",
        ),
        ("labels:\n  'bad key!': x\n", "not a valid Kubernetes label/annotation key"),
        ("labels:\n  team: 'has spaces'\n", "not a valid label value"),
        ("annotations:\n  -bad/x: y\n", "not a valid Kubernetes label/annotation key"),
        ("app: {type: api, schedule: '@daily'}\n", "only for type 'cron'"),
        ("app: {type: cron, schedule: 'every day'}\n", "not a cron schedule"),
        ("health:\n  liveness: {path: healthz}\n", "health.liveness.path"),
        ("ingress: {host: 'Bad_Host'}\n", "ingress.host"),
        ("version: 2\n", "version"),
        ("env: {'1BAD': x}\n", "not a valid environment variable name"),
    ],
)
def test_kubernetes_syntax_is_validated(text, fragment):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, AppConfig, file="a.yaml")
    assert fragment in str(caught.value)


def test_label_keys_with_dots_and_slashes_are_accepted_everywhere():
    text = "labels:\n  example.com/team: a\n  app.kubernetes.io/name: b\n"
    assert len(parse_config(text, WorkspaceConfig, file="w").config.labels) == 2


def test_non_mapping_documents_and_bad_yaml_are_config_errors():
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse_config("- a\n- b\n", AppConfig, file="a.yaml")
    with pytest.raises(ConfigError, match=r"a\.yaml:2: invalid YAML"):
        parse_config("app: [unclosed\n", AppConfig, file="a.yaml")
    with pytest.raises(ConfigError, match="duplicate key"):
        parse_config("namespace: a\nnamespace: b\n", AppConfig, file="a.yaml")


def test_yaml_alias_bombs_are_a_clean_config_error():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        refs = ",".join([f"*{previous}"] * 9)
        bomb += f"{level}: &{level} [{refs}]\n"
    with pytest.raises(ConfigError, match="alias bomb"):
        parse_config(bomb, AppConfig, file="bomb.yaml")


def test_secret_values_are_never_echoed_in_errors():
    text = "llm:\n  api_keys:\n    openai: 12345678901234567\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, GlobalConfig, file="g.yaml")
    assert "12345678901234567" not in str(caught.value)


def test_several_problems_are_counted():
    with pytest.raises(ConfigError, match=r"and 2 more problems"):
        parse_config("a: 1\nb: 2\nc: 3\n", AppConfig, file="a.yaml")


@given(st.text(max_size=300))
@settings(max_examples=200)
def test_arbitrary_text_parses_or_raises_only_config_error(text):
    for model in (AppConfig, WorkspaceConfig, GlobalConfig):
        with contextlib.suppress(ConfigError):
            parse_config(text, model, file="fuzz.yaml")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
@settings(max_examples=200)
def test_arbitrary_yaml_structures_give_a_model_or_a_config_error(data):
    text = yaml.safe_dump({"app": data, "scaling": data, "labels": data})
    with contextlib.suppress(ConfigError):
        parse_config(text, AppConfig, file="fuzz.yaml")
