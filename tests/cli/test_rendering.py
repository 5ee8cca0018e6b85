"""`dorgu analyze` text: dependencies show the port they are reached on, connections theirs."""

from dorgu.cli.rendering import render_model
from dorgu.models.app import AppModel, Component, Connection, Dependency, DependencyType


def _line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_dependency_and_connection_ports_are_shown():
    web = Component(
        name="web",
        dependencies=(
            Dependency(name="api", type=DependencyType.SERVICE, component="api", port=3000),
            Dependency(name="db", type=DependencyType.DATABASE, kind="postgres", component="db"),
            Dependency(name="cache", type=DependencyType.CACHE, kind="redis", component="cache"),
            Dependency(name="queue", type=DependencyType.QUEUE, component="queue"),
        ),
        connections=(
            Connection(component="cache", port=6379, via="REDIS_URL"),
            Connection(component="cache", port=6380, via="REDIS_REPLICA"),
            Connection(component="queue", port=None, via="QUEUE_HOST"),
        ),
    )
    text = render_model(AppModel(name="shop", root=".", components=[web]))
    deps = _line(text, "dependencies")
    assert "api:3000 (service)" in deps
    assert "db (database/postgres)" in deps  # no port known: none invented
    assert "cache:6379/6380 (cache/redis)" in deps  # the ports its connections name
    assert "queue (queue)" in deps
    connects = _line(text, "connects to")
    assert "cache:6379 (REDIS_URL)" in connects
    assert "queue (port unknown) (QUEUE_HOST)" in connects
