"""Reading routes from OpenAPI 3.x and Swagger 2.0 documents."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.openapi import is_openapi_candidate, parse_openapi

OAS3 = """openapi: 3.0.3
info: {title: pets, version: "1"}
servers:
  - url: https://{host}/api/{version}
    variables:
      host: {default: example.com}
      version: {default: v1}
paths:
  /pets/{petId}:
    parameters:
      - $ref: '#/components/parameters/PetId'
    get:
      operationId: getPet
      summary: Get a pet
      parameters:
        - $ref: '#/components/parameters/Limit'
        - name: X-Trace
          in: header
          schema: {type: string}
    put:
      requestBody: {required: true, content: {}}
      responses: {}
  /health:
    servers:
      - url: /
    get:
      responses: {}
components:
  parameters:
    PetId: {name: petId, in: path, required: true, schema: {type: integer}}
    Limit: {name: limit, in: query, schema: {$ref: '#/components/schemas/Limit'}}
  schemas:
    Limit: {type: integer}
"""
SWAGGER = {
    "swagger": "2.0",
    "basePath": "/v2",
    "parameters": {"q": {"name": "q", "in": "query", "type": "string", "required": True}},
    "paths": {
        "/users/{id}": {
            "get": {
                "operationId": "getUser",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "type": "string"},
                    {"$ref": "#/parameters/q"},
                    {"$ref": "common.yaml#/parameters/x"},
                ],
            },
            "post": {"parameters": [{"name": "user", "in": "body", "schema": {}}]},
        }
    },
}


def test_openapi3_servers_prefix_refs_operation_ids_and_lines() -> None:
    routes, diagnostics = parse_openapi(OAS3, file="openapi.yaml")
    assert diagnostics == []
    by_key = {(r.method, r.path): r for r in routes}
    assert set(by_key) == {
        ("GET", "/api/v1/pets/{petId}"),
        ("PUT", "/api/v1/pets/{petId}"),
        ("GET", "/health"),
    }
    get = by_key[("GET", "/api/v1/pets/{petId}")]
    assert get.operation_id == "getPet"
    assert get.summary == "Get a pet"
    assert get.source == "openapi"
    assert [(p.name, p.location, p.required, p.type) for p in get.params] == [
        ("petId", "path", True, "integer"),
        ("limit", "query", False, "integer"),
        ("X-Trace", "header", False, "string"),
    ]
    assert get.location is not None
    assert (get.location.file, get.location.line) == (
        "openapi.yaml",
        12,
    )
    put = by_key[("PUT", "/api/v1/pets/{petId}")]
    assert ("body", "body", True) in [(p.name, p.location, p.required) for p in put.params]


def test_swagger2_json_base_path_refs_and_external_ref_diagnostic() -> None:
    routes, diagnostics = parse_openapi(json.dumps(SWAGGER, indent=2), file="swagger.json")
    by_key = {(r.method, r.path): r for r in routes}
    assert set(by_key) == {("GET", "/v2/users/{id}"), ("POST", "/v2/users/{id}")}
    get = by_key[("GET", "/v2/users/{id}")]
    assert get.operation_id == "getUser"
    assert [(p.name, p.location, p.required) for p in get.params] == [
        ("id", "path", True),
        ("q", "query", True),
    ]
    post = by_key[("POST", "/v2/users/{id}")]
    assert [(p.name, p.location) for p in post.params] == [("id", "path"), ("user", "body")]
    assert [d.code for d in diagnostics] == ["openapi.external-ref"]


def test_broken_ref_and_not_a_spec() -> None:
    text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/nope'\n"
    routes, diagnostics = parse_openapi(text, file="api.yaml")
    assert [(r.method, r.path, r.params) for r in routes] == [("GET", "/a", ())]
    assert [d.code for d in diagnostics] == ["openapi.broken-ref"]
    routes, diagnostics = parse_openapi("name: not an api\n", file="swagger.yaml")
    assert routes == []
    assert [d.code for d in diagnostics] == ["openapi.not-a-spec"]


def test_invalid_yaml_and_json_become_diagnostics_with_lines() -> None:
    routes, diagnostics = parse_openapi("openapi: 3.0.0\npaths: [\n", file="openapi.yaml")
    assert routes == []
    assert diagnostics[0].code == "openapi.invalid"
    assert diagnostics[0].location is not None
    assert diagnostics[0].location.line == 3
    routes, diagnostics = parse_openapi('{"swagger": "2.0",\n "paths": {]}', file="swagger.json")
    assert routes == []
    assert diagnostics[0].location is not None
    assert diagnostics[0].location.line == 2


def test_recursive_refs_terminate() -> None:
    text = (
        "openapi: 3.0.0\n"
        "paths:\n  /a:\n    get:\n      parameters: [{$ref: '#/components/parameters/A'}]\n"
        "components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n"
        "    B: {$ref: '#/components/parameters/A'}\n"
    )
    routes, _ = parse_openapi(text, file="openapi.yaml")
    assert [r.path for r in routes] == ["/a"]


def test_candidate_file_names() -> None:
    for path in (
        "openapi.yaml",
        "docs/openapi.json",
        "api/swagger.yml",
        "petstore-openapi.yaml",
        "api-docs.json",
        "spec/Swagger.JSON",
    ):
        assert is_openapi_candidate(path), path
    for path in ("node_modules/pkg/swagger.json", "package.json", "openapi.go", "compose.yaml"):
        assert not is_openapi_candidate(path), path


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "openapi",
                    "swagger",
                    "paths",
                    "/a/{id}",
                    "get",
                    "post",
                    "parameters",
                    "$ref",
                    "servers",
                    "url",
                    "basePath",
                    "name",
                    "in",
                    "components",
                    "schema",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500))
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    parse_openapi(text, file="openapi.yaml")


@settings(max_examples=150, deadline=None)
@given(_JSONISH)
def test_parse_never_raises_on_odd_structures(data: object) -> None:
    if isinstance(data, dict):
        data.setdefault("openapi", "3.0.0")
    parse_openapi(json.dumps(data), file="openapi.json")
