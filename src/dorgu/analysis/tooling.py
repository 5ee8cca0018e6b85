"""Compose services that run a tool from a stock image instead of a built image.

- **Load generators** (``locustio/locust``, ``grafana/k6``, ... from the catalogue's
  ``TOOLS``): the tool is the framework, the component is a worker (never given an Ingress),
  the scripts' language is the tool's.  One whose command runs to completion (``k6 run``,
  ``locust --headless -t``, ``jmeter -n``, ``vegeta attack -duration``: ``load_runs``) runs
  once (``Component.run_once``: a Job).
- **Development servers on a stock runtime** (``image: node`` + ``./web:/app`` +
  ``npm run dev``; ``image: python`` + ``flask run --debug``): ``mounted_source`` finds the
  bind-mounted folder that holds the code (the mount on ``working_dir``, else the only mounted
  folder with code), which the caller analyses as the component's code; ``apply_tools`` marks
  any component whose command runs a development server (``dev_server``) with a diagnostic
  that ``generate`` repeats as a warning: production needs a built image.

Must not: open files, analyse code outside the tree, or keep command text beyond the tool name.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.analysis.catalog import ToolImage, tool_for_image
from dorgu.analysis.languages.registry import ANALYZERS
from dorgu.analysis.load_runs import finite_run
from dorgu.analysis.servers.images import server_for_image
from dorgu.analysis.sources import SourceTree
from dorgu.analysis.stocking import image_anchor
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Endpoint,
    EndpointKind,
    FrontendMode,
    VolumeKind,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity
from dorgu.models.patterns import LazyPattern, Pattern

MAX_WORDS = 64
MAX_MOUNTS = 64
# (the development server, a pattern over the command's words joined by spaces)
_DEV_SERVERS: tuple[tuple[str, Pattern], ...] = tuple(
    (name, LazyPattern(pattern))
    for name, pattern in (
        ("flask run", r"(^|\s)(python3?\s+-m\s+)?flask\s+(--?[\w-]+(\s+[^-\s]\S*)?\s+)*run\b"),
        ("uvicorn --reload", r"(^|\s)uvicorn\s.*--reload\b"),
        ("django runserver", r"(^|\s)(\S*/)?manage\.py\s+runserver\b"),
        ("nodemon", r"(^|\s)(npx\s+)?nodemon\b"),
        ("ts-node-dev", r"(^|\s)(npx\s+)?ts-node-dev\b"),
        ("tsx watch", r"(^|\s)(npx\s+)?tsx\s+watch\b"),
        ("node --watch", r"(^|\s)node\s+--watch\b"),
        ("npm run dev", r"(^|\s)(npm|yarn|pnpm|bun)\s+(run\s+)?dev\b"),
        ("vite", r"(^|\s)(npx\s+)?vite(\s+(dev|serve)\b|\s+--|\s*$)"),
        ("ng serve", r"(^|\s)(npx\s+)?ng\s+serve\b"),
        ("next dev", r"(^|\s)(npx\s+)?next\s+dev\b"),
        ("nuxt dev", r"(^|\s)(npx\s+)?nuxi?\s+dev\b"),
        ("go run", r"(^|\s)go\s+run\b"),
        ("air", r"(^|\s)air(\s|$)"),
        ("dotnet watch", r"(^|\s)dotnet\s+watch\b"),
        ("spring-boot:run", r"(^|\s)\S*mvnw?\s.*spring-boot:run\b|(^|\s)\S*gradlew?\s.*bootRun\b"),
    )
)


@dataclass(frozen=True)
class MountedSource:
    """The folder (tree-relative) bind-mounted on ``target`` as the component's code, and why."""

    directory: str
    target: str
    evidence: Evidence

    def built(self, component: Component) -> Component:
        """``component`` as the app it stands for: built from the mounted code on top of the
        stock image (which becomes its base image), without the source mount and the volumes
        nested in it (``/app/node_modules``), which the built image holds."""
        prefix = self.target.rstrip("/") + "/"
        volumes = tuple(
            v
            for v in component.volumes
            if posixpath.normpath(v.target) != self.target and not v.target.startswith(prefix)
        )
        update = {
            "kind": ComponentKind.APP,
            "path": self.directory,
            "image": None,
            "base_image": component.image,
            "volumes": volumes,
        }
        return component.model_copy(update=update)

    def restated(self, evidence: Sequence[Evidence], name: str) -> list[Evidence]:
        """The service's own evidence with ``kind`` replaced and ``image`` as ``base_image``."""
        kind, image = f"components.{name}.kind", f"components.{name}.image"
        out = [e for e in evidence if e.field != kind]
        out = [
            e.model_copy(update={"field": f"components.{name}.base_image"})
            if e.field == image
            else e
            for e in out
        ]
        return [*out, self.evidence]


