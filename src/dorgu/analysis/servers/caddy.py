"""Caddy (Caddyfile): site addresses as listen ports, ``reverse_proxy``/``php_fastcgi``
targets, ``root`` directories and health responses (``respond /health 200``).

``{$VAR}``/``{$VAR:default}`` are resolved from the service's environment, as Caddy does when
it loads the file.  ``import`` of a file is followed given a reader; snippets are inlined.
Global ``http_port``/``https_port`` change the defaults (80/443).

Must not: open files or resolve names.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dorgu.analysis.servers.configs import (
    HealthPath,
    Listen,
    ServerConfig,
    StaticRoot,
    Upstream,
    port_number,
    scheme_of,
    split_address,
)
from dorgu.analysis.servers.health import is_health_path
from dorgu.analysis.servers.including import ConfigReader, ConfigText
from dorgu.analysis.servers.templating import has_variable, substitute, unresolved_message
from dorgu.models.evidence import Diagnostic, Location, Severity

CADDY_DIR = "/etc/caddy"
MAX_DEPTH = 16
MAX_LINES = 50_000


@dataclass
class _Block:
    words: list[str]
    location: Location
    children: list[_Block] = field(default_factory=list)


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line.replace("`", '"'), comments=True, posix=True)
    except ValueError:
        return line.split()


def _tree(text: str, file: str, diagnostics: list[Diagnostic]) -> list[_Block]:
    root = _Block([], Location(file=file, line=1))
    stack = [root]
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        words = _split(raw)
        if not words:
            continue
        where = Location(file=file, line=number)
        closes = words and words[0] == "}"
        if closes:
            if len(stack) == 1:
                diagnostics.append(_diag("servers.caddy.syntax", "unexpected '}'", where))
            else:
                stack.pop()
            words = words[1:]
            if not words:
                continue
        opens = words[-1] == "{"
        if opens:
            words = words[:-1]
        block = _Block(words, where)
        stack[-1].children.append(block)
        if opens:
            if len(stack) > MAX_DEPTH:
                diagnostics.append(_diag("servers.caddy.syntax", "blocks nested too deep", where))
                break
            stack.append(block)
        if words and words[-1] == "}" and len(stack) > 1:
            stack.pop()
    if len(stack) > 1:
        diagnostics.append(
            _diag("servers.caddy.syntax", "a block is not closed ('}' missing)", None)
        )
    return root.children


def _diag(code: str, message: str, where: Location | None) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.INFO, message=message, location=where)


class _Caddy:
    def __init__(self, config: ServerConfig, reader: ConfigReader | None, env: Mapping[str, str]):
        self.config = config
        self.reader = reader
        self.env = env
        self.snippets: dict[str, list[_Block]] = {}
        self.http_port, self.https_port = 80, 443

    def load(self, source: ConfigText, cause: Location | None) -> list[_Block]:
        if self.reader is not None and not self.reader.enter(source, cause=cause):
            return []
        try:
            text = substitute(source.text, self.env, syntax="caddy")
            blocks = _tree(text, source.file, self.config.diagnostics)
            return self._imports(blocks, posixpath.dirname(source.path) or CADDY_DIR)
        finally:
            if self.reader is not None:
                self.reader.leave()

    def _imports(self, blocks: list[_Block], directory: str) -> list[_Block]:
        out: list[_Block] = []
        for block in blocks:
            if block.words and block.words[0].startswith("(") and block.words[0].endswith(")"):
                self.snippets[block.words[0][1:-1]] = block.children
                continue
            if block.words[:1] == ["import"] and len(block.words) > 1:
                name = block.words[1]
                if name in self.snippets:
                    out.extend(self.snippets[name])
                elif self.reader is None:
                    self.config.diagnostics.append(
                        _diag(
                            "servers.include-not-followed",
                            f"import {name} is not followed",
                            block.location,
                        )
                    )
                else:
                    for text in self.reader.include(
                        name, relative_to=directory, cause=block.location
                    ):
                        out.extend(self.load(text, block.location))
                continue
            block.children = self._imports(block.children, directory)
            out.append(block)
        return out

    def run(self, blocks: list[_Block]) -> None:
        for index, block in enumerate(blocks):
            if index == 0 and not block.words:
                self._globals(block)
                continue
            self._site(block)

    def _globals(self, block: _Block) -> None:
        for option in block.children:
            if len(option.words) >= 2 and option.words[0] in ("http_port", "https_port"):
                port = port_number(option.words[1])
                if port is not None and option.words[0] == "http_port":
                    self.http_port = port
                elif port is not None:
                    self.https_port = port

    def _site(self, block: _Block) -> None:
        addresses = [a for word in block.words for a in word.split(",") if a]
        port = None
        for address in addresses:
            port = self._address(address, block.location) or port
        children = block.children if block.children or not addresses else []
        self._directives(children, path=None, port=port, depth=0)

    def _address(self, address: str, where: Location) -> int | None:
        if has_variable(address) or address.startswith("{"):
            message = unresolved_message(f"site address {address}", address)
            self.config.diagnostics.append(_diag("servers.unresolved", message, where))
            return None
        scheme = scheme_of(address)
        rest = address.split("://", 1)[-1].split("/", 1)[0]
        _host, sep, tail = rest.rpartition(":")
        port = port_number(tail) if sep else None
        if port is None:
            if scheme == "http":
                port = self.http_port
            elif scheme == "https" or (rest and rest not in ("localhost",)):
                self.config.listens.append(Listen(self.http_port, where))
                port = self.https_port
            else:
                port = self.http_port
        tls = scheme == "https" or (scheme is None and port == self.https_port)
        self.config.listens.append(Listen(port, where, tls=tls))
        return port

    def _directives(
        self, blocks: list[_Block], *, path: str | None, port: int | None, depth: int
    ) -> None:
        for block in blocks:
            if not block.words:
                continue
            name, args = block.words[0], block.words[1:]
            matcher = args[0] if args and args[0].startswith("/") else None
            here = matcher or path
            if matcher is not None or (args and (args[0] == "*" or args[0].startswith("@"))):
                args = args[1:]
            if name in ("reverse_proxy", "php_fastcgi"):
                targets = args + [
                    w for c in block.children if c.words[:1] == ["to"] for w in c.words[1:]
                ]
                for target in targets:
                    self._upstream(
                        target, here, block.location, "fastcgi" if name == "php_fastcgi" else None
                    )
            elif name == "root" and args and not has_variable(args[-1]):
                self.config.roots.append(StaticRoot(args[-1], block.location))
            elif name == "respond" and here and is_health_path(here):
                self.config.health.append(HealthPath(here.rstrip("*"), block.location, port))
            if (
                block.children
                and name in ("handle", "handle_path", "route", "handle_errors", "redir")
                and depth < MAX_DEPTH
            ):
                self._directives(block.children, path=here, port=port, depth=depth + 1)

    def _upstream(self, target: str, path: str | None, where: Location, scheme: str | None) -> None:
        address = split_address(target, default_port=80)
        if address is None:
            if has_variable(target) or target.startswith("{"):
                message = unresolved_message(f"reverse_proxy {target}", target)
                self.config.diagnostics.append(_diag("servers.unresolved", message, where))
            return
        kind = scheme or scheme_of(target) or "http"
        self.config.upstreams.append(Upstream(address[0], address[1], where, path, kind))


def parse_caddyfile(
    text: str,
    *,
    file: str,
    container_path: str = f"{CADDY_DIR}/Caddyfile",
    reader: ConfigReader | None = None,
    env: Mapping[str, str] | None = None,
) -> ServerConfig:
    """What one Caddyfile (and the files it imports, given a reader) says."""
    config = ServerConfig(server="caddy", files=[file])
    caddy = _Caddy(config, reader, env or {})
    blocks = caddy.load(ConfigText(path=container_path, file=file, text=text), None)
    caddy.run(blocks)
    if reader is not None:
        config.files = reader.files or config.files
    return config


def caddy_command(words: Sequence[str], *, where: Location) -> ServerConfig | None:
    """``caddy reverse-proxy --from :80 --to api:8000`` / ``caddy file-server --listen :8080
    --root /srv``: what the command line configures (None for other commands)."""
    if "reverse-proxy" not in words and "file-server" not in words:
        return None
    config = ServerConfig(server="caddy")
    options: dict[str, list[str]] = {}
    for index, word in enumerate(words):
        name, sep, value = word.partition("=")
        if name.startswith("--") and (sep or index + 1 < len(words)):
            options.setdefault(name, []).append(value if sep else words[index + 1])
    if "reverse-proxy" in words:
        source = (options.get("--from") or [":80"])[0]
        port = port_number(source.rpartition(":")[2]) if ":" in source else None
        config.listens.append(Listen(port or (443 if not source.startswith(":") else 80), where))
        for target in options.get("--to", []):
            address = split_address(target, default_port=80)
            if address is not None:
                config.upstreams.append(Upstream(address[0], address[1], where, None, "http"))
    else:
        listen = (options.get("--listen") or [":80"])[0]
        config.listens.append(Listen(port_number(listen.rpartition(":")[2]) or 80, where))
        for root in options.get("--root", []):
            config.roots.append(StaticRoot(root, where))
    return config
