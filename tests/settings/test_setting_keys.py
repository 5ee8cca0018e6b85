import pytest

from dorgu.errors import UsageError
from dorgu.models.config import AppConfig, EffectiveSettings
from dorgu.settings.keys import format_key, leaf_keys, parse_key, resolve_key


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("namespace", ("namespace",)),
        ("scaling.max_replicas", ("scaling", "max_replicas")),
        ("labels[prometheus.io/scrape]", ("labels", "prometheus.io/scrape")),
        ('labels."prometheus.io/scrape"', ("labels", "prometheus.io/scrape")),
        ("labels.'a.b'", ("labels", "a.b")),
        ("labels.app/tier", ("labels", "app/tier")),
        ("a[b.c][d]", ("a", "b.c", "d")),
    ],
)
def test_keys_parse_dotted_bracketed_and_quoted_segments(text, path):
    assert parse_key(text) == path


@pytest.mark.parametrize("text", ["", "a.", ".a", "a..b", "a[", "a[]", 'a."b', "a b", "a[b]c"])
def test_malformed_keys_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_key(text)


def test_format_key_brackets_segments_with_dots_or_slashes_and_round_trips():
    path = ("labels", "prometheus.io/scrape")
    assert format_key(path) == "labels[prometheus.io/scrape]"
    assert parse_key(format_key(path)) == path
    assert format_key(("scaling", "max_replicas")) == "scaling.max_replicas"


def test_unknown_key_suggests_the_nearest_valid_key():
    with pytest.raises(UsageError) as caught:
        resolve_key(EffectiveSettings, ("scaling", "max_replica"))
    assert "did you mean 'scaling.max_replicas'?" in str(caught.value)


def test_unknown_key_without_a_close_match_lists_the_valid_keys():
    with pytest.raises(UsageError) as caught:
        resolve_key(AppConfig, ("scaling", "zzz"))
    assert "min_replicas" in str(caught.value)


def test_map_entries_resolve_to_scalars_and_list_items_are_refused():
    assert resolve_key(AppConfig, ("labels", "prometheus.io/scrape")).kind == "scalar"
    assert resolve_key(AppConfig, ("dependencies",)).kind == "list"
    with pytest.raises(UsageError, match="whole list"):
        resolve_key(AppConfig, ("dependencies", "0", "name"))
    with pytest.raises(UsageError, match="single value"):
        resolve_key(AppConfig, ("namespace", "x"))


def test_leaf_keys_cover_nested_sections_but_not_maps_or_lists():
    leaves = leaf_keys(EffectiveSettings)
    assert ("scaling", "max_replicas") in leaves
    assert ("llm", "api_keys", "openai") in leaves
    assert ("health", "liveness", "path") in leaves
    assert not any(path[0] in ("labels", "annotations", "env", "dependencies") for path in leaves)
