"""HAProxy: ``bind`` ports of frontends and listen sections, ``server`` addresses of backends
(with the path prefix an ``acl ... path_beg`` + ``use_backend`` routes to them) and
``monitor-uri`` health paths.  ``"${VAR}"`` is resolved from the service's environment.

Must not: open files or resolve names.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from dorgu.analysis.servers.configs import (
    HealthPath,
    Listen,
    ServerConfig,
    Upstream,
    port_number,
    split_address,
)
from dorgu.analysis.servers.templating import has_variable, substitute, unresolved_message
from dorgu.models.evidence import Diagnostic, Location, Severity

_SECTIONS = frozenset(
    {
        "global",
        "defaults",
        "frontend",
        "backend",
        "listen",
        "resolvers",
        "peers",
        "userlist",
        "program",
        "http-errors",
        "cache",
        "ring",
        "mailers",
    }
)
MAX_LINES = 50_000


@dataclass
class _Section:
    kind: str
    name: str
    lines: list[tuple[list[str], Location]] = field(default_factory=list)


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True, posix=True)
    except ValueError:
        return line.split("#", 1)[0].split()


def _diag(code: str, message: str, where: Location | None) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.INFO, message=message, location=where)


def parse_haproxy(text: str, *, file: str, env: Mapping[str, str] | None = None) -> ServerConfig:
    """What one ``haproxy.cfg`` says."""
    config = ServerConfig(server="haproxy", files=[file])
    sections: list[_Section] = []
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        words = _words(substitute(raw, env or {}, syntax="braces"))
        if not words:
            continue
        where = Location(file=file, line=number)
        if words[0] in _SECTIONS:
            sections.append(_Section(words[0], words[1] if len(words) > 1 else "", []))
            if words[0] == "listen" and len(words) > 2:
                sections[-1].lines.append((["bind", words[2]], where))
            continue
        if sections:
            sections[-1].lines.append((words, where))
    routes = _routes(sections)
    mode = "http"
    for section in sections:
        own = next((w[1] for w, _ in section.lines if w[0] == "mode" and len(w) > 1), None)
        if section.kind == "defaults" and own:
            mode = own
        if section.kind in ("frontend", "listen"):
            _frontend(section, config, http=(own or mode) == "http")
        if section.kind in ("backend", "listen"):
            _backend(section, routes.get(section.name), config)
    return config


def _routes(sections: list[_Section]) -> dict[str, str]:
    """Backend name -> the path prefix a frontend routes to it (``acl`` + ``use_backend``)."""
    routes: dict[str, str] = {}
    for section in sections:
        acls: dict[str, str] = {}
        for words, _where in section.lines:
            if words[0] == "acl" and len(words) >= 4 and words[2] in ("path_beg", "path"):
                acls[words[1]] = words[3]
            elif words[0] == "use_backend" and len(words) >= 4 and words[2] in ("if", "unless"):
                condition = [w for w in words[3:] if w in acls]
                if words[2] == "if" and condition:
                    routes.setdefault(words[1], acls[condition[0]])
    return routes


def _frontend(section: _Section, config: ServerConfig, *, http: bool) -> None:
    first: int | None = None
    for words, where in section.lines:
        if words[0] == "bind" and len(words) > 1:
            for address in words[1].split(","):
                port = _bind_port(address, where, config)
                if port is not None:
                    first = first or port
                    config.listens.append(Listen(port, where, tls="ssl" in words[2:], http=http))
        elif words[0] == "monitor-uri" and len(words) > 1:
            config.health.append(HealthPath(words[1], where, first))
        elif words[0] == "http-request" and words[1:3] == ["return", "status"] and len(words) > 3:
            path = _returned_path(words)
            if path and words[3] in ("200", "204"):
                config.health.append(HealthPath(path, where, first))


def _returned_path(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word in ("path", "path_beg") and index + 1 < len(words):
            return words[index + 1]
    return None


def _bind_port(address: str, where: Location, config: ServerConfig) -> int | None:
    if address.startswith(("unix@", "/", "abns@", "fd@")):
        return None
    if has_variable(address):
        config.diagnostics.append(
            _diag("servers.unresolved", unresolved_message(f"bind {address}", address), where)
        )
        return None
    tail = address.rpartition(":")[2]
    low = tail.split("-", 1)[0]
    port = port_number(low)
    if port is None:
        config.diagnostics.append(
            _diag("servers.haproxy.value", f"bind {address} has no port", where)
        )
    return port


def _backend(section: _Section, path: str | None, config: ServerConfig) -> None:
    for words, where in section.lines:
        if words[0] == "server" and len(words) > 2:
            target = words[2]
        elif words[0] == "server-template" and len(words) > 3:
            target = words[3]
        else:
            continue
        address = split_address(target)
        if address is None:
            if has_variable(target):
                message = unresolved_message(f"server {target}", target)
                config.diagnostics.append(_diag("servers.unresolved", message, where))
            continue
        config.upstreams.append(Upstream(address[0], address[1], where, path, "http"))
