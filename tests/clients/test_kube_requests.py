"""The raw requests of ``LightkubeClient`` (pages, updates, reviews): object paths are
percent-encoded, and error answers become the one-line ``ClusterError`` their Status says."""

from __future__ import annotations

import pytest

from dorgu.clients import INCIDENT_MEMORIES, NODES
from dorgu.clients.kubeapi import _path
from dorgu.clients.kubeerrors import Operation, translate_status
from dorgu.errors import ClusterError

SERVER = "https://k.invalid:6443"


def test_paths_are_built_and_names_encoded():
    assert _path(INCIDENT_MEMORIES, None) == "/apis/dorgu.io/v1/incidentmemories"
    assert (
        _path(INCIDENT_MEMORIES, "shop", "a-1")
        == "/apis/dorgu.io/v1/namespaces/shop/incidentmemories/a-1"
    )
    assert _path(NODES, None, "n1") == "/api/v1/nodes/n1"
    assert _path(INCIDENT_MEMORIES, "shop", "../../x?y") == (
        "/apis/dorgu.io/v1/namespaces/shop/incidentmemories/..%2F..%2Fx%3Fy"
    )


@pytest.mark.parametrize(
    ("code", "body", "operation", "expected"),
    [
        (409, {"message": "the object has been modified"},
         Operation("update", "incidentmemories.dorgu.io", "a-1", "shop"),
         "conflict (409): update incidentmemories.dorgu.io/a-1 in namespace shop: the object "
         "changed since it was read (someone else updated it; run the command again)"),
        (403, {"message": "nope"}, Operation("list", "incidentmemories.dorgu.io"),
         "forbidden (403): not allowed to list incidentmemories.dorgu.io"),
        (404, {"message": "404 page not found"}, Operation("list", "incidentmemories.dorgu.io"),
         "the dorgu CRDs are not installed: run `dorgu cluster init`"),
        (404, {"details": {"name": "a-1"}, "message": "not found"},
         Operation("update", "incidentmemories.dorgu.io", "a-1", "shop"),
         "not found (404): update incidentmemories.dorgu.io/a-1 in namespace shop: not found"),
        (500, "not json", Operation("list", "incidentmemories.dorgu.io"),
         "list incidentmemories.dorgu.io failed (500): no details"),
    ],
)  # fmt: skip
def test_error_answers_are_one_line(code, body, operation, expected):
    error = translate_status(code, body, server=SERVER, operation=operation)
    assert isinstance(error, ClusterError)
    assert str(error).startswith(expected)
    assert "\n" not in str(error)
