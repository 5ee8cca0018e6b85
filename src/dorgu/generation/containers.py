"""The application container: image, command, ports, environment, resources, probes,
security context and mounts.

``command``/``args`` are set only when compose (or a Procfile process) overrides the image's
ENTRYPOINT/CMD (or for image-only services): for built images the Dockerfile already holds them.

Must not decide the pod (volumes, identity, scheduling): ``workloads.py`` does.
"""

from __future__ import annotations

from dorgu.generation.configuration import EnvPlan, container_env
from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan
from dorgu.generation.resources import build_resources
from dorgu.generation.runtimes import BACKING_RUNTIMES
from dorgu.models.app import AppModel, ComponentKind

_OVERRIDES = ("compose.", "procfile.")  # evidence rules of commands that replace the image's


def _from_compose(model: AppModel, component_name: str, field: str) -> bool:
    wanted = f"components.{component_name}.{field}"
    return any(e.field == wanted and e.rule.startswith(_OVERRIDES) for e in model.evidence)


def build_container(
    plan: ComponentPlan,
    *,
    model: AppModel,
    env: EnvPlan,
    probes: Manifest,
    security_context: Manifest,
    mounts: list[Manifest],
    container_name: str,
) -> Manifest:
    component = plan.component
    image_only = component.kind is not ComponentKind.APP
    container: Manifest = {
        "name": container_name,
        "image": plan.image.image,
        "imagePullPolicy": "Always",
    }
    if component.entrypoint and (image_only or _from_compose(model, component.name, "entrypoint")):
        container["command"] = list(component.entrypoint)
    if component.command and (image_only or _from_compose(model, component.name, "command")):
        container["args"] = list(component.command)
    if plan.ports:
        container["ports"] = [
            {"name": p.name, "containerPort": p.number, "protocol": p.protocol} for p in plan.ports
        ]
    container.update(container_env(plan, env))
    extra_env = _runtime_env(plan)
    if extra_env:
        entries = container.get("env")
        merged = list(entries) if isinstance(entries, list) else []
        container["env"] = sorted(merged + extra_env, key=lambda e: str(e["name"]))
    container["resources"] = build_resources(
        component, settings=plan.settings, app_settings=plan.app_settings
    )
    container.update(probes)
    container["securityContext"] = security_context
    if mounts:
        container["volumeMounts"] = mounts
    return container


def _runtime_env(plan: ComponentPlan) -> list[Manifest]:
    """Environment a well-known image needs on Kubernetes (postgres: PGDATA in a subdirectory
    of the claim, so initdb owns it)."""

    runtime = BACKING_RUNTIMES.get(plan.input.backing_kind or "")
    if runtime is None or not runtime.env:
        return []
    data = next(
        (v.target for v in plan.component.volumes if v.kind.value in ("named", "anonymous")), None
    )
    if data is None:
        return []
    taken = {v.name for v in plan.component.env}
    return [
        {"name": key, "value": value.format(data=data.rstrip("/"))}
        for key, value in runtime.env
        if key not in taken
    ]
