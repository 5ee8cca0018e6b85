"""The ``ApplicationPersona`` of each component built from source, consistent with the manifests
generated next to it: it is read off the same ``ComponentPlan`` (name, selector, ports, replica
range, image), the same resource sizing (``resources.py``), the same probes (``probes.py``)
and the same security identity (``hardening.py``), so the persona checks of the rule engine
pass on dorgu's own output.

Entry points:
- ``build_persona_resources(plan, app)``: a component generator (for ``registry.py``) giving
  the persona as a ``GeneratedResource`` (image-only services get none);
- ``persona_from_plan(plan, app)``: the persona model itself;
- ``build_persona(model, component, settings=...)``: the same without a planned request (it
  plans one), for callers that have only the model.

Never set: ``tier`` (``standard``, the default, until settings grow a tier),
``validation.mode`` (unset, so the namespace default applies), ``resources.bounds`` and
``policies.maintenance`` (no source for them yet).

Must not read files, the environment or the cluster.
"""

from __future__ import annotations

import re

from dorgu.generation.diagnosing import info
from dorgu.generation.grpc_api import grpc_routes
from dorgu.generation.hardening import resolve_identity
from dorgu.generation.inputs import ComponentInput, GenerationOptions, GenerationRequest
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.networking import sanitize_host
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind, plan_app
from dorgu.generation.probes import build_probes
from dorgu.generation.resources import build_resources, choose_profile
from dorgu.generation.scaling import DEFAULT_TARGET_CPU
from dorgu.generation.slos import component_slos
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Dependency,
    EndpointKind,
)
from dorgu.models.config import EffectiveSettings, ScalingBehavior
from dorgu.models.evidence import Diagnostic
from dorgu.models.personas import ApplicationPersona, ObjectMeta, dump_wire
from dorgu.models.personas_api import api_surface
from dorgu.models.personas_base import LabelSelector
from dorgu.models.personas_policies import (
    DeploymentPolicy,
    Policies,
    SecurityPolicy,
)
from dorgu.models.personas_spec import (
    ApplicationPersonaSpec,
    Health,
    Networking,
    Ownership,
    PersonaDependency,
    PersonaIngress,
    PersonaPort,
    PersonaResources,
    ResourceAmounts,
    Scaling,
    ServiceLevelObjective,
    Technical,
)

Generated = tuple[list[GeneratedResource], list[Diagnostic]]
MAX_TARGET_PERCENT = 100  # the persona's targetCPU/targetMemory range (compatible with Go dorgu)


def build_persona_resources(plan: ComponentPlan, app: AppPlan) -> Generated:
    """The persona of ``plan``'s component as a manifest (none for image-only services)."""
    if plan.component.kind is not ComponentKind.APP:
        return [], []
    diagnostics: list[Diagnostic] = []
    if plan.app_type is None:
        diagnostics.append(
            info(
                "persona-type-guessed",
                f"{plan.component.name}: the app type is unknown, so the persona says "
                f"{_app_type(plan).value} (set app.type)",
            )
        )
    persona = persona_from_plan(plan, app)
    resource = GeneratedResource(Manifest(dump_wire(persona)), component=plan.component.name)
    return [resource], diagnostics


def build_persona(
    model: AppModel,
    component: Component,
    *,
    settings: EffectiveSettings,
    namespace: str | None = None,
    name: str | None = None,
    options: GenerationOptions | None = None,
) -> ApplicationPersona:
    """The persona of ``component`` of ``model``, planning the app as ``dorgu generate`` would.

    ``name`` is the component's resource name as the service layer renders it from
    ``naming.pattern``; by default the app name (one component) or ``<app>-<component>``.
    """
    if namespace is not None:
        settings = settings.model_copy(update={"namespace": namespace})
    app_name = settings.app.name or model.name
    multi = len(model.components) > 1
    inputs = []
    for item in model.components:
        default = f"{app_name}-{item.name}" if multi and item.name != app_name else app_name
        chosen = name if item.name == component.name and name else _dns_label(default)
        service = _dns_label(item.name) if multi else chosen
        inputs.append(ComponentInput(component=item, name=chosen, service_name=service))
    request = GenerationRequest(
        model=model,
        settings=settings,
        components=tuple(inputs),
        app_name=app_name,
        sanitize_name=_dns_label,
        options=options or GenerationOptions(),
    )
    app = plan_app(request)
    plan = app.find(component.name)
    if plan is None:
        raise KeyError(f"{component.name} is not a component of {model.name}")
    return persona_from_plan(plan, app)


