import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.errors import DorguError, LimitExceededError, ParseError
from dorgu.formats.yamldocs import load_yaml, load_yaml_documents


def test_keys_with_dots_and_slashes_keep_their_text_and_lines():
    doc = load_yaml(
        "labels:\n  prometheus.io/scrape: 'true'\n  app.kubernetes.io/name: x\n", file="a.yaml"
    )
    assert doc.data == {"labels": {"prometheus.io/scrape": "true", "app.kubernetes.io/name": "x"}}
    assert doc.lines[("labels", "prometheus.io/scrape")] == 2
    assert doc.lines[("labels", "app.kubernetes.io/name")] == 3


def test_line_of_falls_back_to_the_nearest_ancestor():
    doc = load_yaml("a:\n  b:\n    - 1\n    - c: 2\n", file="a.yaml")
    assert doc.line_of(("a", "b", 1, "c")) == 4
    assert doc.line_of(("a", "missing", "x")) == 1


def test_merge_keys_are_applied_without_overriding_explicit_keys():
    doc = load_yaml("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n", file="c.yaml")
    assert doc.data["svc"] == {"x": 1, "y": 3}


def test_alias_bomb_is_refused_with_the_file_name():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(LimitExceededError, match=r"bomb\.yaml"):
        load_yaml("\n".join(lines), file="bomb.yaml")


def test_deep_nesting_is_refused():
    with pytest.raises(LimitExceededError):
        load_yaml("[" * 200 + "]" * 200, file="deep.yaml")


def test_syntax_errors_name_file_and_line():
    with pytest.raises(ParseError, match=r"bad.yaml:2: invalid YAML"):
        load_yaml("a: 1\n  b: 2\nc: 3\n", file="bad.yaml")


def test_duplicate_keys_are_errors():
    with pytest.raises(ParseError, match="duplicate key 'a'"):
        load_yaml("a: 1\na: 2\n", file="dup.yaml")


def test_python_object_tags_are_never_constructed():
    doc = load_yaml("x: !!python/object/apply:os.system ['echo hi']\n", file="evil.yaml")
    assert doc.data["x"] != 0  # kept as data, nothing executed
    doc = load_yaml("x: !Ref Foo\n", file="cfn.yaml")
    assert doc.data == {"x": "Foo"}


def test_multiple_documents_are_all_returned():
    docs = load_yaml_documents("a: 1\n---\nb: 2\n", file="m.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    with pytest.raises(ParseError, match="several"):
        load_yaml("a: 1\n---\nb: 2\n", file="m.yaml")


def test_huge_text_is_refused_before_parsing():
    with pytest.raises(LimitExceededError):
        load_yaml("a: " + "x" * 100, file="big.yaml", max_bytes=50)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_dorgu_errors(text):
    with contextlib.suppress(DorguError):
        load_yaml_documents(text, file="fuzz.yaml")


def test_scalars_follow_the_yaml_1_2_core_schema():
    doc = load_yaml(
        "ports: [22:22, 8080:80]\nflags: [yes, no, on, off, true, False]\nn: [0o17, 0x1f, 1.5, ~, null, 2024-01-01]\n"
        "off: 1\nq: '123'\n",
        file="c.yaml",
    )
    assert doc.data["ports"] == ["22:22", "8080:80"]
    assert doc.data["flags"] == ["yes", "no", "on", "off", True, False]
    assert doc.data["n"] == [15, 31, 1.5, None, None, "2024-01-01"]
    assert doc.data["off"] == 1
    assert doc.data["q"] == "123"


def test_null_keys_are_refused():
    with pytest.raises(ParseError, match="null"):
        load_yaml("~: 1\n", file="k.yaml")
