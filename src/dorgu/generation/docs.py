"""``PERSONA.md``: a readable account of an application component, written from its persona
(what it is, how it runs, what it depends on, its API, operational notes and warnings).

``render_persona_markdown(persona, component, model)`` returns the Markdown text; the same
input gives the same bytes (no dates, sorted where order carries no meaning).

Must not print configuration values (only names: a value may be a secret), read files or
invent facts that are not in the persona, the component or the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from dorgu.generation.serving import describe_serving
from dorgu.models.app import AppModel, Component, EndpointKind
from dorgu.models.evidence import Severity, Source
from dorgu.models.personas import ApplicationPersona
from dorgu.models.personas_api import ApiRoute
from dorgu.models.personas_spec import ApplicationPersonaSpec, Health

_ARTICLE = {"api": "an API", "web": "a web app", "worker": "a worker", "cron": "a scheduled job"}


def render_persona_markdown(
    persona: ApplicationPersona, component: Component, model: AppModel
) -> str:
    spec = persona.spec
    sections = [
        _title(persona, component),
        _glance(persona),
        _running(spec, component),
        _dependencies(spec),
        _api(spec),
        _api_summary(component, model),
        _configuration(component),
        _notes(spec, component, model),
        _observability(spec, component),
        _llm_risks(component, model),
        _footer(component, model),
    ]
    return "\n\n".join(s for s in sections if s).rstrip() + "\n"


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: object) -> str:
    value = str(text)
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _title(persona: ApplicationPersona, component: Component) -> str:
    spec = persona.spec
    technical = spec.technical
    kind = _ARTICLE.get(spec.type.value, f"a {spec.type.value}")
    stack = ""
    if technical and technical.language:
        stack = f" written in {technical.language}"
        if technical.language_version:
            stack += f" {technical.language_version}"
        if technical.framework:
            stack += f" with {technical.framework}"
    part = f", part of **{spec.part_of}**" if spec.part_of else ""
    lines = [f"# {spec.name}", ""]
    if technical and technical.description:
        lines += [f"> {technical.description.strip()}", ""]
    lines.append(f"**{spec.name}** is {kind}{stack}{part}.")
    serving = describe_serving(component)
    if serving:
        lines += ["", serving]
    return "\n".join(lines)


def _glance(persona: ApplicationPersona) -> str:
    spec = persona.spec
    rows: list[tuple[str, object]] = [("Type", spec.type.value), ("Tier", spec.tier.value)]
    if spec.version:
        rows.append(("Version", spec.version))
    if spec.technical and spec.technical.image:
        rows.append(("Image", _code(spec.technical.image)))
    if spec.technical and spec.technical.build_tool:
        rows.append(("Build", spec.technical.build_tool))
    if persona.metadata.namespace:
        rows.append(("Namespace", persona.metadata.namespace))
    owner = spec.ownership
    for label, value in (
        ("Team", owner.team if owner else None),
        ("Owner", owner.owner if owner else None),
        ("Repository", owner.repository if owner else None),
    ):
        if value:
            rows.append((label, value))
    return "## At a glance\n\n" + _table(("Field", "Value"), rows)


def _running(spec: ApplicationPersonaSpec, component: Component) -> str:
    lines = ["## How it runs", ""]
    scaling = spec.scaling
    if scaling and scaling.min_replicas is not None:
        if scaling.target_cpu is not None and scaling.max_replicas != scaling.min_replicas:
            targets = f"CPU {scaling.target_cpu}%"
            if scaling.target_memory is not None:
                targets += f", memory {scaling.target_memory}%"
            lines.append(
                f"- **Replicas:** {scaling.min_replicas} to {scaling.max_replicas}, "
                f"autoscaled on {targets} ({scaling.behavior.value} behaviour)"
            )
        else:
            lines.append(f"- **Replicas:** {scaling.min_replicas}")
    resources = spec.resources
    if resources:
        parts = []
        for label, amounts in (("requests", resources.requests), ("limits", resources.limits)):
            values = [
                f"{kind} {value}"
                for kind, value in (
                    ("cpu", amounts.cpu if amounts else None),
                    ("memory", amounts.memory if amounts else None),
                )
                if value
            ]
            if values:
                parts.append(f"{label} " + ", ".join(values))
        profile = f" (profile {resources.profile.value})" if resources.profile else ""
        lines.append(f"- **Resources:** {'; '.join(parts)}{profile}")
    if component.run_once:
        lines.append("- **Runs:** once per deploy, to completion (a Job); no health probes")
    else:
        lines += _health_lines(spec.health)
    policies = spec.policies
    if policies and policies.deployment:
        d = policies.deployment
        lines.append(
            f"- **Rollout:** {d.strategy.value}, max surge {d.max_surge}, "
            f"max unavailable {d.max_unavailable}"
        )
    networking = spec.networking
    ingress = networking.ingress if networking else None
    if ingress and ingress.enabled:
        where = ingress.host or "any host"
        tls = " over TLS" if ingress.tls_enabled else ""
        paths = ", ".join(_code(p) for p in ingress.paths) or _code("/")
        lines.append(f"- **Exposed:** {where}{tls} at {paths}")
    else:
        lines.append("- **Exposed:** inside the cluster only")
    if networking and networking.ports:
        rows = [(p.name or "", p.port, p.protocol, p.purpose or "") for p in networking.ports]
        lines += ["", _table(("Port name", "Port", "Protocol", "Purpose"), rows)]
    return "\n".join(lines)


def _health_lines(health: Health | None) -> list[str]:
    if health is None:
        return ["- **Health:** no health endpoint is known"]
    port = f" on port {health.port}" if health.port else ""
    probes = [
        f"{kind} {_code(path)}"
        for kind, path in (
            ("liveness", health.liveness_path),
            ("readiness", health.readiness_path),
            ("startup", health.startup_path),
        )
        if path
    ]
    text = (
        ", ".join(probes) if probes else "no HTTP endpoint (probes run a command or check the port)"
    )
    return [f"- **Health:** {text}{port}; may take {health.startup_grace_period} to start"]


def _dependencies(spec: ApplicationPersonaSpec) -> str:
    if not spec.dependencies:
        return "## What it depends on\n\nNothing that dorgu could find."
    rows = [
        (
            d.name,
            d.type.value if d.type else "",
            d.kind or "",
            "yes" if d.required else "no",
            "outside the cluster" if d.external else "in the cluster",
        )
        for d in sorted(spec.dependencies, key=lambda d: d.name)
    ]
    header = ("Name", "Type", "Technology", "Required", "Runs")
    return "## What it depends on\n\n" + _table(header, rows)


def _params(route: ApiRoute) -> str:
    return ", ".join(
        f"{_code(p.name + ('' if p.required else '?'))} ({p.location.value})" for p in route.params
    )


def _api(spec: ApplicationPersonaSpec) -> str:
    if spec.api is None or not spec.api.routes:
        return ""
    rows = [
        (r.method, _code(r.path), _params(r), r.summary or "", r.source) for r in spec.api.routes
    ]
    text = "## API\n\n" + _table(("Method", "Path", "Parameters", "Summary", "Found in"), rows)
    if spec.api.truncated:
        text += f"\n\nOnly the first {len(spec.api.routes)} operations are listed."
    return text


def _llm_evidence(component: Component, model: AppModel, field: str) -> str | None:
    wanted = f"components.{component.name}.{field}"
    for item in model.evidence:
        if item.field == wanted and item.source is Source.LLM:
            return item.value
    return None


def _api_summary(component: Component, model: AppModel) -> str:
    """The LLM's summary of the API, when ``--llm-provider`` enhanced the analysis."""
    summary = _llm_evidence(component, model, "api_summary")
    if not summary:
        return ""
    return f"### What the API does\n\n{summary}\n\n_Written by an LLM from the routes above._"


