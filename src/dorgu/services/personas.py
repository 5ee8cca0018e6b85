"""``dorgu persona ...``: build personas from an app directory (as ``dorgu generate`` does) or
read them from YAML, apply them to a cluster (server-side apply, field manager ``dorgu``, dry
run, diff against the live object), read, list and delete them, and pull one back into the
app's ``.dorgu.yaml`` (the mapping lives in ``persona_config``).

Collaborators are explicit: ``client`` (a ``KubeClient``), ``environ``.  Must not print,
prompt or import click; the CLI shows the outcomes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from dorgu.clients import APPLICATION_PERSONAS, JsonObject, KubeClient
from dorgu.errors import ClusterError, InputError, UsageError
from dorgu.formats.text import decode_text
from dorgu.formats.yamldocs import load_yaml_documents
from dorgu.generation.personas import build_persona
from dorgu.models.app import ComponentKind
from dorgu.models.personas import API_VERSION, APPLICATION_PERSONA_KIND, ApplicationPersona
from dorgu.models.personas_base import dump_wire
from dorgu.services.analyzing import analyze_path
from dorgu.services.configuring import display_path, load_settings
from dorgu.settings import resource_name

MAX_PERSONA_FILE_BYTES = 2 * 1024 * 1024
_SERVER_FIELDS = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp")


@dataclass(frozen=True)
class ApplyOutcome:
    """One persona applied (or dry-run applied, or diffed).  ``created`` is True when no live
    object existed; ``diff`` is the unified diff live -> applied (only with ``diff``)."""

    name: str
    namespace: str
    result: JsonObject
    created: bool
    dry_run: bool
    diff: str = ""


def load_personas(
    path: Path, *, namespace: str | None = None, environ: Mapping[str, str] | None = None
) -> list[ApplicationPersona]:
    """The personas of an app directory (one per app component, built as ``dorgu generate``
    builds them) or of a YAML file (every ``ApplicationPersona`` document in it).
    ``namespace`` (``-n``) fills in a missing namespace; a different one in a file is an error."""
    if path.is_dir():
        personas = personas_of_app(path, environ=environ)
    elif path.is_file():
        personas = read_persona_file(path)
    else:
        raise UsageError(
            f"{path}: no such file or directory",
            hint="pass an app directory or a persona YAML file",
        )
    return [_in_namespace(p, namespace, source=display_path(path)) for p in personas]


def personas_of_app(
    path: Path, *, environ: Mapping[str, str] | None = None
) -> list[ApplicationPersona]:
    """Analyse the app at ``path`` and build its personas (names from ``naming.pattern``)."""
    resolved = load_settings(path, environ=environ)
    model = analyze_path(
        path, name=resolved.settings.app.name, environment=environ, settings=resolved
    )
    settings = resolved.settings
    if not settings.app.name:
        settings = settings.model_copy(
            update={"app": settings.app.model_copy(update={"name": model.name})}
        )
    external = {d.name for d in settings.dependencies if d.external}
    generated = [c for c in model.components if c.name not in external]
    multi = len(generated) > 1
    personas = [
        build_persona(
            model,
            component,
            settings=settings,
            name=resource_name(settings, component=component.name if multi else None),
        )
        for component in generated
        if component.kind is ComponentKind.APP
    ]
    if not personas:
        raise InputError(
            f"{display_path(path)}: no application component found to describe",
            hint="run dorgu analyze to see what was found",
        )
    return personas


def read_persona_file(path: Path) -> list[ApplicationPersona]:
    """Every ``ApplicationPersona`` document of a YAML file (other kinds are skipped)."""
    shown = display_path(path)
    try:
        data = path.read_bytes()[: MAX_PERSONA_FILE_BYTES + 1]
    except OSError as error:
        raise InputError(f"{shown}: cannot read: {error.strerror}") from error
    documents = load_yaml_documents(decode_text(data, file=shown), file=shown)
    personas: list[ApplicationPersona] = []
    for document in documents:
        body = document.data
        if not isinstance(body, dict) or body.get("kind") != APPLICATION_PERSONA_KIND:
            continue
        try:
            personas.append(ApplicationPersona.model_validate(body))
        except ValidationError as error:
            first = error.errors()[0]
            where = tuple(str(p) for p in first["loc"])
            line = document.line_of(where)
            raise InputError(
                f"{shown}:{line or 1}: {'.'.join(where) or 'persona'}: {first['msg']}",
                hint="see deploy/crds/ for the ApplicationPersona schema",
            ) from error
    if not personas:
        raise InputError(
            f"{shown}: no ApplicationPersona in the file",
            hint=f"expected kind: {APPLICATION_PERSONA_KIND}, apiVersion: {API_VERSION}",
        )
    return personas


def _in_namespace(
    persona: ApplicationPersona, namespace: str | None, *, source: str
) -> ApplicationPersona:
    current = persona.metadata.namespace
    if namespace is None or current == namespace:
        return persona
    if current:
        raise UsageError(
            f"{source}: persona {persona.metadata.name} is in namespace {current}, not {namespace}",
            hint="drop --namespace or change metadata.namespace",
        )
    metadata = persona.metadata.model_copy(update={"namespace": namespace})
    return persona.model_copy(update={"metadata": metadata})


def apply_personas(
    personas: Sequence[ApplicationPersona],
    *,
    client: KubeClient,
    dry_run: bool = False,
    diff: bool = False,
    force: bool = False,
) -> list[ApplyOutcome]:
    """Server-side apply each persona (spec and metadata; never status).  With ``diff``
    nothing is changed: the server computes the result in a dry run, compared to the live one."""
    outcomes = []
    for persona in personas:
        body = dump_wire(persona)
        body.pop("status", None)
        name = str(persona.metadata.name or persona.spec.name)
        namespace = persona.metadata.namespace or client.namespace
        metadata = body.setdefault("metadata", {})
        assert isinstance(metadata, dict)
        metadata.update({"name": name, "namespace": namespace})
        live = client.get(APPLICATION_PERSONAS, name, namespace=namespace)
        result = client.apply(body, dry_run=dry_run or diff, force=force)
        text = unified_diff(live, result, name=f"{namespace}/{name}") if diff else ""
        outcomes.append(ApplyOutcome(name, namespace, result, live is None, dry_run or diff, text))
    return outcomes


def unified_diff(live: JsonObject | None, applied: JsonObject, *, name: str) -> str:
    """``live`` -> ``applied`` as a unified YAML diff, server-managed fields and status left out."""
    before = _yaml(clean_object(live)) if live is not None else ""
    after = _yaml(clean_object(applied))
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"live/{name}",
        tofile=f"applied/{name}",
    )
    return "".join(lines)


def clean_object(obj: JsonObject | None, *, keep_status: bool = False) -> JsonObject:
    """A copy without server-managed metadata (and without status unless ``keep_status``)."""
    if obj is None:
        return {}
    cleaned = {k: v for k, v in obj.items() if keep_status or k != "status"}
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        cleaned["metadata"] = {k: v for k, v in metadata.items() if k not in _SERVER_FIELDS}
    return cleaned


def _yaml(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False, width=100)


def get_persona(
    name: str, *, client: KubeClient, namespace: str | None = None
) -> ApplicationPersona:
    """The persona ``name`` (``ClusterError`` when it does not exist)."""
    return ApplicationPersona.model_validate(
        get_persona_object(name, client=client, namespace=namespace)
    )


def get_persona_object(
    name: str, *, client: KubeClient, namespace: str | None = None
) -> JsonObject:
    """The persona as the API server has it, ``managedFields`` left out."""
    found = client.get(APPLICATION_PERSONAS, name, namespace=namespace)
    if found is None:
        where = namespace or client.namespace
        raise ClusterError(
            f"no ApplicationPersona {name!r} in namespace {where}",
            hint="list them with dorgu persona list -A",
        )
    metadata = found.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return found


def list_personas(
    *, client: KubeClient, namespace: str | None = None, all_namespaces: bool = False
) -> list[ApplicationPersona]:
    """Personas in ``namespace`` (or all), sorted by namespace and name."""
    found = client.list(APPLICATION_PERSONAS, namespace=namespace, all_namespaces=all_namespaces)
    personas = [ApplicationPersona.model_validate(item) for item in found]
    return sorted(personas, key=lambda p: (p.metadata.namespace or "", p.metadata.name or ""))


def delete_persona(
    name: str, *, client: KubeClient, namespace: str | None = None, dry_run: bool = False
) -> None:
    """Delete the persona (``ClusterError`` when it does not exist)."""
    if not client.delete(APPLICATION_PERSONAS, name, namespace=namespace, dry_run=dry_run):
        raise ClusterError(
            f"no ApplicationPersona {name!r} in namespace {namespace or client.namespace}",
            hint="list them with dorgu persona list -A",
        )


# -- pull: cluster -> .dorgu.yaml ------------------------------------------------------------


@dataclass(frozen=True)
class PullOutcome:
    """What ``persona pull`` wrote: the file, its data, and persona fields it cannot hold."""

    file: str
    data: dict[str, object]
    skipped: tuple[str, ...]


def persona_config(persona: ApplicationPersona) -> tuple[dict[str, object], tuple[str, ...]]:
    """The app-file data (``.dorgu.yaml``) that states what the persona's spec states, and the
    spec fields an app file has no key for (left out).  Pure."""
    spec, skipped = persona.spec, []
    owner = spec.ownership
    app = {
        "name": spec.part_of or spec.name,
        "description": spec.technical.description if spec.technical else None,
        "type": spec.type.value,
        "team": owner.team if owner else None,
        "owner": owner.owner if owner else None,
        "repository": owner.repository if owner else None,
    }
    data: dict[str, object] = {"version": 1, "app": _present(app)}
    if persona.metadata.namespace:
        data["namespace"] = persona.metadata.namespace
    if spec.resources:
        res = spec.resources
        data["resources"] = _present(
            {
                "requests": _amounts(res.requests),
                "limits": _amounts(res.limits),
                "profile": res.profile.value if res.profile else None,
            }
        )
    if spec.scaling:
        scaling = spec.scaling.model_dump(exclude_none=True, mode="json")
        data["scaling"] = {k: v for k, v in scaling.items() if not _above(k, v)}
    if spec.health:
        health = spec.health
        probes = {
            kind: _present({"path": path, "port": health.port})
            for kind, path in (
                ("liveness", health.liveness_path),
                ("readiness", health.readiness_path),
                ("startup", health.startup_path),
            )
            if path
        }
        data["health"] = probes
    typed = [d for d in spec.dependencies if d.type is not None]
    if typed:
        data["dependencies"] = [
            {"name": d.name, "type": d.type.value if d.type else None, "required": d.required}
            | ({"external": True} if d.external else {})
            for d in typed
        ]
    skipped += [f"dependencies.{d.name} (no type)" for d in spec.dependencies if d.type is None]
    ingress = spec.networking.ingress if spec.networking else None
    if ingress is not None:
        data["ingress"] = _present(
            {
                "enabled": ingress.enabled,
                "host": ingress.host,
                "path": ingress.paths[0] if ingress.paths else None,
                "tls": ingress.tls_enabled,
                "class_name": ingress.class_name,
            }
        )
    for field, value in (
        ("tier", spec.tier.value if spec.tier.value != "standard" else None),
        ("policies", spec.policies),
        ("selector", spec.selector),
        ("validation", spec.validation),
        ("api", spec.api),
        ("technical.image", spec.technical.image if spec.technical else None),
    ):
        if value is not None:
            skipped.append(field)
    return {k: v for k, v in data.items() if v not in ({}, [])}, tuple(skipped)


def _present(mapping: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in mapping.items() if v is not None and v != {}}


def _amounts(amounts: object) -> dict[str, object] | None:
    dump = getattr(amounts, "model_dump", None)
    return _present(dump(exclude_none=True, mode="json")) or None if callable(dump) else None


def _above(key: str, value: object) -> bool:
    return key in {"target_cpu", "target_memory"} and isinstance(value, int) and value > 1000


def pull_persona(
    name: str,
    path: Path,
    *,
    client: KubeClient,
    namespace: str | None = None,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
) -> PullOutcome:
    """Write the persona's spec as ``path/.dorgu.yaml`` through the config serializer (checked
    against the app-file schema; an existing file is kept unless ``force``)."""
    from dorgu.services.configuring import APP_FILE, create_config_file
    from dorgu.services.schema_files import schema_header
    from dorgu.settings import LayerName

    if not path.is_dir():
        raise UsageError(f"{path}: not a directory", hint="pass the app directory")
    persona = get_persona(name, client=client, namespace=namespace)
    data, skipped = persona_config(persona)
    where = f"{persona.metadata.namespace}/{persona.metadata.name}"
    header = [
        schema_header(LayerName.APP),
        f"# pulled from ApplicationPersona {where} at {client.server} by dorgu persona pull",
    ]
    shown = create_config_file(
        path / APP_FILE, data, layer=LayerName.APP, header=header, force=force, environ=environ
    )
    return PullOutcome(file=shown, data=data, skipped=skipped)
