from dorgu.generation import GenerationOptions, GitInfo
from dorgu.generation.images import parse_image
from dorgu.models.app import Component, ComponentKind

from .builders import container, generate, settings


def image(component, **kwargs):
    result = generate(component, **kwargs)
    workload = next(r for r in result.resources if r.kind in ("Deployment", "StatefulSet"))
    return container(workload.manifest)["image"], result


def test_the_tag_flag_wins_then_the_git_tag_then_the_short_sha():
    git = GitInfo(tag="v1.2.3", short_sha="abc1234")
    app = Component(name="shop")
    assert (
        image(app, config=settings(image={"tag": "2.0"}), options=GenerationOptions(git=git))[0]
        == "shop:2.0"
    )
    assert image(app, options=GenerationOptions(git=git))[0] == "shop:v1.2.3"
    assert (
        image(app, options=GenerationOptions(git=GitInfo(short_sha="abc1234")))[0] == "shop:abc1234"
    )


def test_without_any_version_the_fallback_tag_comes_with_a_warning_and_never_latest():
    found, result = image(Component(name="shop"))
    assert found == "shop:0.1.0"
    assert any(d.code == "generate.image-tag-fallback" for d in result.diagnostics)


def test_registry_and_repository_are_lowercased_and_combined():
    config = settings(image={"registry": "GHCR.io/Acme/", "tag": "1.0"})
    assert (
        image(Component(name="Shop", image="Shop/API:dev"), config=config)[0]
        == "ghcr.io/acme/shop/api:1.0"
    )


def test_image_only_services_keep_their_pinned_image_and_unpinned_ones_warn():
    assert (
        image(Component(name="db", kind=ComponentKind.BACKING, image="postgres:16"))[0]
        == "postgres:16"
    )
    found, result = image(Component(name="db", kind=ComponentKind.IMAGE, image="adminer"))
    assert found == "adminer"
    assert any(d.code == "generate.image-unpinned" for d in result.diagnostics)


def test_parse_image_knows_registries_ports_and_digests():
    ref = parse_image("localhost:5000/team/app:1.0@sha256:abc")
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        "localhost:5000",
        "team/app",
        "1.0",
        "sha256:abc",
    )
    assert parse_image("bitnami/redis").registry is None
