import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.analysis.routes import join_paths, normalize_path, path_params


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/users/<int:id>", "/users/{id}"),
        ("/a/:id/b/*rest", "/a/{id}/b/{rest}"),
        ("pages/[slug]/[...all]", "/pages/{slug}/{all}"),
        ("/x/{id:int}/", "/x/{id}"),
        ("^articles/(?P<year>[0-9]{4})/$", "/articles/{year}"),
        ("", "/"),
        ("//double//slash", "/double/slash"),
        ("/files/{*rest}", "/files/{rest}"),
        ("/docs/{**slug}", "/docs/{slug}"),
        ("/items/{id?}", "/items/{id}"),
        ("/page/{n=1}", "/page/{n}"),
    ],
)
def test_every_framework_syntax_becomes_openapi_style(raw, expected):
    assert normalize_path(raw) == expected


def test_params_are_listed_in_order():
    assert [p.name for p in path_params("/o/{order}/items/{item}")] == ["order", "item"]


def test_join_paths_has_single_slashes():
    assert join_paths("/api/", "/v1", "orders/") == "/api/v1/orders"
    assert join_paths("", "") == "/"


@given(st.text(max_size=80))
def test_normalize_always_starts_with_slash(text):
    assert normalize_path(text).startswith("/")
