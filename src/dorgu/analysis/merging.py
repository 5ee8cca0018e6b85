"""Merging what the Dockerfile, compose and the code say about one component.

Precedence for runtime facts: compose (how the app is run) > Dockerfile (how the image is
built) > code (what the program does) > framework defaults.  Disagreements become warnings that
name both places, because a port mismatch is a real bug worth telling the user about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from dorgu.analysis.dockerfile import DockerfileInfo
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.listening.assembling import component_runtime
from dorgu.analysis.listening.choosing import Choice, choose_ports
from dorgu.analysis.rebasing import rebase, rebase_all, rebase_location
from dorgu.models.app import (
    AppType,
    Build,
    Component,
    ComponentKind,
    Dependency,
    Endpoint,
    EnvVar,
    Port,
    Route,
    Volume,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

_WEB_FRAMEWORKS = frozenset(
    {"nextjs", "next.js", "rails", "django", "laravel", "symfony", "phoenix", "nuxt"}
)


@dataclass(frozen=True)
class ComponentSources:
    """Everything known about one component before merging.  Paths are root-relative."""

    name: str
    path: str = "."
    base: Component | None = None  # from compose
    dockerfile: DockerfileInfo | None = None
    dockerfile_path: str | None = None
    reports: Sequence[LanguageReport] = ()  # locations relative to ``path``
    openapi_routes: Sequence[Route] = ()  # root-relative already
    base_evidence: Sequence[Evidence] = ()
    context: str | None = None  # the build context when the code is only part of it
    env_overrides: Mapping[str, tuple[str, Location | None]] = field(default_factory=dict)


@dataclass
class Merged:
    component: Component
    evidence: list[Evidence] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    assumed_env: list[EnvVar] = field(default_factory=list)


def _prefixed(evidence: Sequence[Evidence], name: str, path: str) -> list[Evidence]:
    out = []
    for item in evidence:
        field_path = (
            item.field
            if item.field.startswith("components.")
            else f"components.{name}.{item.field}"
        )
        out.append(
            item.model_copy(
                update={"field": field_path, "location": rebase_location(item.location, path)}
            )
        )
    return out


def main_report(reports: Sequence[LanguageReport]) -> LanguageReport | None:
    if not reports:
        return None
    return max(reports, key=lambda r: (r.confidence, r.framework is not None, len(r.routes)))


def _merge_routes(code: Sequence[Route], spec: Sequence[Route]) -> tuple[Route, ...]:
    seen: dict[tuple[str, str], Route] = {}
    for route in [*spec, *code]:
        seen.setdefault((route.method, route.path), route)
    return tuple(sorted(seen.values(), key=lambda r: (r.path, r.method)))


def _merge_env(*layers: Sequence[EnvVar]) -> tuple[EnvVar, ...]:
    order: list[str] = []
    values: dict[str, EnvVar] = {}
    for layer in layers:
        for var in layer:
            if var.name not in values:
                order.append(var.name)
            values[var.name] = var
    return tuple(values[name] for name in order)


def _env_port(env: Sequence[EnvVar]) -> int | None:
    for var in env:
        if var.name in ("PORT", "HTTP_PORT", "SERVER_PORT", "ASPNETCORE_HTTP_PORTS") and var.value:
            head = var.value.split(";")[0].split(",")[0].strip()
            if head.isascii() and head.isdigit() and 0 < int(head) < 65536:
                return int(head)
    return None


def _choose_ports(
    src: ComponentSources, report: LanguageReport | None, env: Sequence[EnvVar], merged: Merged
) -> tuple[Port, ...]:
    name = src.name
    compose_ports = src.base.ports if src.base else ()
    docker_ports = src.dockerfile.ports if src.dockerfile else ()
    code_ports = rebase_all(report.ports, src.path) if report else ()
    choice = _listening(src, report, compose_ports, docker_ports, code_ports)
    merged.evidence.extend(choice.evidence)
    merged.diagnostics.extend(choice.diagnostics)
    merged.assumed_env.extend(choice.assumed_env)
    if choice.ports is not None:
        return choice.ports
    env_port = _env_port(env)
    code_numbers = {p.number for p in code_ports}
    if (
        docker_ports
        and code_ports
        and not code_numbers & {p.number for p in docker_ports}
        and env_port is None
    ):
        code = code_ports[0]
        merged.diagnostics.append(
            Diagnostic(
                code="analysis.port-mismatch",
                message=(
                    f"{name}: the Dockerfile exposes {', '.join(str(p.number) for p in docker_ports)} "
                    f"but the code listens on {code.number}"
                    + (f" ({code.location})" if code.location else "")
                    + "; check which one is right"
                ),
                location=docker_ports[0].location,
            )
        )
    if compose_ports:
        return compose_ports
    if docker_ports:
        return docker_ports
    if env_port is not None:
        merged.evidence.append(
            Evidence(
                field=f"components.{name}.ports",
                value=str(env_port),
                rule="env.port",
                location=Location(file=src.dockerfile_path) if src.dockerfile_path else None,
                confidence=0.8,
            )
        )
        return (Port(number=env_port, purpose="http"),)
    return tuple(code_ports)


def _listening(
    src: ComponentSources,
    report: LanguageReport | None,
    compose_ports: Sequence[Port],
    docker_ports: Sequence[Port],
    code_ports: Sequence[Port],
) -> Choice:
    """The effective listen port: the code's port expressions evaluated in the container's env."""
    runtime = component_runtime(
        src.base, src.dockerfile, overrides=src.env_overrides, base_evidence=src.base_evidence
    )
    listen = tuple(
        expr
        if expr.location is None
        else replace(expr, location=rebase_location(expr.location, src.path))
        for rep in ([report] if report else [])
        for expr in rep.listen
    )
    http_rule = next(
        (e.rule for e in (report.evidence if report else ()) if e.field == "port"), None
    )
    return choose_ports(
        name=src.name,
        declared=compose_ports or docker_ports,
        declared_what="compose maps container port" if compose_ports else "the Dockerfile exposes",
        report_ports=code_ports,
        report_port_rule=http_rule,
        listen=listen,
        framework=report.framework if report else None,
        runtime=runtime,
    )


def _infer_type(
    component: Component, report: LanguageReport | None, merged: Merged
) -> AppType | None:
    if component.type is not None or component.kind is not ComponentKind.APP:
        return component.type
    if report and report.app_type:
        try:
            return AppType(report.app_type)
        except ValueError:
            pass
    framework = (component.framework or "").lower()
    operational = {e.path for e in component.endpoints}
    business_routes = [r for r in component.routes if r.path not in operational]
    if framework in _WEB_FRAMEWORKS:
        chosen, why = AppType.WEB, f"framework {component.framework} serves pages"
    elif business_routes:
        chosen, why = AppType.API, "serves HTTP routes"
    elif component.ports and framework:
        chosen, why = AppType.API, f"{component.framework} app listening on a port"
    elif component.ports and not component.routes:
        chosen, why = (
            AppType.WORKER,
            "listens on a port but serves no API routes (health or metrics only)",
        )
    elif component.ports:
        chosen, why = AppType.WORKER, "serves only health and metrics endpoints"
    else:
        chosen, why = AppType.WORKER, "no listening port or routes found"
    merged.evidence.append(
        Evidence(
            field=f"components.{component.name}.type",
            value=chosen.value,
            rule="analysis.type",
            confidence=0.6 if chosen is AppType.WORKER else 0.7,
            detail=why,
        )
    )
    return chosen


def merge_component(src: ComponentSources) -> Merged:
    """Combine compose, Dockerfile and language findings into one ``Component``."""
    base = src.base or Component(name=src.name, path=src.path)
    merged = Merged(component=base, evidence=list(src.base_evidence))
    report = main_report(src.reports)
    docker = src.dockerfile

    for rep in src.reports:
        merged.evidence.extend(_prefixed(rep.evidence, src.name, src.path))
        merged.diagnostics.extend(rebase_all(rep.diagnostics, src.path))
    if docker is not None:
        merged.evidence.extend(_prefixed(docker.evidence, src.name, "."))
        merged.diagnostics.extend(docker.diagnostics)

    env = _merge_env(docker.env if docker else (), base.env)
    ports = _choose_ports(src, report, env, merged)
    env = _merge_env(env, merged.assumed_env)

    dependencies: dict[str, Dependency] = {}
    for dep in base.dependencies:
        # Two compose services of one kind (db and analytics-db) are two dependencies.
        dependencies[dep.name if dep.component else dep.kind or dep.name] = dep
    provided = {d.kind for d in dependencies.values() if d.kind}
    for rep in sorted(src.reports, key=lambda r: -r.confidence):
        for dep in rep.dependencies:
            key = dep.kind or dep.name
            if key in dependencies or key in provided:
                continue
            # A compose service of the same kind is the concrete provider.
            dependencies[key] = rebase(dep, src.path)

    endpoints: dict[tuple[str, str], Endpoint] = {}
    for rep in src.reports:
        for endpoint in rep.endpoints:
            endpoints.setdefault((endpoint.kind.value, endpoint.path), rebase(endpoint, src.path))

    security = base.security
    if docker is not None and base.security.user is None:
        hints = docker.security
        security = security.model_copy(
            update={
                "user": hints.user,
                "uid": hints.uid,
                "gid": hints.gid,
                "runs_as_root": hints.runs_as_root,
            }
        )
    build = base.build
    if build is None and src.dockerfile_path is not None:
        build = Build(context=src.context or src.path, dockerfile=src.dockerfile_path)
    elif build is not None and build.dockerfile is None and src.dockerfile_path is not None:
        build = build.model_copy(update={"dockerfile": src.dockerfile_path})

    update: dict[str, object] = {
        "path": src.path,
        "ports": ports,
        "env": env,
        "dependencies": tuple(sorted(dependencies.values(), key=lambda d: (d.type.value, d.name))),
        "endpoints": tuple(sorted(endpoints.values(), key=lambda e: (e.kind.value, e.path))),
        "routes": _merge_routes(
            rebase_all(report.routes, src.path) if report else (), src.openapi_routes
        ),
        "security": security,
        "build": build,
        "config_keys": tuple(sorted({v.name for r in src.reports for v in r.env})),
    }
    if report is not None:
        update.update(
            language=report.language,
            language_version=report.language_version,
            framework=report.framework,
            build_tool=report.build_tool,
        )
    if docker is not None:
        update.update(
            base_image=docker.base_image,
            workdir=base.workdir or docker.workdir,
            command=base.command if base.command is not None else docker.cmd,
            entrypoint=base.entrypoint if base.entrypoint is not None else docker.entrypoint,
            healthcheck=base.healthcheck or docker.healthcheck,
            stop_signal=base.stop_signal or docker.stop_signal,
            labels=_merge_pairs(docker.labels, base.labels),
            volumes=base.volumes or tuple(Volume(target=v) for v in docker.volumes),
        )
    component = base.model_copy(update=update)
    component = component.model_copy(update={"type": _infer_type(component, report, merged)})
    if (
        component.kind is ComponentKind.APP
        and report is None
        and docker is None
        and src.base is None
    ):
        merged.diagnostics.append(
            Diagnostic(
                code="analysis.unknown-app",
                severity=Severity.WARNING,
                message=f"{src.name}: no Dockerfile, compose service or known language manifest found",
                location=Location(file=src.path),
            )
        )
    merged.component = component
    return merged


def _merge_pairs(
    first: Sequence[tuple[str, str]], second: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    values = dict(first)
    values.update(dict(second))
    return tuple(values.items())
