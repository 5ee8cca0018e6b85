from dorgu.models.app import Component, ComponentKind

from .builders import container, generate


def _images(result):
    return {
        r.component: container(r.manifest)["image"]
        for r in result.resources
        if r.kind in ("Deployment", "StatefulSet")
    }


def test_stated_images_are_written_exactly_as_stated():
    stated = ["nginx", "Docker.io/Library/Redis:latest", "localhost:5000/team/app", "pg@sha256:ab"]
    components = [
        Component(name=f"s{i}", kind=ComponentKind.IMAGE, image=image)
        for i, image in enumerate(stated)
    ]
    result = generate(*components)
    assert sorted(_images(result).values()) == sorted(stated)


def test_one_warning_per_unpinned_image_naming_every_service_and_what_to_pin():
    result = generate(
        Component(name="cache", kind=ComponentKind.IMAGE, image="redis"),
        Component(name="sessions", kind=ComponentKind.IMAGE, image="redis"),
        Component(name="db", kind=ComponentKind.BACKING, image="postgres:latest"),
        Component(name="web", kind=ComponentKind.IMAGE, image="nginx:1.27"),
    )
    warnings = [d for d in result.diagnostics if d.code == "generate.image-unpinned"]
    assert len(warnings) == 2
    redis, postgres = warnings
    assert "redis (cache, sessions) has no tag" in redis.message
    assert "redis:<version>" in redis.message and "redis@sha256:<digest>" in redis.message
    assert "postgres:latest (db) uses :latest" in postgres.message
    assert "postgres:<version>" in postgres.message
    assert result.unpinned_images == ("redis", "postgres:latest")


def test_a_registry_with_a_port_is_kept_in_the_suggestion():
    result = generate(Component(name="a", kind=ComponentKind.IMAGE, image="localhost:5000/x"))
    (warning,) = [d for d in result.diagnostics if d.code == "generate.image-unpinned"]
    assert "localhost:5000/x:<version>" in warning.message


def test_built_images_are_never_unpinned_images():
    result = generate(Component(name="api", image="acme/api"))
    assert result.unpinned_images == ()
    assert _images(result)["api"] != "acme/api"
    assert not [d for d in result.diagnostics if d.code == "generate.image-unpinned"]