def persona_from_plan(plan: ComponentPlan, app: AppPlan) -> ApplicationPersona:
    component, settings = plan.component, plan.settings
    description = component.description or (settings.app.description if plan.own_settings else None)
    spec = ApplicationPersonaSpec(
        name=plan.name,
        version=plan.image.tag,
        type=_app_type(plan),
        part_of=app.request.app_name if app.request.app_name != plan.name else None,
        technical=Technical(
            language=component.language,
            framework=component.framework,
            description=description or app.request.model.description,
            language_version=component.language_version,
            build_tool=component.build_tool,
            image=plan.image.image,
        ),
        resources=_resources(plan),
        scaling=_scaling(plan),
        health=_health(plan),
        dependencies=[_dependency(d, app) for d in component.dependencies],
        networking=_networking(plan, app),
        ownership=_ownership(settings),
        policies=_policies(plan),
        api=api_surface([*component.routes, *grpc_routes(component)]),
        selector=LabelSelector(match_labels=dict(plan.selector)),
        slos=[ServiceLevelObjective.model_validate(s.model_dump()) for s in component_slos(plan)]
        or None,
    )
    metadata = ObjectMeta(
        name=plan.name,
        namespace=settings.namespace,
        labels=dict(plan.labels),
        annotations=dict(plan.annotations) or None,
    )
    return ApplicationPersona(metadata=metadata, spec=spec)


def _app_type(plan: ComponentPlan) -> AppType:
    if plan.app_type is not None:
        return plan.app_type
    return AppType.API if plan.ports else AppType.WORKER


def _resources(plan: ComponentPlan) -> PersonaResources:
    built = build_resources(plan.component, settings=plan.settings, app_settings=plan.app_settings)
    requests, limits = built["requests"], built["limits"]
    assert isinstance(requests, dict) and isinstance(limits, dict)
    profile = choose_profile(plan.component, settings=plan.settings, app_settings=plan.app_settings)
    return PersonaResources(
        requests=ResourceAmounts.model_validate(requests),
        limits=ResourceAmounts.model_validate(limits),
        profile=profile,
    )


def _scaling(plan: ComponentPlan) -> Scaling | None:
    if plan.workload in (WorkloadKind.CRONJOB, WorkloadKind.DAEMONSET, WorkloadKind.JOB):
        return None
    replicas, wanted = plan.replicas, plan.settings.scaling
    cpu = memory = None
    if replicas.autoscale:
        cpu = wanted.target_cpu or DEFAULT_TARGET_CPU
        memory = wanted.target_memory
    return Scaling(
        min_replicas=replicas.minimum,
        max_replicas=max(1, replicas.maximum),
        target_cpu=cpu if cpu is None or cpu <= MAX_TARGET_PERCENT else None,
        target_memory=memory if memory is None or memory <= MAX_TARGET_PERCENT else None,
        behavior=(wanted.behavior if plan.app_settings else None) or ScalingBehavior.BALANCED,
    )


