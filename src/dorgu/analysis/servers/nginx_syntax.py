"""nginx configuration syntax: tokens, then a tree of directives with their blocks.

Hostile input is bounded: nesting deeper than ``MAX_DEPTH`` or more than ``MAX_DIRECTIVES``
directives stop parsing with a diagnostic; unbalanced braces and a missing ``;`` at the end
are reported and parsing keeps what it has.

Must not: interpret directives (``nginx.py`` does) or open files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_DEPTH = 32
MAX_DIRECTIVES = 20_000
_PUNCT = frozenset("{};")


@dataclass
class Directive:
    name: str
    args: list[str]
    location: Location
    block: list[Directive] | None = None
    origin: str = ""  # container path of the file it came from


@dataclass
class _Token:
    text: str
    line: int
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in _PUNCT:
            tokens.append(_Token(ch, line))
            i += 1
        elif ch in "\"'":
            start_line, j, out = line, i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                if text[j] == "\n":
                    line += 1
                out.append(text[j])
                j += 1
            tokens.append(_Token("".join(out), start_line, quoted=True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _PUNCT:
                if text[j] == "$" and j + 1 < n and text[j + 1] == "{":
                    close = text.find("}", j)
                    j = n if close < 0 else close + 1
                    continue
                j += 1
            tokens.append(_Token(text[i:j], line))
            i = j
    return tokens


@dataclass
class _Parser:
    file: str
    tokens: list[_Token]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pos: int = 0
    count: int = 0
    stopped: bool = False

    def problem(self, message: str, line: int | None) -> None:
        self.diagnostics.append(
            Diagnostic(
                code="servers.nginx.syntax",
                severity=Severity.WARNING,
                message=message,
                location=Location(file=self.file, line=line),
            )
        )

    def block(self, depth: int) -> list[Directive]:
        out: list[Directive] = []
        words: list[_Token] = []
        while self.pos < len(self.tokens) and not self.stopped:
            token = self.tokens[self.pos]
            self.pos += 1
            if token.quoted or token.text not in _PUNCT:
                words.append(token)
                continue
            if token.text == "}":
                if words:
                    self.problem(f"'{words[0].text}' is missing its ';'", words[0].line)
                if depth == 0:
                    self.problem("unexpected '}'", token.line)
                    continue
                return out
            if not words:
                if token.text == "{":
                    self.problem("a block without a directive name", token.line)
                    self.block(depth + 1)
                continue
            self.count += 1
            if self.count > MAX_DIRECTIVES:
                self.problem(f"over {MAX_DIRECTIVES} directives; the rest is ignored", token.line)
                self.stopped = True
                return out
            directive = Directive(
                name=words[0].text.lower(),
                args=[w.text for w in words[1:]],
                location=Location(file=self.file, line=words[0].line),
            )
            words = []
            if token.text == "{":
                if depth + 1 > MAX_DEPTH:
                    self.problem(f"blocks nested deeper than {MAX_DEPTH}; ignored", token.line)
                    self.stopped = True
                    return out
                directive.block = self.block(depth + 1)
            out.append(directive)
        if words:
            self.problem(
                f"'{words[0].text}' is missing its ';' at the end of the file", words[0].line
            )
        if depth > 0 and not self.stopped:
            self.problem("a block is not closed ('}' missing) at the end of the file", None)
        return out


def parse_directives(text: str, *, file: str) -> tuple[list[Directive], list[Diagnostic]]:
    """The directive tree of one nginx configuration file, and syntax diagnostics."""
    parser = _Parser(file=file, tokens=_tokens(text))
    directives = parser.block(0)
    return directives, parser.diagnostics
