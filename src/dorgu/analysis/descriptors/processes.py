"""Procfile processes: one component per process type of the app they belong to.

Each runs the app's one image with its own command (``sh -c``); ``web`` keeps the routes and
health endpoints, the others are workers without ports; ``release`` runs once per deploy (a
Job).  The app's evidence is copied to every process, except what the process replaces.

Must not: read files.
"""

from __future__ import annotations

from dorgu.analysis.descriptors.notes import Notes, merge_env
from dorgu.analysis.descriptors.records import Described, Descriptions
from dorgu.models.app import AppType, Component, ComponentKind
from dorgu.models.evidence import Evidence

_REPLACED = ("ports", "port", "type", "command", "entrypoint")
_WEB_ONLY = ("endpoints", "routes", "healthcheck")


def split_processes(
    components: list[Component],
    evidence: list[Evidence],
    descriptions: Descriptions,
    notes: Notes,
    *,
    keep: bool,
) -> tuple[list[Component], list[Evidence]]:
    """One component per Procfile process of an app built from source."""
    result: list[Component] = []
    apps = [c for c in components if c.kind is ComponentKind.APP]
    for component in components:
        processes = descriptions.processes.get(component.path)
        if component.kind is not ComponentKind.APP or not processes:
            result.append(component)
            continue
        single = len(apps) == 1
        prefix = f"components.{component.name}."
        own = [e for e in evidence if e.field.startswith(prefix)]
        evidence = [e for e in evidence if not e.field.startswith(prefix)]
        for process in processes:
            if len(processes) == 1:
                name = component.name
            else:
                name = process.name if single else f"{component.name}-{process.name}"
            result.append(_process(component, process, name, notes, keep=keep))
            dropped = _REPLACED if process.name == "web" else _REPLACED + _WEB_ONLY
            for item in own:
                rest = item.field[len(prefix) :]
                if rest.split(".")[0] in dropped:
                    continue
                evidence.append(item.model_copy(update={"field": f"components.{name}.{rest}"}))
    return result, evidence


def _process(
    component: Component, process: Described, name: str, notes: Notes, *, keep: bool
) -> Component:
    detail = f"Procfile process {process.name}"
    web = process.name == "web"
    update: dict[str, object] = {
        "name": name,
        "image": component.image or component.name,  # every process runs the app's one image
        "entrypoint": tuple(process.command[:-1]) if process.command else None,
        "command": tuple(process.command[-1:]) if process.command else None,
        "env": merge_env(component.env, process.env),
    }
    for field, words in (("entrypoint", update["entrypoint"]), ("command", update["command"])):
        notes.add(
            name,
            field,
            " ".join(words)[:200] if isinstance(words, tuple) else "",
            "procfile.process",
            process.where("command"),
            process.confidence,
            detail,
        )
    if process.ports:
        update["ports"] = process.ports
        notes.add(
            name,
            "ports",
            ", ".join(str(p.number) for p in process.ports),
            "procfile.port",
            process.where("ports"),
            process.confidence,
            f"{detail}: binds $PORT",
        )
    if not web:
        update.update(ports=process.ports, routes=(), endpoints=(), healthcheck=None)
        kind = "runs once per release (a Job)" if process.run_once else "a worker process"
        update["type"] = AppType.WORKER
        notes.add(name, "type", "worker", "procfile.process", process.location, 0.9, kind)
    elif component.type not in (AppType.API, AppType.WEB):
        update["type"] = AppType.API
        notes.add(name, "type", "api", "procfile.process", process.location, 0.8, detail)
    if process.run_once:
        update["run_once"] = True
        notes.add(name, "run_once", "true", "procfile.release", process.location, 0.9, detail)
    if process.replicas is not None and not process.run_once:
        notes.add(
            name,
            "replicas",
            str(process.replicas),
            "app-json.formation",
            process.where("replicas"),
            0.9,
            detail if keep else f"{detail}; not kept (descriptors: evidence)",
        )
        if keep:
            update["replicas"] = process.replicas
    return component.model_copy(update=update)