def _llm_risks(component: Component, model: AppModel) -> str:
    prefix = f"{component.name}: "
    risks = [
        d.message[len(prefix) :].removesuffix(" (suggested by the LLM)")
        for d in model.diagnostics
        if d.code == "llm.risk" and d.message.startswith(prefix)
    ]
    if not risks:
        return ""
    lines = ["## Risks worth a look", "", "_Suggested by an LLM; review before acting._", ""]
    return "\n".join(lines + [f"- {r}" for r in risks])


def _configuration(component: Component) -> str:
    secret = {v.name for v in component.env if v.secret}
    names = sorted({v.name for v in component.env} | set(component.config_keys))
    if not names:
        return ""
    lines = ["## Configuration", "", "Environment variables it reads or sets (names only):", ""]
    lines += [f"- {_code(n)}{' (secret)' if n in secret else ''}" for n in names]
    return "\n".join(lines)


def _notes(spec: ApplicationPersonaSpec, component: Component, model: AppModel) -> str:
    lines = ["## Operational notes", ""]
    metrics = [e for e in component.endpoints if e.kind is EndpointKind.METRICS]
    for endpoint in metrics:
        port = f" on port {endpoint.port}" if endpoint.port else ""
        lines.append(f"- Metrics are served at {_code(endpoint.path)}{port}.")
    security = spec.policies.security if spec.policies else None
    if security:
        posture = [
            "runs as a non-root user" if security.run_as_non_root else "may run as root",
            "with a read-only root filesystem"
            if security.read_only_root_filesystem
            else "with a writable root filesystem",
            "without privilege escalation"
            if not security.allow_privilege_escalation
            else "with privilege escalation allowed",
        ]
        uid = f" (uid {security.run_as_user})" if security.run_as_user is not None else ""
        lines.append(f"- Security: {posture[0]}{uid}, {posture[1]}, {posture[2]}.")
    warnings = _warnings(spec, component, model)
    if warnings:
        lines += ["", "### Warnings", ""] + [f"- {w}" for w in warnings]
    return "\n".join(lines) if len(lines) > 2 else ""


