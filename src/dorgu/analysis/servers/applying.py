"""Making web servers and proxies first-class components.

For every component that runs a stock server (its compose image, or its Dockerfile's base
image: nginx, httpd, php-apache, caddy, traefik, haproxy, envoy, tomcat, ...) this pass reads
the configuration the repository provides (bind mounts, COPYs, nginx templates rendered with
the service's environment) and records, with evidence: the server as framework, the listen
ports (the image's default when nothing configures one), health locations as endpoints, and
each upstream that names another component as a dependency on it with the port, which that
component then serves.

Must not: open files, print, or put configuration text or environment values in evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dorgu.analysis.catalog import Backing, backing_for_image
from dorgu.analysis.hostnames import component_for_host
from dorgu.analysis.servers.configs import HealthPath, Listen, ServerConfig, Upstream
from dorgu.analysis.servers.images import ServerImage, server_for_image
from dorgu.analysis.servers.routing import serve_upstream_ports, traefik_config
from dorgu.analysis.sources import SourceTree
from dorgu.analysis.stocking import image_anchor
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    Endpoint,
    EndpointKind,
    Port,
    Protocol,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def server_image_of(component: Component) -> ServerImage | None:
    """The stock server ``component`` runs: its image when image-only, else its base image."""
    image = component.image if component.kind is not ComponentKind.APP else component.base_image
    return server_for_image(image)


def apply_servers(
    model: AppModel, tree: SourceTree, *, hosts: Mapping[str, str] | None = None
) -> AppModel:
    """Read every server component's configuration into the model (see the module doc).
    ``hosts``: other names components are reached by (compose aliases), lower-cased."""
    evidence, diagnostics = list(model.evidence), list(model.diagnostics)
    components = list(model.components)
    for index, component in enumerate(components):
        image = server_image_of(component)
        if image is None:
            continue
        # lazy: the config parsers load only for apps that run a stock server (startup time)
        from dorgu.analysis.servers.caddy import caddy_command
        from dorgu.analysis.servers.mounting import component_mounts, with_templates
        from dorgu.analysis.servers.reading import read_server

        anchor = image_anchor(model.evidence, component)
        env = {v.name: v.value for v in component.env if v.value is not None and not v.secret}
        mounts = with_templates(component_mounts(component, tree), image, tree)
        command = (*(component.entrypoint or ()), *(component.command or ()))
        config = read_server(image, mounts, tree, env, command)
        if image.server == "caddy" and config is None:
            config = caddy_command(command, where=anchor or Location(file="."))
        if image.server == "traefik":
            config = traefik_config(component, components, config, anchor, model.evidence)
        applier = _Applier(component, image, config, anchor, evidence, diagnostics, hosts)
        components[index] = applier.run(components)
    components = serve_upstream_ports(components, evidence)
    return model.model_copy(
        update={"components": components, "evidence": evidence, "diagnostics": diagnostics}
    )


class _Applier:
    def __init__(
        self,
        component: Component,
        image: ServerImage,
        config: ServerConfig | None,
        anchor: Location | None,
        evidence: list[Evidence],
        diagnostics: list[Diagnostic],
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.hosts = hosts or {}
        self.c = component
        self.image = image
        self.config = config
        self.anchor = anchor
        self.evidence = evidence
        self.diagnostics = diagnostics
        self.prefix = f"components.{component.name}"

    def note(self, field: str, value: str, rule: str, where: Location | None, conf: float) -> None:
        self.evidence.append(
            Evidence(
                field=f"{self.prefix}.{field}",
                value=value,
                rule=rule,
                location=where,
                confidence=conf,
            )
        )

    def run(self, components: Sequence[Component]) -> Component:
        """The component with what its server configuration says (``components``: the app's
        components, which upstream hosts are matched against)."""
        c, config = self.c, self.config
        update: dict[str, object] = {}
        if c.framework is None:
            update["framework"] = self.image.server
            self.note("framework", self.image.server, "servers.image", self.anchor, 0.9)
        serves_http = config is None or not config.listens or any(x.http for x in config.listens)
        if self.image.purpose == "http" and serves_http and self._serves_pages():
            update["type"] = AppType.WEB
            self.note("type", AppType.WEB.value, "servers.type", self.anchor, 0.8)
        if self.image.uid is not None and c.security.user is None and c.security.uid is None:
            update["security"] = c.security.model_copy(
                update={"uid": self.image.uid, "gid": self.image.uid, "runs_as_root": False}
            )
            self.note("security.uid", str(self.image.uid), "servers.image-uid", self.anchor, 0.7)
        if config is not None:
            self.diagnostics.extend(_dedupe(config.diagnostics, self.diagnostics))
            for root in config.roots[:8]:
                self.note("static_root", root.path, "servers.static-root", root.location, 0.9)
        update["ports"] = self.ports()
        update["endpoints"] = self.endpoints(config.health if config else [])
        update["dependencies"] = self.dependencies(config.upstreams if config else [], components)
        return c.model_copy(update=update)

    def ports(self) -> tuple[Port, ...]:
        c, config = self.c, self.config
        listens: list[Listen] = list(config.listens) if config else []
        # In an image whose final stage is a server, ports the code names are not what runs.
        stated = [p for p in c.ports if c.kind is not ComponentKind.APP or self._stated(p)]
        default = not listens and self.image.port is not None and not stated
        if default:
            assert self.image.port is not None
            listens = [Listen(self.image.port, self.anchor or Location(file="."))]
        ports = stated if listens else list(c.ports)
        known = {(p.number, p.protocol.value) for p in ports}
        for listen in listens:
            if (listen.port, listen.protocol) in known:
                if not default and listen.location.file != self.image.own_site:
                    # the configuration confirms a stated port: show where it listens
                    shown = f"{listen.port}/{listen.protocol}"
                    self.note("ports", shown, "servers.listen", listen.location, 0.9)
                continue
            known.add((listen.port, listen.protocol))
            image_site = listen.location.file == self.image.own_site
            where = self.anchor if image_site or default else listen.location
            purpose = self.image.purpose if listen.http and listen.protocol == "TCP" else None
            ports.append(
                Port(
                    number=listen.port,
                    protocol=Protocol(listen.protocol),
                    purpose="https" if listen.tls else purpose,
                    location=where,
                )
            )
            if default:
                rule, conf = "servers.default-port", 0.7
            elif image_site:
                rule, conf = "servers.image-site", 0.7
            else:
                rule, conf = "servers.listen", 0.9
            self.note("ports", f"{listen.port}/{listen.protocol}", rule, where, conf)
        if config is not None and listens and not default:
            self._unheard(stated, {listen.port for listen in listens}, config)
        return tuple(ports)

    def _unheard(self, stated: Sequence[Port], heard: set[int], config: ServerConfig) -> None:
        """Warn about ports compose or the Dockerfile state that the server does not listen on
        (unless some listen could not be resolved: then the configuration is not fully known)."""
        if any(d.code == "servers.unresolved" for d in config.diagnostics):
            return
        for port in stated:
            if port.number in heard:
                continue
            how = "published" if port.published else "declared"
            self.diagnostics.append(
                Diagnostic(
                    code="servers.port-not-listened",
                    severity=Severity.WARNING,
                    message=(
                        f"{self.c.name}: port {port.number} is {how}, but the "
                        f"{self.image.server} configuration listens on "
                        f"{', '.join(str(p) for p in sorted(heard))}"
                    ),
                    location=port.location,
                )
            )

    def _serves_pages(self) -> bool:
        """An HTTP server's component is web unless the code or the user said otherwise: only
        an unknown type, or a worker guessed for want of routes, is replaced."""
        c = self.c
        if c.type is None:
            return True
        if c.type is not AppType.WORKER and c.language is not None:
            return False
        rules = {e.rule for e in self.evidence if e.field == f"{self.prefix}.type"}
        return rules <= {"analysis.type"}

    def _stated(self, port: Port) -> bool:
        """A port compose or the Dockerfile states (not one found in the code)."""
        if port.published is not None or port.location is None:
            return True
        file = port.location.file
        dockerfile = self.c.build.dockerfile if self.c.build else None
        return file == dockerfile or "compose" in file.rsplit("/", 1)[-1]

    def endpoints(self, health: Sequence[HealthPath]) -> tuple[Endpoint, ...]:
        endpoints = list(self.c.endpoints)
        have = {(e.kind, e.path) for e in endpoints}
        for item in health:
            if (EndpointKind.HEALTH, item.path) in have:
                continue
            have.add((EndpointKind.HEALTH, item.path))
            endpoints.append(
                Endpoint(
                    kind=EndpointKind.HEALTH, path=item.path, port=item.port, location=item.location
                )
            )
            self.note("endpoints.health", item.path, "servers.health-location", item.location, 0.9)
        return tuple(sorted(endpoints, key=lambda e: (e.kind.value, e.path)))

    def dependencies(
        self, upstreams: Sequence[Upstream], components: Sequence[Component]
    ) -> tuple[Dependency, ...]:
        deps = {d.component or d.name: d for d in self.c.dependencies}
        names = {**self.hosts, **{c.name.lower(): c.name for c in components}}
        kinds = _backings(components)
        for upstream in upstreams:
            target = component_for_host(upstream.host, names)
            if target is None or target == self.c.name:
                if upstream.host not in _LOOPBACK and target is None and "." not in upstream.host:
                    self.diagnostics.append(
                        Diagnostic(
                            code="servers.unknown-upstream",
                            severity=Severity.INFO,
                            message=(
                                f"{self.c.name}: forwards to {upstream.host}, which is not a "
                                "component of this app"
                            ),
                            location=upstream.location,
                        )
                    )
                continue
            current = deps.get(target)
            route = f" for {upstream.path}" if upstream.path else ""
            shown = f"{target}:{upstream.port}{route}" if upstream.port else f"{target}{route}"
            if current is not None:
                if current.port is None and upstream.port is not None:
                    deps[target] = current.model_copy(update={"port": upstream.port})
                    self.note(
                        f"dependencies.{current.name}",
                        shown,
                        "servers.upstream",
                        upstream.location,
                        0.9,
                    )
                continue
            backing = kinds.get(target)
            deps[target] = Dependency(
                name=target,
                type=backing.type if backing else DependencyType.SERVICE,
                kind=backing.kind if backing else None,
                component=target,
                via="proxy",
                location=upstream.location,
                port=upstream.port,
            )
            self.note(f"dependencies.{target}", shown, "servers.upstream", upstream.location, 0.9)
        return tuple(sorted(deps.values(), key=lambda d: (d.type.value, d.name)))


def _backings(components: Sequence[Component]) -> dict[str, Backing]:
    """Image-only catalogued components by name (a proxy in front of a database)."""
    found: dict[str, Backing] = {}
    for component in components:
        if component.kind is ComponentKind.BACKING and component.image:
            backing = backing_for_image(component.image)
            if backing is not None:
                found[component.name] = backing
    return found


def _dedupe(new: Sequence[Diagnostic], existing: Sequence[Diagnostic]) -> list[Diagnostic]:
    seen = {(d.code, d.message, d.location) for d in existing}
    out = []
    for item in new:
        key = (item.code, item.message, item.location)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
