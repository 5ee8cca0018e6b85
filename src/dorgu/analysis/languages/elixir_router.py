"""Routes from Phoenix routers and ``Plug.Router`` modules.

A line scanner with a ``do``/``end`` stack: ``scope "/api", App do`` pushes a prefix,
``resources "/users", UserController, only: [:index, :show]`` expands to Phoenix's seven actions
(honouring ``only:``, ``except:``, ``singleton:``, ``param:`` and nesting as ``/users/:user_id``),
``pipe_through :browser``/``:api`` is recorded for the app type.
Must not: open files or read the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dorgu.analysis.languages.scanning import Text
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import join_paths
from dorgu.models.patterns import LazyPattern

ROUTER_HINT = LazyPattern(r"\buse\s+(?:Phoenix\.Router|Plug\.Router|[\w.]+,\s*:router)\b")
_VERB = LazyPattern(
    r'^\s*(get|post|put|patch|delete|options|head|live|forward)\s*\(?\s*"([^"\n]*)"'
)
_MATCH = LazyPattern(r'^\s*match\s*\(?\s*:(\w+|\*)\s*,\s*"([^"\n]*)"')
_SCOPE = LazyPattern(r'^\s*scope\s*\(?\s*(?:"([^"\n]*)"|path:\s*"([^"\n]*)")?')
_RESOURCES = LazyPattern(r'^\s*resources\s*\(?\s*"([^"\n]*)"\s*,\s*([\w.]+)(.*)$')
_PIPE = LazyPattern(r"^\s*pipe_through\s*\(?\s*\[?\s*:(\w+)")
_DO = LazyPattern(r"\bdo\s*$|\bdo\s+#|\bfn\b.*->\s*$")
_END = LazyPattern(r"^\s*end\b")
_ATOMS = LazyPattern(r":(\w+)")
_ACTIONS = (  # action, method, member?, suffix
    ("index", "GET", False, ""),
    ("new", "GET", False, "/new"),
    ("create", "POST", False, ""),
    ("show", "GET", True, ""),
    ("edit", "GET", True, "/edit"),
    ("update", "PATCH", True, ""),
    ("update", "PUT", True, ""),
    ("delete", "DELETE", True, ""),
)


@dataclass
class RouterFacts:
    pipelines: set[str] = field(default_factory=set)


def _option_list(rest: str, key: str) -> list[str] | None:
    match = re.search(rf"\b{key}:\s*\[([^\]]*)\]", rest)
    return _ATOMS.findall(match.group(1)) if match else None


def _underscore(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _resources(path: str, controller: str, rest: str) -> tuple[list[tuple[str, str]], str]:
    """(method, path) pairs of a ``resources`` line and the prefix its nested block uses."""
    param = re.search(r'\bparam:\s*"(\w+)"', rest)
    param_name = param.group(1) if param else "id"
    singleton = re.search(r"\bsingleton:\s*true\b", rest) is not None
    only, exclude = _option_list(rest, "only"), _option_list(rest, "except") or []
    routes: list[tuple[str, str]] = []
    for action, method, member, suffix in _ACTIONS:
        if (only is not None and action not in only) or action in exclude:
            continue
        if singleton and action == "index":
            continue
        base = path if singleton or not member else join_paths(path, f":{param_name}")
        routes.append((method, join_paths(base, suffix)))
    name = _underscore(controller.rsplit(".", 1)[-1].removesuffix("Controller"))
    nested = path if singleton else join_paths(path, f":{name}_{param_name}")
    return routes, nested


def scan_router(text: Text, findings: Findings, facts: RouterFacts) -> None:
    stack: list[str] = []  # prefix pushed per open block ("" for blocks that add none)
    offset = 0
    plug_router = "Plug.Router" in text.code
    for line in text.code.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if _END.match(line):
            if stack:
                stack.pop()
            continue
        prefix = join_paths(*stack)
        opens = _DO.search(line) is not None
        pushed = ""
        if (scope := _SCOPE.match(line)) and line.lstrip().startswith("scope"):
            pushed = scope.group(1) or scope.group(2) or ""
        elif resources := _RESOURCES.match(line):
            routes, pushed = _resources(resources.group(1), resources.group(2), resources.group(3))
            for method, path in routes:
                findings.route(
                    method, join_paths(prefix, path), text.loc(start), "elixir.phoenix.resources"
                )
            pushed = pushed if opens else ""
        elif verb := _VERB.match(line):
            method = {"live": "GET", "forward": "ANY"}.get(verb.group(1), verb.group(1).upper())
            rule = "elixir.plug.route" if plug_router else f"elixir.phoenix.{verb.group(1)}"
            findings.route(method, join_paths(prefix, verb.group(2)), text.loc(start), rule)
        elif match := _MATCH.match(line):
            method = "ANY" if match.group(1) == "*" else match.group(1).upper()
            findings.route(
                method, join_paths(prefix, match.group(2)), text.loc(start), "elixir.phoenix.match"
            )
        elif pipe := _PIPE.match(line):
            facts.pipelines.update(_ATOMS.findall(line[pipe.start(1) - 1 :]))
        if opens:
            stack.append(pushed)
        if len(stack) > 64:
            return