def _observability(spec: ApplicationPersonaSpec, component: Component) -> str:
    """The SLOs and what ``dorgu generate`` watches (docs/observability.md)."""
    if component.run_once or spec.type.value == "cron":
        return ""
    lines = ["## Observability", ""]
    if spec.slos:
        rows = [
            (
                s.name,
                f"{s.objective:g} % of requests "
                + (f"faster than {s.threshold}" if s.threshold else "not failing (5xx)"),
                s.window,
            )
            for s in spec.slos
        ]
        lines += [_table(("SLO", "Objective", "Window"), rows), ""]
    health = (
        "health alerts from kube-state-metrics, cAdvisor and the kubelet (crash loops, OOM "
        "kills, memory near its limit, unavailable replicas, the autoscaler at its maximum, "
        "full volumes)"
    )
    if any(e.kind is EndpointKind.METRICS for e in component.endpoints):
        slo = " and multiwindow burn-rate alerts for the SLOs" if spec.slos else ""
        lines.append(
            f"`dorgu generate` writes under `monitoring/` a monitor for the metrics endpoint{slo} "
            f"(with `promtool` unit tests), {health}, a Grafana dashboard (golden signals, SLOs "
            "and burn rates, resources, rollouts, dependencies) and the alerts' Alertmanager "
            "routing to the owning team. See docs/observability.md."
        )
    else:
        lines.append(
            f"No metrics endpoint was found, so `dorgu generate` writes only {health}, a "
            "Grafana dashboard of resources, restarts and rollouts, and the alerts' routing. "
            "Instrumenting the app (a `/metrics` endpoint with a request counter such as "
            "`http_requests_total` labelled by status code and a latency histogram such as "
            "`http_request_duration_seconds`) would add a ServiceMonitor, the SLOs' error "
            "ratios and error budget, burn-rate alerts that page before the budget is spent, and the "
            "dashboard's golden signals and SLO panels."
        )
    return "\n".join(lines)


def _warnings(spec: ApplicationPersonaSpec, component: Component, model: AppModel) -> list[str]:
    found: list[str] = []
    hints = component.security
    if hints.runs_as_root or hints.uid == 0:
        found.append("The image runs as root; the pod overrides the user (add a USER).")
    if hints.privileged or hints.cap_add:
        found.append("Compose asked for privileges (privileged or cap_add) that are dropped.")
    health = spec.health
    if not component.run_once and (
        health is None or not (health.liveness_path or health.readiness_path)
    ):
        found.append("No HTTP health endpoint was found; probes only check the process or port.")
    if spec.ownership is None or not (spec.ownership.team or spec.ownership.owner):
        found.append("No owner is recorded (set app.team and app.owner).")
    prefix = f"{component.name}:"
    for diagnostic in model.diagnostics:
        if diagnostic.severity is Severity.INFO:
            continue
        mine = len(model.components) == 1 or diagnostic.message.startswith(prefix)
        if mine:
            found.append(f"{diagnostic.message} [{diagnostic.code}]")
    return found


def _footer(component: Component, model: AppModel) -> str:
    prefix = f"components.{component.name}."
    files = sorted(
        {
            e.location.file
            for e in model.evidence
            if e.location is not None and e.field.startswith(prefix)
        }
    )
    text = "---\n\nGenerated by dorgu"
    if files:
        text += " from " + ", ".join(_code(f) for f in files)
    return text + ". Change `.dorgu.yaml` or the code, then regenerate; do not edit this file."
