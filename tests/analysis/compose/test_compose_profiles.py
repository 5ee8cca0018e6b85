"""Profiles select which services are active."""

from __future__ import annotations

from dorgu.analysis.compose import parse_compose

COMPOSE = """
services:
  web:
    image: app
    depends_on: [db, debugger]
  db:
    image: postgres
  debugger:
    image: busybox
    profiles: [debug]
  adminer:
    image: adminer
    profiles: [tools, debug]
"""


def test_services_with_profiles_are_inactive_by_default() -> None:
    project = parse_compose([("compose.yml", COMPOSE)])
    assert [s.name for s in project.services] == ["web", "db"]
    assert project.inactive == ("debugger", "adminer")


def test_enabling_a_profile_activates_its_services() -> None:
    project = parse_compose([("compose.yml", COMPOSE)], profiles=["tools"])
    assert [s.name for s in project.services] == ["web", "db", "adminer"]
    project = parse_compose([("compose.yml", COMPOSE)], profiles=["debug"])
    assert [s.name for s in project.services] == ["web", "db", "debugger", "adminer"]


def test_star_enables_every_profile() -> None:
    project = parse_compose([("compose.yml", COMPOSE)], profiles=["*"])
    assert project.inactive == ()


def test_depending_on_an_inactive_service_is_a_diagnostic() -> None:
    project = parse_compose([("compose.yml", COMPOSE)])
    (diagnostic,) = [d for d in project.diagnostics if d.code == "compose.inactive-dependency"]
    assert "debugger" in diagnostic.message
    assert str(diagnostic.location) == "compose.yml:5"
    enabled = parse_compose([("compose.yml", COMPOSE)], profiles=["debug"])
    assert not [d for d in enabled.diagnostics if d.code == "compose.inactive-dependency"]
