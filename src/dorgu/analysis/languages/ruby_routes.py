"""Ruby HTTP routes: Rails ``config/routes.rb`` (verbs, ``root``, ``resources``/``resource`` with
``only``/``except``, nesting, ``member``/``collection``, ``namespace``, ``scope``, ``mount``) and
Sinatra route blocks (with sinatra-contrib ``namespace``).

The Rails DSL is read line by line with a stack of ``do ... end`` blocks.  Must not: open files
or raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dorgu.analysis.languages.scanning import Text
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import join_paths
from dorgu.models.patterns import LazyPattern

_OPENS_BLOCK = LazyPattern(r"\bdo\s*(?:\|[^|]*\|)?\s*$")
_KEYWORD_BLOCK = LazyPattern(r"^\s*(?:if|unless|case|begin|while|until|def|class|module)\b")
_END = LazyPattern(r"^\s*end\b")
_NAMESPACE = LazyPattern(r"""^\s*namespace\s*\(?\s*:?["']?(\w+)["']?""")
_SCOPE = LazyPattern(r"""^\s*scope\s*\(?\s*(?:["']([^"'\n]*)["']|:(\w+))?""")
_RESOURCES = LazyPattern(r"""^\s*(resources|resource)\s*\(?\s*:(\w+)((?:\s*,\s*:\w+)*)""")
_MEMBER = LazyPattern(r"^\s*(member|collection)\s+do\b")
_CONCERN = LazyPattern(r"^\s*concern\s+:")
_VERB = LazyPattern(
    r"""^\s*(get|post|put|patch|delete|match)\s*\(?\s*(?:["']([^"'\n]*)["']|:(\w+))"""
)
_ROOT = LazyPattern(r"^\s*root\b")
_MOUNT = LazyPattern(r"""^\s*mount\s+[\w:.()]+\s*(?:=>|,\s*at:)\s*["']([^"'\n]+)["']""")
_OPTION = LazyPattern(
    r"""\b(path|param|on|via|only|except|as|module)\s*:\s*(\[[^\]]*\]|%[iw]\[[^\]]*\]|:\w+|["'][^"'\n]*["'])"""
)
_WORDS = LazyPattern(r"\w+")
_PLURAL = (
    ("index", "GET", ""),
    ("create", "POST", ""),
    ("new", "GET", "/new"),
    ("show", "GET", "/{id}"),
    ("edit", "GET", "/{id}/edit"),
    ("update", "PATCH", "/{id}"),
    ("update", "PUT", "/{id}"),
    ("destroy", "DELETE", "/{id}"),
)
_SINGULAR = (
    ("create", "POST", ""),
    ("new", "GET", "/new"),
    ("show", "GET", ""),
    ("edit", "GET", "/edit"),
    ("update", "PATCH", ""),
    ("update", "PUT", ""),
    ("destroy", "DELETE", ""),
)
_MAX_DEPTH = 64
_SINATRA = LazyPattern(
    r"""^\s*(get|post|put|patch|delete|options|head)\s*\(?\s*["'](/[^"'\n]{0,300})["']"""
)
_SINATRA_NAMESPACE = LazyPattern(r"""^\s*namespace\s*\(?\s*["'](/[^"'\n]{0,300})["']""")


@dataclass(frozen=True)
class _Frame:
    prefix: str  # for plain routes and nested resources inside the block
    member: str  # for member routes (resources blocks only)
    collection: str
    skip: bool = False


def _options(rest: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _OPTION.finditer(rest)}


def _value(raw: str | None) -> str | None:
    return None if raw is None else raw.strip("\"':")


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes")):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


class _RailsRoutes:
    def __init__(self, text: Text, findings: Findings, api_only: bool) -> None:
        self.text = text
        self.findings = findings
        self.api_only = api_only
        self.stack: list[_Frame] = [_Frame("", "", "")]
        self.offset = 0

    def add(self, method: str, path: str, rule: str = "ruby.rails.route") -> None:
        if not self.stack[-1].skip:
            self.findings.route(method, path, self.text.loc(self.offset), rule)

    def resources(self, kind: str, name: str, rest: str, opens: bool) -> None:
        opts = _options(rest)
        top = self.stack[-1]
        base = join_paths(top.prefix, _value(opts.get("path")) or name)
        param = _value(opts.get("param")) or "id"
        actions = {a for a, _, _ in _PLURAL}
        if "only" in opts:
            actions = set(_WORDS.findall(opts["only"].lstrip("%iw")))
        if "except" in opts:
            actions -= set(_WORDS.findall(opts["except"].lstrip("%iw")))
        if self.api_only:
            actions -= {"new", "edit"}
        table = _PLURAL if kind == "resources" else _SINGULAR
        for action, method, suffix in table:
            if action in actions:
                self.add(
                    method, base + suffix.replace("{id}", "{" + param + "}"), "ruby.rails.resources"
                )
        if opens:
            if kind == "resources":
                nested = join_paths(base, "{" + _singular(name) + "_" + param + "}")
                member = join_paths(base, "{" + param + "}")
                self.push(_Frame(nested, member, base, top.skip))
            else:
                self.push(_Frame(base, base, base, top.skip))

    def verb(self, line: str, match: re.Match[str]) -> None:
        opts = _options(line[match.end() :])
        top = self.stack[-1]
        on = _value(opts.get("on"))
        prefix = (
            top.member if on == "member" else top.collection if on == "collection" else top.prefix
        )
        path = join_paths(prefix, match.group(2) if match.group(2) is not None else match.group(3))
        method = match.group(1).upper()
        if method == "MATCH":
            via = _WORDS.findall(opts.get("via", ":all"))
            methods = ["ANY"] if not via or "all" in via else [v.upper() for v in via]
        else:
            methods = [method]
        for each in methods:
            self.add(each, path)

    def line(self, line: str) -> None:
        opens = _OPENS_BLOCK.search(line) is not None
        top = self.stack[-1]
        if _END.match(line):
            if len(self.stack) > 1:
                self.stack.pop()
            return
        resources = _RESOURCES.match(line)
        if resources:
            names = [resources.group(2), *_WORDS.findall(resources.group(3))]
            for index, name in enumerate(names):
                last = index == len(names) - 1
                self.resources(resources.group(1), name, line[resources.end() :], opens and last)
            return
        member = _MEMBER.match(line)
        namespace = _NAMESPACE.match(line)
        scope = _SCOPE.match(line) if namespace is None else None
        verb = _VERB.match(line)
        if member:
            prefix = top.member if member.group(1) == "member" else top.collection
            self.push(_Frame(prefix, prefix, prefix, top.skip))
        elif namespace and opens:
            path = _value(_options(line).get("path")) or namespace.group(1)
            self.push(_Frame(join_paths(top.prefix, path), "", "", top.skip))
        elif scope and opens:
            path = scope.group(1) or scope.group(2) or _value(_options(line).get("path")) or ""
            self.push(_Frame(join_paths(top.prefix, path), "", "", top.skip))
        elif _CONCERN.match(line) and opens:
            self.push(_Frame(top.prefix, top.member, top.collection, True))
        elif verb:
            self.verb(line, verb)
        elif _ROOT.match(line):
            self.add("GET", top.prefix or "/")
        elif (mount := _MOUNT.match(line)) is not None:
            self.add("ANY", join_paths(top.prefix, mount.group(1)), "ruby.rails.mount")
        elif opens or _KEYWORD_BLOCK.match(line):
            self.push(top)

    def push(self, frame: _Frame) -> None:
        """Open a block; beyond ``_MAX_DEPTH`` blocks are tracked but add no routes."""
        if len(self.stack) > _MAX_DEPTH:
            top = self.stack[-1]
            frame = _Frame(top.prefix, top.member, top.collection, True)
        if not frame.member:
            frame = _Frame(frame.prefix, frame.prefix, frame.prefix, frame.skip)
        self.stack.append(frame)

    def run(self) -> None:
        for raw in self.text.code.splitlines(keepends=True)[:20000]:
            self.line(raw[:2000])
            self.offset += len(raw)


def scan_rails_routes(text: Text, findings: Findings, *, api_only: bool) -> None:
    _RailsRoutes(text, findings, api_only).run()


def scan_sinatra(text: Text, findings: Findings) -> None:
    stack = [""]
    offset = 0
    for raw in text.code.splitlines(keepends=True)[:20000]:
        line = raw[:2000]
        opens = _OPENS_BLOCK.search(line) is not None
        if _END.match(line):
            if len(stack) > 1:
                stack.pop()
        elif (namespace := _SINATRA_NAMESPACE.match(line)) is not None and opens:
            deep = len(stack) > _MAX_DEPTH
            stack.append(stack[-1] if deep else join_paths(stack[-1], namespace.group(1)))
        elif (route := _SINATRA.match(line)) is not None:
            path = join_paths(stack[-1], route.group(2))
            findings.route(route.group(1).upper(), path, text.loc(offset), "ruby.sinatra.route")
            if opens:
                stack.append(stack[-1])
        elif opens or _KEYWORD_BLOCK.match(line):
            stack.append(stack[-1])
        offset += len(raw)