def _health(plan: ComponentPlan) -> Health | None:
    if plan.workload is WorkloadKind.JOB:
        return None  # runs to completion: never probed
    probes, _ = build_probes(plan)
    paths: dict[str, str] = {}
    port: int | None = None
    for kind in ("liveness", "readiness", "startup"):
        probe = probes.get(f"{kind}Probe")
        handler = probe.get("httpGet") if isinstance(probe, dict) else None
        if isinstance(handler, dict):
            paths[kind] = str(handler["path"])
            port = port or _port_number(plan, handler.get("port"))
    main = plan.http_port or next(iter(plan.ports), None)
    if port is None and main is not None:
        port = main.number
    if not paths and port is None:
        return None
    startup = probes.get("startupProbe")
    grace = "30s"
    if isinstance(startup, dict):
        seconds = _int(startup.get("initialDelaySeconds")) + _int(
            startup.get("failureThreshold")
        ) * _int(startup.get("periodSeconds"))
        grace = f"{seconds}s" if seconds else grace
    return Health(
        liveness_path=paths.get("liveness"),
        readiness_path=paths.get("readiness"),
        startup_path=paths.get("startup"),
        port=port,
        startup_grace_period=grace,
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _port_number(plan: ComponentPlan, ref: object) -> int | None:
    if isinstance(ref, int):
        return ref
    return next((p.number for p in plan.ports if p.name == ref), None)


def _dependency(dependency: Dependency, app: AppPlan) -> PersonaDependency:
    external = dependency.external or dependency.name in app.request.external
    return PersonaDependency(
        name=dependency.name,
        type=dependency.type,
        required=dependency.required,
        health_check=_health_check(dependency, app),
        kind=dependency.kind,
        external=True if external else None,
    )


def _health_check(dependency: Dependency, app: AppPlan) -> str | None:
    """How the provider says it is healthy: its HTTP health endpoint (never an exec command,
    which may carry a credential)."""
    provider = app.find(dependency.component) if dependency.component else None
    if provider is None:
        return None
    wanted = (EndpointKind.READINESS, EndpointKind.HEALTH, EndpointKind.LIVENESS)
    for kind in wanted:
        for endpoint in provider.component.endpoints:
            if endpoint.kind is kind:
                port = endpoint.port or (provider.http_port.number if provider.http_port else None)
                return f"GET {endpoint.path}" + (f" on port {port}" if port else "")
    return None


def _networking(plan: ComponentPlan, app: AppPlan) -> Networking | None:
    metrics = {
        e.port for e in plan.component.endpoints if e.kind is EndpointKind.METRICS and e.port
    }
    purposes = {p.number: p.purpose for p in plan.component.ports if p.purpose}
    ports = [
        PersonaPort(
            port=p.number,
            protocol=p.protocol,
            purpose="metrics"
            if p.number in metrics
            else ("http" if p.http else purposes.get(p.number)),
            name=p.name,
        )
        for p in plan.ports
    ]
    ingress = _ingress(plan, app)
    if not ports and ingress is None:
        return None
    return Networking(ports=ports, ingress=ingress)


def _ingress(plan: ComponentPlan, app: AppPlan) -> PersonaIngress | None:
    """Mirrors ``networking.build_routes``: only public HTTP components, one host rule each."""
    request = app.request
    settings = request.settings.ingress
    if not (settings.enabled or request.options.gateway_api) or not plan.public:
        return None
    public = [p for p in app.components if p.public and p.http_port is not None]
    raw = request.options.host or settings.host
    host = sanitize_host(raw, sanitize=request.sanitize_name) if raw else ""
    if len(public) > 1:
        if not host:
            return None
        host = f"{plan.input.service_name}.{host}"
    return PersonaIngress(
        enabled=True,
        host=host or None,
        paths=[settings.path],
        tls_enabled=bool(settings.tls and host),
        class_name=settings.class_name,
    )


def _ownership(settings: EffectiveSettings) -> Ownership | None:
    app = settings.app
    if not (app.team or app.owner or app.repository or app.runbook):
        return None
    return Ownership(team=app.team, owner=app.owner, repository=app.repository, runbook=app.runbook)


def _policies(plan: ComponentPlan) -> Policies:
    security = plan.settings.security
    deployment = None
    if plan.workload is WorkloadKind.DEPLOYMENT:
        deployment = DeploymentPolicy(
            max_surge="25%", max_unavailable="25%" if plan.replicas.replicated else 0
        )
    return Policies(
        security=SecurityPolicy(
            run_as_non_root=security.run_as_non_root,
            read_only_root_filesystem=security.read_only_root_filesystem,
            allow_privilege_escalation=False,
            run_as_user=resolve_identity(plan).uid,
        ),
        deployment=deployment,
    )


def _dns_label(text: str) -> str:
    """A DNS-1123 label (<= 63) from ``text``; only used when no name was decided upstream."""
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63].rstrip("-")
    return label or "app"
