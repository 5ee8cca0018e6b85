"""Property tests: no input makes the parser raise anything but a DorguError."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorgu.analysis.compose import compose_components, parse_compose
from dorgu.analysis.compose.interpolating import interpolate, lookup_in
from dorgu.analysis.compose.keys import SERVICE_KEYS, TOP_LEVEL_KEYS
from dorgu.errors import DorguError, ParseError
from dorgu.models.evidence import Location

_FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
)
_tricky = st.sampled_from(
    [
        "${A}",
        "${A:-${B:-x}}",
        "${A:?boom}",
        "$$",
        "${",
        "80:8080",
        "127.0.0.1:80:8080/udp",
        "9000-9002:9000-9002",
        "./src:/app:ro",
        "../up:/x",
        "/data",
        "CMD-SHELL",
        "NONE",
        "0.5",
        "512M",
        "1m30s",
        "postgres://u:p@db:5432/x",
        "db",
        "a=b",
        "",
    ]
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    _tricky,
)


def _data(keys: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    return st.recursive(
        _scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.one_of(keys, _text), children, max_size=4),
        ),
        max_leaves=20,
    )


_service_keys = st.sampled_from(sorted(SERVICE_KEYS))
_services = st.dictionaries(
    st.sampled_from(["web", "db", "worker", "cache"]),
    st.one_of(st.none(), st.dictionaries(_service_keys, _data(_service_keys), max_size=8)),
    max_size=4,
)
_compose = st.fixed_dictionaries(
    {"services": _services},
    optional={
        key: _data(st.sampled_from(["external", "driver", "file", "name"]))
        for key in TOP_LEVEL_KEYS - {"services"}
    },
)


def _check(text: str, **kwargs: object) -> None:
    try:
        project = parse_compose([("compose.yml", text)], **kwargs)  # type: ignore[arg-type]
        compose_components(project)
    except DorguError:
        pass


@_FAST
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_dorgu_errors(text: str) -> None:
    _check(text)


@_FAST
@given(_data(st.sampled_from(["services", "volumes", "name", "version"])))
def test_arbitrary_yaml_data_raises_only_dorgu_errors(data: object) -> None:
    _check(yaml.safe_dump(data))


@_FAST
@given(_compose, st.dictionaries(st.sampled_from(["A", "B", "TAG"]), _text, max_size=3))
def test_compose_shaped_data_raises_only_dorgu_errors(
    data: object, environment: dict[str, str]
) -> None:
    _check(yaml.safe_dump(data), environment=environment, profiles=["debug"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_compose, _compose)
def test_merging_arbitrary_files_raises_only_dorgu_errors(first: object, second: object) -> None:
    try:
        project = parse_compose(
            [("compose.yml", yaml.safe_dump(first)), ("override.yml", yaml.safe_dump(second))]
        )
        compose_components(project)
    except DorguError:
        pass


@_FAST
@given(st.text(max_size=200))
def test_arbitrary_dotenv_and_env_file_raise_only_dorgu_errors(text: str) -> None:
    compose = "services:\n  web:\n    image: x\n    env_file: web.env\n    environment: [A]\n"
    _check(compose, texts={".env": text, "web.env": text})


@_FAST
@given(st.text(max_size=80), st.dictionaries(st.sampled_from(["A", "B"]), _text, max_size=2))
def test_interpolation_of_arbitrary_text_raises_only_parse_errors(
    text: str, variables: dict[str, str]
) -> None:
    try:
        value, unset = interpolate(text, lookup_in(variables), Location(file="compose.yml"))
    except ParseError:
        return
    assert isinstance(value, str)
    assert all(name.isidentifier() for name in unset)
