import pytest

from dorgu.errors import ConfigError
from dorgu.models.app import AppType, Component, ComponentKind, Port, Volume, VolumeKind

from .builders import container, dig, find, generate, kinds, pod_spec, settings


def test_an_api_becomes_a_deployment_scaled_by_an_hpa_without_spec_replicas():
    result = generate(Component(name="shop", type=AppType.API, ports=(Port(number=8000),)))
    deployment = find(result, "Deployment")
    assert "replicas" not in dig(deployment, "spec")
    hpa = find(result, "HorizontalPodAutoscaler")
    assert dig(hpa, "spec", "scaleTargetRef", "name") == "shop"
    assert dig(hpa, "spec", "minReplicas") == 2
    assert kinds(result)[:2] == ["ServiceAccount", "Deployment"]


def test_the_pod_runs_as_its_own_service_account_without_a_token():
    result = generate(Component(name="shop", type=AppType.API, ports=(Port(number=8000),)))
    pod = pod_spec(find(result, "Deployment"))
    assert pod["serviceAccountName"] == "shop"
    assert pod["automountServiceAccountToken"] is False
    assert find(result, "ServiceAccount")["automountServiceAccountToken"] is False


def test_a_backing_service_with_a_named_volume_is_a_statefulset_with_a_claim_template():
    postgres = Component(
        name="postgres",
        kind=ComponentKind.BACKING,
        image="postgres:16",
        ports=(Port(number=5432),),
        volumes=(
            Volume(target="/var/lib/postgresql/data", kind=VolumeKind.NAMED, source="pgdata"),
        ),
    )
    api = Component(name="api", type=AppType.API, ports=(Port(number=8000),))
    result = generate(api, postgres, backing={"postgres": "postgres"})
    stateful = find(result, "StatefulSet")
    assert dig(stateful, "spec", "replicas") == 1
    assert dig(stateful, "spec", "serviceName") == "postgres-headless"
    assert dig(stateful, "spec", "volumeClaimTemplates", 0, "metadata", "name") == "pgdata"
    assert find(result, "Service", "postgres-headless")["spec"]["clusterIP"] == "None"  # type: ignore[index]
    env = {e["name"]: e.get("value") for e in container(stateful)["env"]}  # type: ignore[union-attr]
    assert env["PGDATA"] == "/var/lib/postgresql/data/pgdata"
    assert pod_spec(stateful)["securityContext"]["runAsUser"] == 999  # type: ignore[index]


def test_a_cron_component_becomes_a_cronjob_with_the_configured_schedule():
    config = settings(app={"type": "cron", "schedule": "*/15 * * * *"})
    result = generate(Component(name="shop", type=AppType.WORKER), config=config)
    cron = find(result, "CronJob")
    assert dig(cron, "spec", "schedule") == "*/15 * * * *"
    assert dig(cron, "spec", "concurrencyPolicy") == "Forbid"
    pod = dig(cron, "spec", "jobTemplate", "spec", "template", "spec")
    assert dig(pod, "restartPolicy") == "OnFailure"
    assert "livenessProbe" not in container(cron)
    assert "HorizontalPodAutoscaler" not in kinds(result)
    assert "Service" not in kinds(result)


def test_a_cron_component_without_a_schedule_is_a_config_error():
    with pytest.raises(ConfigError, match="schedule"):
        generate(Component(name="shop", type=AppType.CRON))


def test_a_daemon_becomes_a_daemonset_without_replicas_or_autoscaler():
    result = generate(Component(name="shop", type=AppType.DAEMON, ports=(Port(number=9100),)))
    daemon = find(result, "DaemonSet")
    assert "replicas" not in dig(daemon, "spec")
    assert "HorizontalPodAutoscaler" not in kinds(result)
    assert "PodDisruptionBudget" not in kinds(result)


def test_compose_replicas_become_the_minimum_of_the_autoscaler():
    component = Component(name="shop", type=AppType.WORKER, replicas=3)
    result = generate(component)
    assert dig(find(result, "HorizontalPodAutoscaler"), "spec", "minReplicas") == 3


def test_zero_min_replicas_gives_a_scaled_down_deployment_and_a_warning():
    config = settings(scaling={"min_replicas": 0})
    result = generate(Component(name="shop", type=AppType.WORKER), config=config)
    assert dig(find(result, "Deployment"), "spec", "replicas") == 0
    assert "HorizontalPodAutoscaler" not in kinds(result)
    assert any(d.code == "generate.zero-replicas" for d in result.diagnostics)


def test_command_is_left_to_the_image_unless_the_service_is_image_only():
    app = Component(name="shop", type=AppType.API, command=("gunicorn", "app:app"))
    assert "args" not in container(find(generate(app), "Deployment"))
    redis = Component(
        name="redis", kind=ComponentKind.BACKING, image="redis:7", command=("redis-server",)
    )
    result = generate(app, redis)
    assert container(find(result, "Deployment", "shop-redis"))["args"] == ["redis-server"]


def test_an_external_dependency_component_is_not_generated_when_left_out_by_the_service():
    api = Component(name="api", type=AppType.API, ports=(Port(number=8000),))
    result = generate(api)
    assert all(r.component in ("api", None) for r in result.resources)
