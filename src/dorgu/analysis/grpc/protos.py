"""A small, bounded parser for the parts of a ``.proto`` file that make up an API surface:
``package``, ``import``, ``service`` blocks and their ``rpc`` declarations (with streaming).

Everything else (messages, enums, options, extensions) is skipped by brace matching.  The parser
never follows imports (so import cycles cannot loop), reads at most ``MAX_PROTO_CHARS``
characters, keeps at most ``MAX_SERVICES`` services and ``MAX_METHODS`` rpcs per service, and
reports malformed input as diagnostics rather than raising.

Must not: open files or raise.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from dorgu.models.app import GrpcMethod, GrpcService
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.patterns import LazyPattern

MAX_PROTO_CHARS = 1_000_000
MAX_SERVICES = 100
MAX_METHODS = 300
MAX_IMPORTS = 200

_TOKEN = LazyPattern(
    r"""(?P<space>\s+)|(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"""
    r"""|(?P<string>"(?:[^"\\\n]|\\.){0,2000}"|'(?:[^'\\\n]|\\.){0,2000}')"""
    r"""|(?P<word>\.?[A-Za-z_][\w.]{0,300})|(?P<number>\d[\w.]*)|(?P<punct>.)""",
    re.S,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


@dataclass
class ProtoFile:
    """What one .proto file declares."""

    path: str
    package: str | None = None
    imports: list[str] = field(default_factory=list)
    services: list[GrpcService] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _tokens(text: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            out.append(_Token(kind, match.group(), match.start()))
    return out


class _Parser:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.tokens = _tokens(text)
        self.pos = 0
        self.result = ProtoFile(path=path)

    def loc(self, token: _Token | None) -> Location:
        if token is None:
            return Location(file=self.path)
        return Location(file=self.path, line=bisect.bisect_right(self.lines, token.offset) + 1)

    def peek(self, ahead: int = 0) -> _Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        self.pos += 1
        return token

    def malformed(self, message: str, token: _Token | None) -> None:
        if len(self.result.diagnostics) < 20:
            self.result.diagnostics.append(
                Diagnostic(
                    code="grpc.proto.malformed",
                    severity=Severity.WARNING,
                    message=f"{message}; the rest of this declaration was skipped",
                    location=self.loc(token),
                )
            )

    def skip_statement(self) -> None:
        """Skip to the end of a statement (``;``) or past a balanced ``{...}`` block."""
        depth = 0
        while (token := self.take()) is not None:
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth -= 1
                if depth <= 0:
                    return
            elif token.text == ";" and depth == 0:
                return

    def parse(self) -> ProtoFile:
        while (token := self.peek()) is not None:
            word = token.text
            if word == "package":
                self.pos += 1
                name = self.peek()
                if name is not None and name.kind == "word":
                    self.result.package = name.text.lstrip(".")
                self.skip_statement()
            elif word == "import":
                self.pos += 1
                while (part := self.peek()) is not None and part.text in ("public", "weak"):
                    self.pos += 1
                name = self.peek()
                full = len(self.result.imports) >= MAX_IMPORTS
                if name is not None and name.kind == "string" and not full:
                    self.result.imports.append(name.text[1:-1])
                self.skip_statement()
            elif word == "service":
                self.pos += 1
                self.service(token)
            elif word == "}":
                self.malformed("unmatched '}'", token)
                self.pos += 1
            else:
                self.skip_statement()
        return self.result

    def service(self, start: _Token) -> None:
        name = self.take()
        opening = self.take()
        if name is None or name.kind != "word" or opening is None or opening.text != "{":
            self.malformed("a service needs a name and a '{'", start)
            self.skip_statement()
            return
        methods: list[GrpcMethod] = []
        while (token := self.peek()) is not None:
            if token.text == "}":
                self.pos += 1
                break
            if token.text == "rpc":
                self.pos += 1
                method = self.rpc(token)
                if method is not None and len(methods) < MAX_METHODS:
                    methods.append(method)
            elif token.text in ("service", "message", "package") and token.kind == "word":
                self.malformed(f"service {name.text} is not closed", start)
                break
            else:
                self.skip_statement()
        else:
            self.malformed(f"service {name.text} is not closed", start)
        package = self.result.package
        full = f"{package}.{name.text}" if package else name.text
        if len(self.result.services) < MAX_SERVICES:
            self.result.services.append(
                GrpcService(name=full, methods=tuple(methods), location=self.loc(start))
            )

    def message_type(self) -> tuple[str, bool] | None:
        opening = self.take()
        if opening is None or opening.text != "(":
            return None
        streaming = False
        token = self.take()
        nxt = self.peek()
        if token is not None and token.text == "stream" and nxt is not None and nxt.text != ")":
            streaming = True
            token = self.take()
        closing = self.take()
        if token is None or token.kind != "word" or closing is None or closing.text != ")":
            return None
        return token.text.lstrip("."), streaming

    def rpc(self, start: _Token) -> GrpcMethod | None:
        name = self.take()
        request = self.message_type() if name is not None and name.kind == "word" else None
        returns = self.take() if request is not None else None
        response = (
            self.message_type() if returns is not None and returns.text == "returns" else None
        )
        if name is None or request is None or response is None:
            self.malformed("an rpc needs: rpc Name (Request) returns (Response)", start)
            self.skip_statement()
            return None
        end = self.peek()
        if end is not None and end.text in (";", "{"):
            self.skip_statement()
        return GrpcMethod(
            name=name.text,
            input_type=request[0],
            output_type=response[0],
            client_streaming=request[1],
            server_streaming=response[1],
        )


def parse_proto(text: str, *, path: str) -> ProtoFile:
    """The package, imports and services of one .proto file's text."""
    diagnostics: list[Diagnostic] = []
    if len(text) > MAX_PROTO_CHARS:
        diagnostics.append(
            Diagnostic(
                code="grpc.proto.truncated",
                severity=Severity.INFO,
                message=f"only the first {MAX_PROTO_CHARS} characters were read",
                location=Location(file=path),
            )
        )
        text = text[:MAX_PROTO_CHARS]
    if "\x00" in text:
        return ProtoFile(
            path=path,
            diagnostics=[
                Diagnostic(
                    code="grpc.proto.binary",
                    severity=Severity.WARNING,
                    message="this .proto file is binary, not text; it was skipped",
                    location=Location(file=path),
                )
            ],
        )
    result = _Parser(path, text).parse()
    result.diagnostics[:0] = diagnostics
    return result