def command_words(component: Component) -> list[str]:
    """Entrypoint + command as words, with ``sh -c "..."`` unwrapped (bounded)."""
    words = [*(component.entrypoint or ()), *(component.command or ())][:MAX_WORDS]
    if len(words) >= 3 and words[0].rsplit("/", 1)[-1].endswith("sh") and words[1] == "-c":
        try:
            return shlex.split(words[2])[:MAX_WORDS]
        except ValueError:
            return words[2].split()[:MAX_WORDS]
    return words


def dev_server_of(words: Sequence[str]) -> str | None:
    """The development server a command starts, or None."""
    text = " ".join(words)[:2000]
    for segment in re.split(r"\s*(?:&&|\|\||;)\s*", text)[:16]:
        for name, pattern in _DEV_SERVERS:
            if pattern.search(segment):
                return name
    return None


def _runtime(component: Component) -> ToolImage | None:
    tool = tool_for_image(component.image)
    if tool is None or tool.role != "runtime" or server_for_image(component.image) is not None:
        return None
    return tool


def _has_code(tree: SourceTree, directory: str) -> bool:
    sub = tree.subtree(directory)
    return any(analyzer.detect(sub) for analyzer in ANALYZERS)


def mounted_source(
    component: Component, tree: SourceTree, anchor: Location | None
) -> tuple[MountedSource | None, list[Diagnostic]]:
    """The repository folder a stock runtime image runs as its code (see the module doc)."""
    if component.kind is not ComponentKind.IMAGE or component.build is not None:
        return None, []
    tool = _runtime(component)
    if tool is None:
        return None, []
    binds = [v for v in component.volumes[:MAX_MOUNTS] if v.kind is VolumeKind.BIND and v.source]
    inside: list[tuple[str, str]] = []
    outside: list[str] = []
    for volume in binds:
        source = posixpath.normpath(volume.source or "")
        if source.startswith(("/", "~", "../")) or source == "..":
            outside.append(volume.target)
            continue
        if source == "." or tree.under(source.rstrip("/") + "/"):
            inside.append((source, posixpath.normpath(volume.target)))
    workdir = posixpath.normpath(component.workdir) if component.workdir else None
    chosen = next(((s, t) for s, t in inside if t == workdir), None)
    rule = "compose.bind-source.workdir"
    if chosen is None:
        with_code = [(s, t) for s, t in inside if _has_code(tree, s)]
        chosen = with_code[0] if len(with_code) == 1 else None
        rule = "compose.bind-source.code"
    if chosen is None:
        diagnostics = []
        if outside and not inside:
            diagnostics.append(
                Diagnostic(
                    code="compose.bind-source-outside",
                    severity=Severity.INFO,
                    message=(
                        f"{component.name}: runs {tool.tool} on code mounted from outside the "
                        "repository; that code is not analysed"
                    ),
                    location=anchor,
                )
            )
        return None, diagnostics
    source, target = chosen
    evidence = Evidence(
        field=f"components.{component.name}.kind",
        value=f"app (code bind-mounted from {source})",
        rule=rule,
        location=anchor,
        confidence=0.8 if rule.endswith("workdir") else 0.7,
        detail=f"{source} is bind-mounted on {target} of the stock {tool.tool} image",
    )
    return MountedSource(source, target, evidence), []


