"""The analysis entry point: a ``SourceTree`` in, an ``AppModel`` out.

Pure: the caller (``dorgu.services.analyzing``) reads the tree and passes the environment used
for compose interpolation explicitly.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dorgu.analysis.connecting import connect_components
from dorgu.analysis.connection_configs import config_addresses
from dorgu.analysis.connections import NamedAddress
from dorgu.analysis.contexts import scope_code
from dorgu.analysis.descriptors.locating import descriptor_paths, wants_descriptor
from dorgu.analysis.discovering import (
    compose_files,
    discovery_evidence,
    dockerfile_in,
    find_apps,
    is_dockerfile,
    service_name,
)
from dorgu.analysis.dockerfile import DockerfileInfo, parse_dockerfile
from dorgu.analysis.frontends import apply_frontend
from dorgu.analysis.grpc.applying import apply_grpc
from dorgu.analysis.grpc.detecting import detect_grpc, is_proto
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.registry import ANALYZERS
from dorgu.analysis.linking import link_components
from dorgu.analysis.merging import ComponentSources, merge_component
from dorgu.analysis.openapi import is_openapi_candidate, parse_openapi
from dorgu.analysis.secrets import is_secret_file_candidate
from dorgu.analysis.servers import apply_servers, is_server_config
from dorgu.analysis.sources import SourceTree
from dorgu.analysis.stocking import apply_catalog, image_anchor
from dorgu.analysis.tooling import apply_tools, mounted_source
from dorgu.errors import DorguError, InputError
from dorgu.models.app import AppModel, Component, ComponentKind, Route
from dorgu.models.config import DescriptorsMode
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

if TYPE_CHECKING:
    from dorgu.analysis.descriptors.records import RenderedChart

_ENV_FILES = (".env",)


@dataclass(frozen=True)
class AnalysisOptions:
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)  # for compose interpolation
    profiles: Sequence[str] = ()
    # ``.dorgu.yaml`` ``env`` (value, where it was set): the container gets it, so ports read it
    env_overrides: Mapping[str, tuple[str, Location | None]] = field(default_factory=dict)
    # Deployment descriptions in the tree: keep (use all they state), evidence (ports and env
    # only; probes, resources, replicas as evidence), ignore (not read).
    descriptors: DescriptorsMode = DescriptorsMode.KEEP
    charts: Mapping[str, RenderedChart] | None = None  # helm output per chart folder


def wants(path: str) -> bool:
    """Which files the walker must load for analysis."""
    base = posixpath.basename(path)
    if is_dockerfile(path) or base.startswith(".env") or base.endswith((".env", ".dockerignore")):
        return True
    if base.endswith((".yml", ".yaml")) and ("compose" in base or is_openapi_candidate(path)):
        return True
    if (
        base in ("package.json",)
        or is_openapi_candidate(path)
        or is_proto(path)
        or wants_descriptor(path)
        or is_server_config(path)
    ):
        return True
    if is_secret_file_candidate(path):  # compose secret files: their content is a secret value
        return True
    return any(analyzer.wants(path) for analyzer in ANALYZERS)


def _dir_prefix(directory: str) -> str:
    return "" if directory in (".", "") else directory.rstrip("/") + "/"


def language_reports(tree: SourceTree) -> list[LanguageReport]:
    reports = []
    for analyzer in ANALYZERS:
        if analyzer.detect(tree):
            reports.append(analyzer.analyze(tree))
    return reports


def _openapi_routes(tree: SourceTree, directory: str, diagnostics: list[Diagnostic]) -> list[Route]:
    prefix = _dir_prefix(directory)
    routes: list[Route] = []
    for path in tree.under(prefix):
        if path not in tree.texts or not is_openapi_candidate(path):
            continue
        text = tree.text(path)
        if text is None:
            continue
        found, problems = parse_openapi(text, file=path)
        routes.extend(found)
        diagnostics.extend(problems)
    return routes


def _dockerfile(
    tree: SourceTree,
    path: str | None,
    options: AnalysisOptions,
    diagnostics: list[Diagnostic],
    *,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
) -> DockerfileInfo | None:
    if path is None:
        return None
    text = tree.text(path)
    if text is None:
        diagnostics.append(
            Diagnostic(
                code="analysis.dockerfile-unreadable",
                message="Dockerfile could not be read as text",
                location=Location(file=path),
            )
        )
        return None
    args = dict(options.build_args)
    args.update(build_args or {})
    return parse_dockerfile(text, file=path, build_args=args, target=target or options.target)


def _analyze_dir(
    tree: SourceTree,
    directory: str,
    name: str,
    options: AnalysisOptions,
    diagnostics: list[Diagnostic],
    base: Component | None = None,
    dockerfile_path: str | None = None,
) -> tuple[Component, list[Evidence], list[Diagnostic]]:
    target = base.build.target if base and base.build else None
    build_args = dict(base.build.args) if base and base.build else None
    docker_path = dockerfile_path or dockerfile_in(tree, directory)
    docker = _dockerfile(
        tree, docker_path, options, diagnostics, target=target, build_args=build_args
    )
    code_dir, sub, found = scope_code(tree, directory, docker, name=name)
    reports = language_reports(sub)
    merged = merge_component(
        ComponentSources(
            name=name,
            path=code_dir,
            base=base,
            dockerfile=docker,
            dockerfile_path=docker_path,
            reports=reports,
            openapi_routes=_openapi_routes(tree, code_dir, diagnostics),
            base_evidence=found,
            context=directory,
            env_overrides=options.env_overrides
            if base is None or base.kind is ComponentKind.APP
            else {},
        )
    )
    component, grpc_evidence, grpc_diagnostics = apply_grpc(
        merged.component, detect_grpc(tree, code_dir)
    )
    component, web_evidence, web_diagnostics = apply_frontend(
        component, reports, tree=tree, directory=code_dir, docker=docker
    )
    merged.evidence.extend(grpc_evidence + web_evidence)
    merged.diagnostics.extend(grpc_diagnostics + web_diagnostics)
    return component, merged.evidence, merged.diagnostics


def analyze_tree(
    tree: SourceTree, *, name: str, root: str, options: AnalysisOptions | None = None
) -> AppModel:
    """Analyse every app under the tree.  Raises ``InputError`` when nothing is recognisable."""
    options = options or AnalysisOptions()
    diagnostics: list[Diagnostic] = []
    evidence: list[Evidence] = []
    components: list[Component] = []
    addresses: dict[str, list[NamedAddress]] = {}
    hosts: dict[str, str] = {}  # compose names and aliases -> component
    files = compose_files(tree)
    if files:
        components, evidence = _analyze_compose(tree, files, options, diagnostics, addresses, hosts)
    else:
        apps = find_apps(tree)
        if not apps:
            raise InputError(
                f"{root}: no app found (no Dockerfile, compose file or language manifest)",
                hint="point dorgu at an app directory, or add a Dockerfile",
            )
        used: set[str] = set()
        for app in apps:
            component_name = _unique(service_name(app.directory, name), used)
            component, ev, diags = _analyze_dir(
                tree,
                app.directory,
                component_name,
                options,
                diagnostics,
                dockerfile_path=app.dockerfile,
            )
            evidence.extend(discovery_evidence(app, component_name))
            components.append(component)
            evidence.extend(ev)
            diagnostics.extend(diags)
    if options.descriptors is not DescriptorsMode.IGNORE and descriptor_paths(tree.paths):
        from dorgu.analysis.descriptors.applying import apply_descriptions
        from dorgu.analysis.descriptors.reading import read_descriptions

        descriptions = read_descriptions(tree, charts=options.charts)
        components, evidence, found = apply_descriptions(
            components,
            evidence,
            descriptions,
            keep=options.descriptors is DescriptorsMode.KEEP,
            split_processes=not files,
        )
        diagnostics.extend(found)
    model = AppModel(
        name=name, root=root, components=components, evidence=evidence, diagnostics=diagnostics
    )
    model = apply_tools(apply_servers(apply_catalog(model), tree, hosts=hosts))
    model.diagnostics.sort(
        key=lambda d: (
            d.location.file if d.location else "",
            d.location.line or 0 if d.location else 0,
            d.code,
        )
    )
    for component in model.components:
        if component.kind is ComponentKind.APP:
            configured = config_addresses(tree, component, model.components)
            addresses.setdefault(component.name, []).extend(configured)
    return connect_components(link_components(model), addresses)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}-{n}", n + 1
    used.add(candidate)
    return candidate


def _analyze_compose(
    tree: SourceTree,
    files: list[str],
    options: AnalysisOptions,
    diagnostics: list[Diagnostic],
    addresses: dict[str, list[NamedAddress]],
    hosts: dict[str, str],
) -> tuple[list[Component], list[Evidence]]:
    from dorgu.analysis import compose as compose_parsing  # lazy: only trees with compose files
    from dorgu.analysis.producing import match_produced, produced_images

    pairs = [(path, tree.text(path) or "") for path in files]
    project = compose_parsing.parse_compose(
        pairs, texts=tree.texts, environment=options.environment, profiles=options.profiles
    )
    diagnostics.extend(project.diagnostics)
    base_components, base_evidence = compose_parsing.compose_components(project)
    for service in project.services:
        addresses[service.name] = list(service.addresses)
    hosts.update(project.hosts)
    components: list[Component] = []
    evidence: list[Evidence] = []
    produced = produced_images(tree)
    for base in base_components:
        own_evidence = [e for e in base_evidence if e.field.startswith(f"components.{base.name}.")]
        link = (
            match_produced(base.image, produced, tree)
            if base.image and base.build is None and base.kind is not ComponentKind.BACKING
            else None
        )
        if link is not None:
            base = base.model_copy(update={"kind": ComponentKind.APP, "path": link.directory})
            own_evidence = [e for e in own_evidence if e.field != f"components.{base.name}.kind"]
            own_evidence.append(
                Evidence(
                    field=f"components.{base.name}.kind",
                    value=f"app (image built by {link.plugin} from {link.directory})",
                    rule="build.plugin-image",
                    location=link.location,
                    confidence=link.confidence,
                )
            )
            component, ev, diags = _analyze_dir(
                tree, link.directory, base.name, options, diagnostics, base=base
            )
            components.append(component)
            evidence.extend([*own_evidence, *ev])
            diagnostics.extend(diags)
            continue
        mounted, notes = mounted_source(base, tree, image_anchor(own_evidence, base))
        diagnostics.extend(notes)
        if mounted is not None:  # a stock runtime running bind-mounted code: analyse that code
            base = mounted.built(base)
            own_evidence = mounted.restated(own_evidence, base.name)
            component, ev, diags = _analyze_dir(
                tree, mounted.directory, base.name, options, diagnostics, base=base
            )
            components.append(component)
            evidence.extend([*own_evidence, *ev])
            diagnostics.extend(diags)
            continue
        if base.kind is not ComponentKind.APP or base.build is None:
            components.append(base)
            evidence.extend(own_evidence)
            continue
        context = posixpath.normpath(base.build.context or ".")
        dockerfile = base.build.dockerfile
        # Compose paths arrive root-relative (the compose parser resolves them).
        docker_path = posixpath.normpath(dockerfile) if dockerfile else dockerfile_in(tree, context)
        try:
            component, ev, diags = _analyze_dir(
                tree,
                context,
                base.name,
                options,
                diagnostics,
                base=base,
                dockerfile_path=docker_path,
            )
        except DorguError:
            raise
        components.append(component)
        evidence.extend(own_evidence)
        evidence.extend(ev)
        diagnostics.extend(diags)
    from dorgu.analysis.oneshots import mark_run_once  # compose projects only

    components, evidence, notes = mark_run_once(components, evidence, project)
    diagnostics.extend(notes)
    # a port whose value compose interpolated from .env is credited to the .env line too
    evidence.extend(compose_parsing.credit_interpolations(evidence, project.interpolations))
    if not components:
        diagnostics.append(
            Diagnostic(
                code="compose.no-services",
                severity=Severity.WARNING,
                message="the compose project has no active services",
                location=Location(file=files[0]),
            )
        )
    return components, evidence
