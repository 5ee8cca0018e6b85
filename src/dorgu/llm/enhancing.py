"""Building the enhancement request from a redacted summary of the model, and reading the reply.

The summary holds what the rules found (stack, ports, routes, endpoints, dependencies, the
commands) plus optional documents such as the README, every string passed through the
redactor; environment values are never included, only names.  Must not do I/O, call a client
or merge anything: ``dorgu.services.enhancing`` orchestrates, ``dorgu.analysis.enriching``
merges.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from dorgu.analysis.enriching import LlmEnhancement
from dorgu.llm.base import JsonObject, Prompt
from dorgu.llm.coercing import read_enhancement
from dorgu.llm.prompts import build_prompt
from dorgu.llm.redacting import Redactor
from dorgu.llm.schemas import portable_schema, schema_digest
from dorgu.models.app import AppModel, Component
from dorgu.models.evidence import Diagnostic

SCHEMA_NAME = "dorgu_app_enhancement"
SCHEMA_VERSION = 1
MAX_COMPONENTS = 30
MAX_ROUTES = 150
MAX_STRING = 500
MAX_DOCUMENT = 12_000

ROLE = (
    "You are the analysis assistant of dorgu, a tool that turns applications into Kubernetes "
    "manifests. Given what rule-based analysis found about an application, suggest: the "
    "workload type of each component (api, web, worker, cron, daemon), a one-sentence "
    "description, the role of each known dependency, HTTP probe paths chosen only from the "
    "listed routes and endpoints, a resource profile, a one-sentence API summary, and risks "
    "worth noting for running it on Kubernetes."
)
TASK = "Suggest enhancements for the application described by this data."


@cache
def enhancement_schema() -> JsonObject:
    """The portable schema of ``LlmEnhancement`` (do not mutate)."""
    return portable_schema(LlmEnhancement)


def schema_id() -> str:
    return f"{SCHEMA_NAME}/v{SCHEMA_VERSION}/{schema_digest(enhancement_schema())}"


def _component(component: Component) -> JsonObject:
    health = component.healthcheck
    data: JsonObject = {
        "name": component.name,
        "kind": component.kind.value,
        "type": component.type.value if component.type else None,
        "language": component.language,
        "framework": component.framework,
        "build_tool": component.build_tool,
        "description": component.description,
        "image": component.image,
        "base_image": component.base_image,
        "ports": [
            {"number": p.number, "protocol": p.protocol.value, "purpose": p.purpose}
            for p in component.ports
        ],
        "env_names": [v.name for v in component.env],
        "reads_env": list(component.config_keys),
        "command": " ".join(component.command) if component.command else None,
        "entrypoint": " ".join(component.entrypoint) if component.entrypoint else None,
        "healthcheck": None
        if health is None or health.disabled
        else {
            "http_path": health.http_path,
            "http_port": health.http_port,
            "test": " ".join(health.test),
        },
        "endpoints": [
            {"kind": e.kind.value, "path": e.path, "port": e.port} for e in component.endpoints
        ],
        "routes": [
            f"{r.method} {r.path}" + (f"  # {r.summary}" if r.summary else "")
            for r in component.routes[:MAX_ROUTES]
        ],
        "dependencies": [
            {"name": d.name, "type": d.type.value, "kind": d.kind, "via": d.via}
            for d in component.dependencies
        ],
        "depends_on": list(component.depends_on),
        "volumes": [v.target for v in component.volumes],
        "user": component.security.user,
        "replicas": component.replicas,
    }
    if len(component.routes) > MAX_ROUTES:
        data["routes_omitted"] = len(component.routes) - MAX_ROUTES
    return {k: v for k, v in data.items() if v not in (None, [], "")}


def redact_tree(node: object, redactor: Redactor) -> object:
    """Every string in ``node`` redacted and capped (keys too: they can hold text)."""
    if isinstance(node, str):
        return redactor(node)[:MAX_STRING]
    if isinstance(node, Mapping):
        return {redactor(str(k)): redact_tree(v, redactor) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [redact_tree(item, redactor) for item in node]
    return node


def summarize_model(
    model: AppModel,
    *,
    documents: Mapping[str, str] | None = None,
    instructions: str | None = None,
    redactor: Redactor,
) -> JsonObject:
    """The redacted data block: the model summary, documents and the owner's instructions."""
    data: JsonObject = {
        "app": {"name": model.name, "description": model.description},
        "components": [_component(c) for c in model.components[:MAX_COMPONENTS]],
    }
    if instructions:
        data["app_instructions"] = instructions
    redacted = redact_tree(data, redactor)
    assert isinstance(redacted, dict)
    docs = sorted((documents or {}).items())
    if docs:  # redacted whole, not capped at MAX_STRING
        redacted["documents"] = {redactor(p): redactor(t[:MAX_DOCUMENT]) for p, t in docs}
    return redacted


def build_enhancement_prompt(
    model: AppModel,
    *,
    documents: Mapping[str, str] | None = None,
    instructions: str | None = None,
    redactor: Redactor | None = None,
) -> Prompt:
    summary = summarize_model(
        model, documents=documents, instructions=instructions, redactor=redactor or Redactor()
    )
    return build_prompt(role=ROLE, task=TASK, data=summary, schema_name=SCHEMA_NAME)


def read_reply(
    raw: Mapping[str, object], *, redactor: Redactor | None = None
) -> tuple[LlmEnhancement, list[Diagnostic]]:
    """The valid part of a reply, plus warnings for what was dropped."""
    return read_enhancement(raw, redactor=redactor)
