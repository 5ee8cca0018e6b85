"""Property tests: for arbitrary components, every generated workload is sized, hardened,
versioned and free of secret values, and the output is deterministic."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorgu.errors import DorguError
from dorgu.generation import GenerationOptions, GitInfo
from dorgu.generation.rendering import render_files, render_stream
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Endpoint,
    EndpointKind,
    EnvVar,
    Port,
    Protocol,
    ResourceHints,
    SecurityHints,
    Volume,
    VolumeKind,
)
from dorgu.models.app import (
    HealthCheck as Check,
)

from .builders import generate, load_all

SECRET = "s3cr3t-VALUE-never-shown"
names = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True)
env_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True)
quantities = st.sampled_from([None, "100m", "1", "64Mi", "1Gi"])
ports = st.builds(Port, number=st.integers(1, 65535), protocol=st.sampled_from(list(Protocol)))
endpoints = st.builds(
    Endpoint,
    kind=st.sampled_from(list(EndpointKind)),
    path=st.from_regex(r"/[a-z/]{0,12}", fullmatch=True),
)
checks = st.builds(
    Check,
    test=st.lists(st.text(min_size=1, max_size=10), max_size=3).map(tuple),
    disabled=st.booleans(),
    http_path=st.one_of(st.none(), st.just("/health")),
    timeout_seconds=st.one_of(st.none(), st.floats(0.1, 30)),
    retries=st.one_of(st.none(), st.integers(1, 10)),
)
security = st.builds(
    SecurityHints,
    user=st.one_of(st.none(), st.sampled_from(["root", "0", "10001", "app", "nonroot", "node"])),
    uid=st.one_of(st.none(), st.integers(0, 70000)),
    runs_as_root=st.one_of(st.none(), st.booleans()),
)
env = st.builds(
    EnvVar,
    name=env_names,
    value=st.one_of(st.none(), st.text(max_size=20)),
    secret=st.booleans(),
)
volumes = st.builds(
    Volume,
    target=st.from_regex(r"/[a-z]{1,8}(/[a-z]{1,8})?", fullmatch=True),
    kind=st.sampled_from([VolumeKind.NAMED, VolumeKind.TMPFS, VolumeKind.ANONYMOUS]),
    source=st.one_of(st.none(), names),
)
components = st.builds(
    Component,
    name=names,
    kind=st.sampled_from([ComponentKind.APP, ComponentKind.APP, ComponentKind.BACKING]),
    type=st.sampled_from([None, AppType.API, AppType.WEB, AppType.WORKER, AppType.DAEMON]),
    language=st.sampled_from([None, "java", "go", "python", "node"]),
    image=st.one_of(st.none(), st.sampled_from(["postgres:16", "redis:7-alpine", "Shop/App:dev"])),
    ports=st.lists(ports, max_size=3).map(tuple),
    env=st.lists(env, max_size=4).map(tuple),
    endpoints=st.lists(endpoints, max_size=3).map(tuple),
    healthcheck=st.one_of(st.none(), checks),
    security=security,
    volumes=st.lists(volumes, max_size=2).map(tuple),
    replicas=st.one_of(st.none(), st.integers(1, 5)),
    resources=st.builds(ResourceHints, cpu_limit=quantities, memory_limit=quantities),
    run_once=st.sampled_from([None, None, True]),
)
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


def _with_secret(component: Component) -> Component:
    """Analysis never stores secret values; make sure a value that slipped in is not used."""
    leaked = EnvVar(name="DB_PASSWORD", value=SECRET, secret=True)
    return component.model_copy(update={"env": (*component.env, leaked)})


def _unique(items):
    seen, result = set(), []
    for item in items:
        if item.name not in seen:
            seen.add(item.name)
            result.append(item)
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(components, min_size=1, max_size=3).map(_unique), st.booleans())
def test_every_workload_is_sized_hardened_versioned_and_secret_free(items, with_git):
    items = [_with_secret(c) for c in items]
    git = GitInfo(short_sha="abc1234") if with_git else GitInfo()
    options = GenerationOptions(git=git, network_policy=True)
    secrets = {c.name: ("DB_PASSWORD",) for c in items}
    try:
        result = generate(*items, options=options, secret_names=secrets)
    except DorguError:  # only our own errors are acceptable (e.g. two names colliding)
        return
    workloads = [r.manifest for r in result.resources if r.kind in WORKLOADS]
    assert len(workloads) == len(items)
    for manifest in workloads:
        pod = manifest["spec"]["template"]["spec"]  # type: ignore[index]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"].get("runAsUser", 1) != 0
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in pod["containers"]:
            resources = container["resources"]
            assert set(resources["requests"]) == {"cpu", "memory"}
            assert "memory" in resources["limits"]
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"]["drop"] == ["ALL"]
            image = container["image"]
            assert not image.endswith(":latest")
            assert image == image.lower() or ":" in image
            if manifest["kind"] == "Deployment" and any(
                r.kind == "HorizontalPodAutoscaler" and r.name == manifest["metadata"]["name"]  # type: ignore[index]
                for r in result.resources
            ):
                assert "replicas" not in manifest["spec"]  # type: ignore[operator]
    texts = [f.text for f in render_files(result)] + [render_stream(result)]
    assert not any(SECRET in text for text in texts)
    again = generate(*items, options=options, secret_names=secrets)
    assert [f.text for f in render_files(again)] == [f.text for f in render_files(result)]
    streamed = load_all(render_stream(result))
    applied = [r.manifest for r in result.resources if not r.template]
    assert sorted(map(repr, streamed)) == sorted(map(repr, applied))
    for resource in result.resources:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", resource.name), resource.name
