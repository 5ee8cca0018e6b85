"""Compose services that run once (migrations, seeders, init steps) and so become Jobs.

A compose service is *run once* when:

1. another active service waits for it to finish: ``depends_on: {X: {condition:
   service_completed_successfully}}`` (rule ``compose.run-once.awaited``, confidence 0.95);
   compose itself then treats X as a step that must exit 0;
2. or it is not declared long-running (``restart`` unset, ``"no"`` or ``on-failure``) and its
   command (compose ``command``/``entrypoint``, else the image's ``CMD``/``ENTRYPOINT``) runs a
   one-shot task (a migration tool, a seeder, ``manage.py migrate``, ``rake db:migrate`` ...),
   or, with an explicit ``restart: "no"``/``on-failure``, names a one-off step
   (``python scripts/load_data.py``, ``create-buckets.sh``), or its name says so (migrate,
   seed, init, setup ...) and it listens on no port
   (rule ``compose.run-once.command``, 0.85 with an explicit ``restart``, else 0.7).

``restart: always``/``unless-stopped`` declares a long-running service: never a Job unless
another service awaits its completion.  A run-once service is a worker (type ``worker``), never
a backing service of its dependents, even when it runs a database image (``psql -f seed.sql``).

Must not: read files, or decide anything about manifests (``generation.planning`` turns
``Component.run_once`` into a Job).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.analysis.compose.projects import ComposeProject, ComposeService
from dorgu.models.app import AppType, Component, ComponentKind, DependencyType
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity
from dorgu.models.patterns import LazyPattern

COMPLETED = "service_completed_successfully"
_LONG_RUNNING = frozenset({"always", "unless-stopped"})
_NAME_WORDS = frozenset(
    {
        "migrate",
        "migrations",
        "migration",
        "migrator",
        "seed",
        "seeder",
        "seeds",
        "seeding",
        "init",
        "initdb",
        "setup",
        "bootstrap",
        "provision",
        "fixtures",
        "loaddata",
        "populate",
        "createbuckets",
        "schema",
    }
)
# Commands that run a task and exit: migration tools, seeders, framework management commands.
_ONE_SHOT = LazyPattern(
    r"(?:^|[\s/;&|'\"])(?:"
    r"alembic\s+upgrade|flyway\b.*\bmigrate|liquibase\b.*\bupdate|knex\s+(?:migrate|seed)"
    r"|sequelize(?:-cli)?\s+db:(?:migrate|seed)|prisma\s+(?:migrate\s+deploy|db\s+(?:push|seed))"
    r"|goose\b.*\bup\b|dbmate\b.*\b(?:up|migrate)\b|diesel\s+migration\s+run|sqlx\s+migrate\s+run"
    r"|migrate\s+(?:-path|-database|up)\b|manage\.py\s+(?:migrate|loaddata|collectstatic)"
    r"|flask\s+db\s+upgrade|rake\s+db:|rails\s+db:|artisan\s+(?:migrate|db:seed)"
    r"|mix\s+ecto\.(?:migrate|setup)|npm\s+run\s+(?:migrate|seed|db:)[\w:-]*"
    r"|yarn\s+(?:run\s+)?(?:migrate|seed)[\w:-]*|(?:python|node|ruby)\s+\S*(?:migrate|seed)\S*"
    r"|psql\b.*\s-f\s|mongo(?:sh|restore|import)\b|mc\s+mb\b"
    r")",
    re.IGNORECASE,
)


# With an explicit ``restart: "no"``/``on-failure``, a command naming a one-off step is enough.
_STEP = LazyPattern(
    r"(?:migrat|seed|fixture|bootstrap|provision|populate|backfill|load[_-]?data|import[_-]?data"
    r"|init[_-]?db|create[_-]?(?:db|database|bucket|topic|index|schema|user)|setup|restore)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RunOnce:
    """Why a service runs once."""

    rule: str
    confidence: float
    detail: str
    location: Location | None


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w}


def _awaited(project: ComposeProject) -> dict[str, tuple[str, Location | None]]:
    """Service name -> (a dependent that waits for it to complete, where)."""
    found: dict[str, tuple[str, Location | None]] = {}
    for service in project.services:
        for dependency in service.depends_on:
            if dependency.condition == COMPLETED:
                found.setdefault(dependency.name, (service.name, dependency.location))
    return found


def _reason(
    service: ComposeService,
    component: Component,
    awaited: dict[str, tuple[str, Location | None]],
) -> RunOnce | None:
    if service.name in awaited:
        dependent, location = awaited[service.name]
        return RunOnce(
            rule="compose.run-once.awaited",
            confidence=0.95,
            detail=f"{dependent} waits for it to complete ({COMPLETED})",
            location=location,
        )
    restart = (service.restart or "").strip().lower()
    if restart in _LONG_RUNNING:
        return None
    if restart and restart != "no" and not restart.startswith("on-failure"):
        return None
    words = [*(component.entrypoint or ()), *(component.command or ())]
    command = " ".join(words)
    explicit = bool(restart)
    where = service.locations.get("restart") if explicit else None
    if command and _ONE_SHOT.search(" " + command):
        why = f"runs a one-shot command ({command[:80]})"
    elif explicit and command and _STEP.search(command):
        why = f"runs a one-off step ({command[:80]})"
    elif _words(service.name) & _NAME_WORDS and not component.ports:
        why = f"its name says it is a one-off step ({service.name}) and it listens on no port"
    else:
        return None
    if explicit:
        why += f" and restart is {restart!r}"
    return RunOnce(
        rule="compose.run-once.command",
        confidence=0.85 if explicit else 0.7,
        detail=why,
        location=where or service.locations.get("command") or service.location,
    )


def mark_run_once(
    components: Sequence[Component], evidence: Sequence[Evidence], project: ComposeProject
) -> tuple[list[Component], list[Evidence], list[Diagnostic]]:
    """``components`` with the run-once services marked (type worker, not backing), the
    evidence (earlier type guesses for them replaced), and an info note for each service that
    waits for one."""
    by_name = {service.name: service for service in project.services}
    awaited = _awaited(project)
    reasons: dict[str, RunOnce] = {}
    for component in components:
        service = by_name.get(component.name)
        if service is None:
            continue
        reason = _reason(service, component, awaited)
        if reason is not None:
            reasons[component.name] = reason
    if not reasons:
        return list(components), list(evidence), []
    retyped = {f"components.{name}.type" for name in reasons}
    kept = [e for e in evidence if e.field not in retyped]
    diagnostics: list[Diagnostic] = []
    marked: list[Component] = []
    for component in components:
        reason = reasons.get(component.name)
        if reason is not None:
            kept.append(
                Evidence(
                    field=f"components.{component.name}.run_once",
                    value="true",
                    rule=reason.rule,
                    location=reason.location,
                    confidence=reason.confidence,
                    detail=reason.detail,
                )
            )
            kept.append(
                Evidence(
                    field=f"components.{component.name}.type",
                    value=AppType.WORKER.value,
                    rule=reason.rule,
                    location=reason.location,
                    confidence=reason.confidence,
                    detail="runs once (a Job): " + reason.detail,
                )
            )
            update: dict[str, object] = {"run_once": True, "type": AppType.WORKER}
            if component.kind is ComponentKind.BACKING:
                # It runs a database image's client, not the database: not a backing service.
                update["kind"] = ComponentKind.IMAGE
                field = f"components.{component.name}.kind"
                kept = [e for e in kept if e.field != field]
                kept.append(
                    Evidence(
                        field=field,
                        value=ComponentKind.IMAGE.value,
                        rule=reason.rule,
                        location=reason.location,
                        confidence=reason.confidence,
                        detail="runs once, so it is not the service its image provides",
                    )
                )
            component = component.model_copy(update=update)
        component = _retype_dependencies(component, reasons)
        for dependency in by_name[component.name].depends_on if component.name in by_name else ():
            if dependency.name in reasons and dependency.condition == COMPLETED:
                diagnostics.append(
                    Diagnostic(
                        severity=Severity.INFO,
                        code="analysis.run-once-dependency",
                        message=(
                            f"{component.name} waits for {dependency.name} to complete in "
                            f"compose; in Kubernetes the {dependency.name} Job and "
                            f"{component.name} start together, so {component.name} must retry "
                            "until the Job's work is done"
                        ),
                        location=dependency.location,
                    )
                )
        marked.append(component)
    return marked, kept, diagnostics


def _retype_dependencies(component: Component, reasons: dict[str, RunOnce]) -> Component:
    """A dependency on a run-once service is on a step, not on a database it may run."""
    if not any(d.component in reasons for d in component.dependencies):
        return component
    dependencies = tuple(
        d.model_copy(update={"type": DependencyType.SERVICE, "kind": None})
        if d.component in reasons
        else d
        for d in component.dependencies
    )
    return component.model_copy(update={"dependencies": dependencies})
