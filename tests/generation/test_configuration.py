from dorgu.generation import GenerationOptions
from dorgu.generation.rendering import render_files
from dorgu.models.app import Build, Component, EnvVar, Location

from .builders import container, find, generate, kinds, settings

ENV = (
    EnvVar(name="LOG_LEVEL", value="info", location=Location(file="compose.yaml", line=3)),
    EnvVar(name="DATABASE_URL", secret=True, location=Location(file="compose.yaml", line=4)),
    EnvVar(name="PATH", value="/venv/bin:$PATH", location=Location(file="Dockerfile", line=7)),
)
COMPONENT = Component(
    name="shop",
    env=ENV,
    config_keys=("API_TOKEN", "LOG_LEVEL"),
    build=Build(dockerfile="Dockerfile"),
)
SECRETS = {"shop": ("DATABASE_URL", "API_TOKEN")}


def test_non_secret_env_goes_to_a_config_map_and_image_env_stays_in_the_image():
    result = generate(COMPONENT, secret_names=SECRETS)
    assert find(result, "ConfigMap", "shop-env")["data"] == {"LOG_LEVEL": "info"}
    found = container(find(result, "Deployment"))
    assert found["envFrom"] == [{"configMapRef": {"name": "shop-env"}}]


def test_secret_keys_are_only_references_to_a_secret_template():
    result = generate(COMPONENT, secret_names=SECRETS)
    env = container(find(result, "Deployment"))["env"]
    assert env == [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": "shop-secrets", "key": key}}}
        for key in ("API_TOKEN", "DATABASE_URL")
    ]
    secret = next(r for r in result.resources if r.kind == "Secret")
    assert secret.template
    assert secret.manifest["stringData"] == {
        "API_TOKEN": "REPLACE_ME",
        "DATABASE_URL": "REPLACE_ME",
    }
    files = {f.path: f for f in render_files(result)}
    assert not files["secret.template.yaml"].applied
    assert "secret.template.yaml" not in files["kustomization.yaml"].text


def test_external_secrets_replace_the_template_on_request():
    options = GenerationOptions(external_secrets=True, secret_store="vault")
    result = generate(COMPONENT, secret_names=SECRETS, options=options)
    assert "Secret" not in kinds(result)
    external = find(result, "ExternalSecret")
    assert external["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}  # type: ignore[index]
    assert external["spec"]["target"]["name"] == "shop-secrets"  # type: ignore[index]


def test_env_settings_are_added_and_secret_looking_ones_become_references():
    config = settings(env={"FEATURE_X": "on", "SIGNING_KEY": "abc"})
    result = generate(
        COMPONENT, config=config, secret_names={"shop": ("DATABASE_URL", "SIGNING_KEY")}
    )
    assert find(result, "ConfigMap", "shop-env")["data"] == {"FEATURE_X": "on", "LOG_LEVEL": "info"}
    assert "abc" not in str([r.manifest for r in result.resources])


def test_the_pod_template_carries_a_checksum_of_the_config_map():
    def checksum(value):
        component = Component(name="shop", env=(EnvVar(name="A", value=value),))
        deployment = find(generate(component), "Deployment")
        return deployment["spec"]["template"]["metadata"]["annotations"]["dorgu.io/config-checksum"]  # type: ignore[index]

    assert checksum("1") != checksum("2")
    assert checksum("1") == checksum("1")
