"""Components that run once (migrations, seeders) become hardened Jobs."""

from datetime import UTC, datetime

from dorgu.models.app import AppType, Component, ComponentKind, Port, Volume, VolumeKind
from dorgu.services.validating import check_generated

from .builders import container, dig, find, generate, kinds, pod_spec


def _migrate(**update: object) -> Component:
    base = Component(
        name="migrate",
        type=AppType.WORKER,
        run_once=True,
        command=("alembic", "upgrade", "head"),
        ports=(Port(number=8000),),
    )
    return base.model_copy(update=update)


def test_a_run_once_component_becomes_a_job_that_restarts_only_on_failure():
    result = generate(_migrate())
    job = find(result, "Job")
    assert job["apiVersion"] == "batch/v1"
    assert dig(job, "spec", "backoffLimit") == 2
    assert pod_spec(job)["restartPolicy"] == "OnFailure"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert probe not in container(job)
    assert "replicas" not in dig(job, "spec")  # type: ignore[operator]


def test_a_job_gets_no_service_autoscaler_or_disruption_budget_even_with_ports():
    present = kinds(generate(_migrate(), Component(name="api", type=AppType.API, replicas=3)))
    assert "Job" in present
    services = [k for k in present if k in ("Service", "HorizontalPodAutoscaler")]
    # Only the api has them.
    assert services.count("HorizontalPodAutoscaler") == 1
    assert "Service" not in kinds(generate(_migrate()))
    assert "PodDisruptionBudget" not in kinds(generate(_migrate()))


def test_a_job_is_hardened_like_every_workload_and_reruns_as_an_argo_cd_sync_hook():
    job = find(generate(_migrate()), "Job")
    pod = pod_spec(job)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True  # type: ignore[index]
    context = container(job)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True  # type: ignore[index]
    assert context["capabilities"] == {"drop": ["ALL"]}  # type: ignore[index]
    assert set(container(job)["resources"]["requests"]) == {"cpu", "memory"}  # type: ignore[index]
    annotations = dig(job, "metadata", "annotations")
    assert annotations["argocd.argoproj.io/hook"] == "Sync"  # type: ignore[index]
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"  # type: ignore[index]


def test_a_generated_job_passes_every_rule_of_the_engine():
    result = generate(_migrate())
    applied = [r.manifest for r in result.resources if not r.template]
    findings = check_generated(applied, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [str(f) for f in findings] == []


def test_a_run_once_image_service_is_a_job_too_and_a_named_volume_does_not_make_it_stateful():
    seed = Component(
        name="seed",
        kind=ComponentKind.IMAGE,
        image="postgres:16",
        type=AppType.WORKER,
        run_once=True,
        volumes=(Volume(target="/seed", kind=VolumeKind.NAMED, source="seeds"),),
    )
    present = kinds(generate(seed))
    assert "Job" in present
    assert "StatefulSet" not in present


def test_a_scheduled_component_stays_a_cronjob_even_if_it_runs_once():
    from .builders import settings

    config = settings(app={"type": "cron", "schedule": "0 * * * *"})
    present = kinds(generate(_migrate(), config=config))
    assert "CronJob" in present and "Job" not in present
