import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dorgu.generation.rendering import (
    _Dumper,
    _is_plain,
    dump_yaml,
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


_PYYAML_OPTIONS = {"sort_keys": False, "default_flow_style": False, "allow_unicode": True,
                   "width": 4096}  # fmt: skip
_TRICKY = ["yes", "no", "null", "~", "true", "1e3", "0x1F", "-", "- a", ": b", "#c", "a: b",
           "...", "---", "=", "<<", "0o7", "1_000", ".inf", "2001-12-14", "'", '"', "? x", "%x",
           "@a", "!t", "&a", "*a", "|", ">", "", " lead", "trail ", "x" * 130, "é", "💥",
           "a\nb", "a\nb\n\n", "\t", "\r", "\x85", "\u2028", "\\U0001F4A5"]  # fmt: skip


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(_TRICKY), st.text(max_size=40)), min_size=1, max_size=6).map(
        " ".join
    ),
    st.sampled_from(_TRICKY),
)
def test_the_fast_emitter_gives_pyyamls_bytes_on_any_document(value, key):
    document = {
        "k": value,
        "l": [value, {"x": value, key or "e": 1, value[:70] or "q": [value, "", 1, None, 2.5]}],
        "e": [],
        "f": {},
        "long": "y " * 400 + value,
    }
    assert dump_yaml(document) == yaml.dump(document, Dumper=_Dumper, **_PYYAML_OPTIONS)


def test_plain_documents_take_the_fast_emitter_and_others_fall_back():
    assert _is_plain({"a": ["b", 1, {"c": "d e: f"}], "n": None})
    assert not _is_plain({"a": "line\nbreak"})
    assert not _is_plain({"": 1})
    assert not _is_plain({"k" * 65: 1})
    assert not _is_plain({"a": ["💥"]})
