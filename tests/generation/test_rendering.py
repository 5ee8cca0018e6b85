import yaml

from dorgu.generation.rendering import (
    render_files,
    render_manifest,
    render_manifests,
    render_stream,
)
from dorgu.models.app import AppType, Component, ComponentKind, EnvVar, Port

from .builders import generate, load_all, settings

API = Component(
    name="api",
    type=AppType.API,
    ports=(Port(number=8000),),
    env=(EnvVar(name="A", value="x\ny\n"),),
)
REDIS = Component(
    name="redis", kind=ComponentKind.BACKING, image="redis:7", ports=(Port(number=6379),)
)


def test_keys_follow_kubectl_order_and_text_ends_with_one_newline():
    text = render_manifest(
        {"spec": {}, "metadata": {"labels": {}, "name": "x"}, "kind": "K", "apiVersion": "v1"}
    )
    assert text.splitlines()[:4] == ["apiVersion: v1", "kind: K", "metadata:", "  name: x"]
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_multi_line_values_are_literal_blocks():
    assert "A: |" in render_manifest(
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"A": "x\ny\n"}}
    )


def test_a_single_component_is_flat_and_several_get_a_directory_each():
    flat = [f.path for f in render_files(generate(Component(name="shop", ports=(Port(number=1),))))]
    assert "deployment.yaml" in flat and flat[-1] == "kustomization.yaml"
    nested = [f.path for f in render_files(generate(API, REDIS))]
    assert "api/deployment.yaml" in nested and "redis/deployment.yaml" in nested


def test_the_kustomization_lists_every_applied_file_and_the_namespace():
    files = render_files(generate(API, REDIS), namespace="shop")
    kustomization = yaml.safe_load(files[-1].text)
    assert kustomization["namespace"] == "shop"
    assert kustomization["resources"] == [f.path for f in files if f.applied]


def test_the_stream_round_trips_to_the_generated_manifests():
    result = generate(API, REDIS, config=settings(namespace="shop"))
    documents = load_all(render_stream(result))
    assert documents == [r.manifest for r in result.resources if not r.template]


def test_rendering_is_byte_for_byte_deterministic():
    first = [(f.path, f.text) for f in render_files(generate(API, REDIS))]
    second = [(f.path, f.text) for f in render_files(generate(API, REDIS))]
    assert first == second


def test_objects_rendered_once_serve_both_the_files_and_the_stream():
    result = generate(API, REDIS)
    texts = render_manifests(result)
    assert len(texts) == len(result.resources)
    assert [(f.path, f.text) for f in render_files(result, texts=texts)] == [
        (f.path, f.text) for f in render_files(result)
    ]
    assert render_stream(result, texts=texts) == render_stream(result)
    # the given texts are used as they are, not rendered again
    marked = tuple(f"# {i}\n{text}" for i, text in enumerate(texts))
    assert all(f"# {i}\n" in render_stream(result, texts=marked) for i, r in
               enumerate(result.resources) if not r.template)  # fmt: skip
