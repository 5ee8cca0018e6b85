"""Services, and the way in from outside: an Ingress or a Gateway API HTTPRoute.

Every component with ports gets a ClusterIP Service with named ports (``targetPort`` by name)
and the ports' protocols; a StatefulSet also gets the headless Service it names.  An Ingress
(``ingress.enabled`` / ``--ingress``) or an HTTPRoute (``--gateway-api``) is generated only for
public HTTP components: type api or web with an HTTP port, and, in compose projects, a
published port.  The host (``--host`` / ``ingress.host``) is sanitised to DNS rules; with
several public components each gets ``<service>.<host>``.

Must not guess a host: without one, a single component gets a host-less rule and several
components get nothing (with a warning).
"""

from __future__ import annotations

from dorgu.generation.diagnosing import info, warning
from dorgu.generation.inputs import NameSanitizer
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.generation.workloads import headless_service_name
from dorgu.models.evidence import Diagnostic

Generated = tuple[list[GeneratedResource], list[Diagnostic]]
GATEWAY_API = "gateway.networking.k8s.io/v1"
MAX_HOST = 253


def build_services(plan: ComponentPlan, app: AppPlan) -> Generated:
    if not plan.ports or plan.workload in (WorkloadKind.CRONJOB, WorkloadKind.JOB):
        return [], []
    ports = [
        {"name": p.name, "port": p.number, "targetPort": p.name, "protocol": p.protocol}
        | ({"appProtocol": p.app_protocol} if p.app_protocol else {})
        for p in plan.ports
    ]
    owner = plan.component.name
    resources = [
        GeneratedResource(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": plan.metadata(plan.input.service_name),
                "spec": {"type": "ClusterIP", "selector": dict(plan.selector), "ports": ports},
            },
            component=owner,
        )
    ]
    if plan.workload is WorkloadKind.STATEFULSET:
        resources.append(
            GeneratedResource(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": plan.metadata(headless_service_name(plan)),
                    "spec": {
                        "clusterIP": "None",
                        "publishNotReadyAddresses": True,
                        "selector": dict(plan.selector),
                        "ports": ports,
                    },
                },
                component=owner,
            )
        )
    return resources, []


def sanitize_host(host: str, *, sanitize: NameSanitizer) -> str:
    """A DNS name: lower-case labels of ``[a-z0-9-]`` (<= 63 each, <= 253 in all); a leading
    ``*.`` is kept.  Returns '' when nothing valid is left."""
    text = host.strip().lower().rstrip(".")
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    text = text.split("/", 1)[0].split(":", 1)[0]
    wildcard = text.startswith("*.")
    labels = [sanitize(label) for label in text.removeprefix("*.").split(".")]
    name = ".".join(label for label in labels if label)
    if not name or len(name) > MAX_HOST - 2:
        return ""
    return f"*.{name}" if wildcard else name


def build_routes(app: AppPlan) -> Generated:
    """The Ingress or HTTPRoute objects of the app (app-wide: needs every component)."""
    request = app.request
    settings, options = request.settings, request.options
    if not (settings.ingress.enabled or options.gateway_api):
        return [], []
    diagnostics: list[Diagnostic] = []
    public = [p for p in app.components if p.public and p.http_port is not None]
    if not public:
        diagnostics.append(
            warning(
                "no-public-component",
                "ingress was asked for, but no component is an HTTP api/web "
                "service (in compose projects: with a published port); nothing is exposed",
            )
        )
        return [], diagnostics
    raw_host = options.host or settings.ingress.host
    host = sanitize_host(raw_host, sanitize=request.sanitize_name) if raw_host else ""
    if raw_host and host != raw_host.strip().lower():
        diagnostics.append(
            info(
                "host-sanitised",
                f"ingress host {raw_host!r} is not a valid DNS name; using {host!r}",
            )
            if host
            else warning(
                "host-invalid",
                f"ingress host {raw_host!r} has nothing valid in it; ignored",
            )
        )
    if len(public) > 1 and not host:
        diagnostics.append(
            warning(
                "ingress-needs-host",
                f"{len(public)} components serve HTTP "
                f"({', '.join(p.component.name for p in public)}); set --host or ingress.host so "
                "each gets <service>.<host>; no ingress generated",
            )
        )
        return [], diagnostics
    resources: list[GeneratedResource] = []
    for plan in public:
        name_host = host if len(public) == 1 else f"{plan.input.service_name}.{host}"
        if options.gateway_api:
            resources.append(_http_route(plan, name_host, request.options.gateway))
        else:
            resource, found = _ingress(plan, name_host)
            resources.append(resource)
            diagnostics.extend(found)
    if options.gateway_api and settings.ingress.tls:
        diagnostics.append(
            info(
                "gateway-tls",
                "with the Gateway API, TLS is configured on the Gateway's listener, "
                "not on the HTTPRoute",
            )
        )
    return resources, diagnostics


def _ingress(plan: ComponentPlan, host: str) -> tuple[GeneratedResource, list[Diagnostic]]:
    settings = plan.settings.ingress
    port = plan.http_port
    assert port is not None
    backend = {"service": {"name": plan.input.service_name, "port": {"name": port.name}}}
    rule: Manifest = {}
    if host:
        rule["host"] = host
    rule["http"] = {"paths": [{"path": settings.path, "pathType": "Prefix", "backend": backend}]}
    spec: Manifest = {}
    if settings.class_name:
        spec["ingressClassName"] = settings.class_name
    diagnostics: list[Diagnostic] = []
    if settings.tls:
        if host:
            spec["tls"] = [{"hosts": [host], "secretName": f"{plan.name}-tls"}]
        else:
            diagnostics.append(
                warning(
                    "tls-needs-host",
                    f"{plan.component.name}: TLS needs a host (--host or "
                    "ingress.host); the Ingress is generated without TLS",
                )
            )
    spec["rules"] = [rule]
    manifest: Manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": plan.metadata(),
        "spec": spec,
    }
    return GeneratedResource(manifest, component=plan.component.name), diagnostics


def _http_route(plan: ComponentPlan, host: str, gateway: str) -> GeneratedResource:
    port = plan.http_port
    assert port is not None
    namespace, _, name = gateway.rpartition("/")
    parent: Manifest = {"name": name}
    if namespace:
        parent["namespace"] = namespace
    spec: Manifest = {"parentRefs": [parent]}
    if host:
        spec["hostnames"] = [host]
    spec["rules"] = [
        {
            "matches": [{"path": {"type": "PathPrefix", "value": plan.settings.ingress.path}}],
            "backendRefs": [{"name": plan.input.service_name, "port": port.number}],
        }
    ]
    manifest: Manifest = {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": plan.metadata(),
        "spec": spec,
    }
    return GeneratedResource(manifest, component=plan.component.name)
