from dorgu.models.app import Component, ComponentKind, ResourceHints

from .builders import container, find, generate, settings


def resources(component, **kwargs):
    result = generate(component, **kwargs)
    workload = next(r for r in result.resources if r.kind in ("Deployment", "StatefulSet"))
    return container(workload.manifest)["resources"]


def test_requests_and_a_memory_limit_always_and_no_cpu_limit_by_default():
    found = resources(Component(name="shop", language="python"))
    assert found == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}


def test_jvm_apps_get_the_memory_heavy_profile():
    found = resources(Component(name="shop", language="kotlin"))
    assert found["requests"]["memory"] == "768Mi"


def test_go_apps_get_the_minimal_profile():
    assert resources(Component(name="shop", language="go"))["requests"]["cpu"] == "50m"


def test_compose_deploy_resources_override_the_profile_including_a_cpu_limit():
    hints = ResourceHints(cpu_limit="500m", memory_limit="128Mi")
    found = resources(Component(name="shop", resources=hints))
    assert found["limits"] == {"cpu": "500m", "memory": "128Mi"}
    assert found["requests"] == {"cpu": "100m", "memory": "128Mi"}


def test_settings_override_compose_and_profile():
    config = settings(
        resources={
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"memory": "2Gi"},
            "profile": "minimal",
        }
    )
    hints = ResourceHints(memory_limit="128Mi")
    found = resources(Component(name="shop", resources=hints), config=config)
    assert found == {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}


def test_app_settings_do_not_size_image_only_services():
    config = settings(resources={"profile": "memory-heavy"})
    redis = Component(name="redis", kind=ComponentKind.BACKING, image="redis:7")
    result = generate(Component(name="api"), redis, config=config)
    api_container = container(find(result, "Deployment", "shop-api"))
    assert api_container["resources"]["requests"]["memory"] == "768Mi"
    redis_container = container(find(result, "Deployment", "shop-redis"))
    assert redis_container["resources"]["requests"]["memory"] == "256Mi"


def test_a_memory_limit_is_never_below_the_request():
    config = settings(resources={"requests": {"memory": "2Gi"}})
    found = resources(Component(name="shop"), config=config)
    assert found["limits"]["memory"] == "2Gi"