def apply_tools(model: AppModel) -> AppModel:
    """Load generators from stock images, and development servers (see the module doc)."""
    evidence, diagnostics = list(model.evidence), list(model.diagnostics)
    components: list[Component] = []
    for component in model.components:
        anchor = image_anchor(model.evidence, component)
        tool = tool_for_image(component.image) if component.kind is ComponentKind.IMAGE else None
        if tool is not None and tool.role == "load-generator":
            component = _load_generator(component, tool, anchor, evidence)
        component = _dev_server(component, anchor, evidence, diagnostics)
        components.append(component)
    return model.model_copy(
        update={"components": components, "evidence": evidence, "diagnostics": diagnostics}
    )


def _note(
    evidence: list[Evidence],
    component: Component,
    field: str,
    value: str,
    rule: str,
    where: Location | None,
    confidence: float = 0.85,
) -> None:
    evidence.append(
        Evidence(
            field=f"components.{component.name}.{field}",
            value=value,
            rule=rule,
            location=where,
            confidence=confidence,
        )
    )


def _load_generator(
    component: Component, tool: ToolImage, anchor: Location | None, evidence: list[Evidence]
) -> Component:
    update: dict[str, object] = {"type": AppType.WORKER}
    _note(evidence, component, "type", AppType.WORKER.value, "catalog.load-generator", anchor)
    if component.framework is None:
        update["framework"] = tool.tool
        _note(evidence, component, "framework", tool.tool, "catalog.load-generator", anchor)
    if component.language is None and tool.language:
        update["language"] = tool.language
        _note(evidence, component, "language", tool.language, "catalog.load-generator", anchor, 0.6)
    words = command_words(component)
    finite = finite_run(tool.tool, words)
    if finite is not None and not component.run_once:
        update["run_once"] = True
        where = _command_location(evidence, component) or anchor
        evidence.append(
            Evidence(
                field=f"components.{component.name}.run_once",
                value="true",
                rule="catalog.load-generator.finite",
                location=where,
                confidence=0.85,
                detail=f"runs to completion (a Job): {finite}",
            )
        )
    ui = tool.port is not None and "--headless" not in words and finite is None
    if ui and any(p.number == tool.port for p in component.ports) and not component.endpoints:
        update["endpoints"] = (
            Endpoint(kind=EndpointKind.HEALTH, path="/", port=tool.port, location=anchor),
        )
        _note(evidence, component, "endpoints.health", f"/ :{tool.port}", "catalog.tool-ui", anchor)
    return component.model_copy(update=update)


def _dev_server(
    component: Component,
    anchor: Location | None,
    evidence: list[Evidence],
    diagnostics: list[Diagnostic],
) -> Component:
    if component.kind is ComponentKind.BACKING or component.dev_server is not None:
        return component
    server = dev_server_of(command_words(component))
    if server is None:
        return component
    if component.frontend is not None and component.frontend.mode is FrontendMode.DEV:
        return component  # the frontend pass already said so
    where = _command_location(evidence, component) or anchor
    _note(evidence, component, "dev_server", server, "analysis.dev-server", where, 0.8)
    diagnostics.append(
        Diagnostic(
            code="analysis.dev-server",
            severity=Severity.INFO,  # generate repeats it as a warning
            message=(
                f"{component.name}: runs a development server ({server}); production needs a "
                "built image that runs the app without reloading or debugging"
            ),
            location=where,
        )
    )
    return component.model_copy(update={"dev_server": server})


def _command_location(evidence: Sequence[Evidence], component: Component) -> Location | None:
    for field in ("command", "entrypoint"):
        for item in evidence:
            if item.field == f"components.{component.name}.{field}" and item.location:
                return item.location
    return None
