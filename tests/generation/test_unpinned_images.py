import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.generation.references import reference_problem
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


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("nginx:", "the tag is empty"),
        (":latest", "names no repository"),
        ("Acme/App:1.0", "upper-case"),
        ("redis@sha256:", "digest"),
        ("redis:bad tag!", "characters a tag cannot"),
        ("bad_host.io:port/x", "not a host name"),
        ("a/" * 200 + "b", "longer than 255"),
        ("x//y", "is not lower-case letters"),
    ],
)
def test_unpullable_references_are_written_as_stated_with_one_warning_saying_why(image, problem):
    result = generate(
        Component(name="a", kind=ComponentKind.IMAGE, image=image),
        Component(name="b", kind=ComponentKind.IMAGE, image=image),
    )
    assert set(_images(result).values()) == {image.strip()}
    (found,) = [d for d in result.diagnostics if d.code.startswith("generate.image-")]
    assert found.code == "generate.image-invalid" and problem in found.message
    assert "(a, b)" in found.message


@given(st.text(max_size=300))
def test_reference_checking_never_crashes_on_junk(text):
    problem = reference_problem(text)
    assert problem is None or isinstance(problem, str)


def test_well_formed_references_have_no_problem():
    for image in (
        "nginx",
        "nginx:1.27-alpine",
        "Registry.Example.com:5000/team/app:v1.2_3",
        "localhost/app",
        "ghcr.io/a/b/c@sha256:" + "ab" * 32,
        "redis:7@sha256:" + "0" * 64,
    ):
        assert reference_problem(image) is None, image
