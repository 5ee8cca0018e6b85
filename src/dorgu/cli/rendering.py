"""Text rendering of the application model for the terminal.  Pure string building."""

from __future__ import annotations

from collections import defaultdict

from dorgu.models.app import AppModel, Component, Dependency
from dorgu.models.evidence import Evidence


def _where(item: Evidence) -> str:
    return f"  ({item.location})" if item.location else ""


def _dependency(component: Component, dependency: Dependency) -> str:
    """``api:3000 (service)``: the port the dependency is reached on (its own, set by a proxy
    upstream, else the ports the component's connections to it name)."""
    target = dependency.component or dependency.name
    ports = (
        [dependency.port]
        if dependency.port
        else sorted({c.port for c in component.connections if c.component == target and c.port})
    )
    shown = dependency.name + (":" + "/".join(map(str, ports)) if ports else "")
    kind = "/" + dependency.kind if dependency.kind and dependency.kind != dependency.name else ""
    return f"{shown} ({dependency.type.value}{kind})"


def _fmt_component(component: Component, evidence: list[Evidence]) -> list[str]:
    tech = "/".join(x for x in (component.language, component.framework) if x) or "unknown stack"
    kind = component.kind.value + (f" · {component.type.value}" if component.type else "")
    if component.run_once:
        kind += " · runs once (Job)"
    lines = [f"component {component.name}  [{kind} · {tech}]  path: {component.path}"]

    def row(label: str, value: str) -> None:
        if value:
            lines.append(f"  {label:<13}{value}")

    row("image", component.image or "")
    if component.build:
        build = f"context={component.build.context}"
        if component.build.dockerfile:
            build += f" dockerfile={component.build.dockerfile}"
        if component.build.target:
            build += f" target={component.build.target}"
        row("build", build)
    row("base image", component.base_image or "")
    row(
        "ports",
        ", ".join(
            f"{p.number}/{p.protocol.value}" + (f" ({p.purpose})" if p.purpose else "")
            for p in component.ports
        ),
    )
    row(
        "endpoints",
        ", ".join(
            f"{e.kind.value} {e.path}" + (f" :{e.port}" if e.port else "")
            for e in component.endpoints
        ),
    )
    if component.healthcheck and not component.healthcheck.disabled:
        hc = component.healthcheck
        target = f"http {hc.http_path}" if hc.http_path else " ".join(hc.test)[:60]
        row("healthcheck", target)
    row("dependencies", ", ".join(_dependency(component, d) for d in component.dependencies))
    row("depends on", ", ".join(component.depends_on))
    row(
        "connects to",
        ", ".join(
            f"{c.component}" + (f":{c.port}" if c.port else " (port unknown)") + f" ({c.via})"
            for c in component.connections
        ),
    )
    env = ", ".join(v.name + ("=<secret>" if v.secret else "") for v in component.env)
    row("env", env)
    row("reads env", ", ".join(component.config_keys))
    sec = component.security
    if sec.user is not None or sec.runs_as_root is not None:
        row("user", f"{sec.user or '(none)'}" + ("  runs as root" if sec.runs_as_root else ""))
    if component.resources.memory_limit or component.resources.cpu_limit:
        res = component.resources
        row(
            "resources",
            f"cpu {res.cpu_request or '-'}/{res.cpu_limit or '-'} memory {res.memory_request or '-'}/{res.memory_limit or '-'}",
        )
    if component.replicas is not None:
        row("replicas", str(component.replicas))
    if component.routes:
        lines.append(f"  routes       {len(component.routes)}")
        for route in component.routes[:50]:
            where = f"  ({route.location})" if route.location else ""
            lines.append(f"    {route.method:<7} {route.path}{where}")
        if len(component.routes) > 50:
            lines.append(f"    ... {len(component.routes) - 50} more (use --json)")
    if evidence:
        lines.append("  evidence")
        for item in evidence:
            field = item.field.split(".", 2)[-1]
            lines.append(
                f"    {field:<24} {item.value[:40]:<40} {item.source.value}:{item.rule} "
                f"{item.confidence:.2f}{_where(item)}"
            )
    return lines


def render_model(model: AppModel, *, show_evidence: bool = True) -> str:
    by_component: dict[str, list[Evidence]] = defaultdict(list)
    for item in model.evidence:
        parts = item.field.split(".")
        if len(parts) > 1 and parts[0] == "components":
            by_component[parts[1]].append(item)
    lines = [
        f"app {model.name}  ({len(model.components)} component{'s' if len(model.components) != 1 else ''})",
        "",
    ]
    for component in model.components:
        lines.extend(
            _fmt_component(component, by_component[component.name] if show_evidence else [])
        )
        lines.append("")
    if model.diagnostics:
        lines.append("diagnostics")
        lines.extend(f"  {d}" for d in model.diagnostics)
    return "\n".join(lines).rstrip() + "\n"
