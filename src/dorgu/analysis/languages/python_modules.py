"""Resolving Python imports to files of the tree, so routers defined in one module and mounted in
another get their prefixes (``app.include_router(users.router, prefix="/users")``).

Must not: open files or raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dorgu.analysis.languages.scanning import Node
from dorgu.models.patterns import LazyPattern

_FROM_IMPORT = LazyPattern(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]{0,3000}\)|[^\n]{1,1000})", re.M
)
_IMPORT = LazyPattern(r"^[ \t]*import[ \t]+([\w.]{1,200})(?:[ \t]+as[ \t]+(\w+))?", re.M)
_ALIAS = LazyPattern(r"^(\w+)(?:\s+as\s+(\w+))?$")

Imports = dict[str, tuple[str, str | None]]
"""local name -> (file, None) for a module, (file, name) for an object defined in that file."""


def module_name(path: str) -> str:
    """``src/app/routers/users.py`` -> ``src.app.routers.users``; packages drop ``__init__``."""
    name = path[:-3] if path.endswith(".py") else path
    name = name.removesuffix("/__init__")
    return name.replace("/", ".")


class ModuleIndex:
    """Every Python module of the tree, findable by any dotted suffix of its name."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._by_name: dict[str, str] = {}
        for path in sorted(paths, key=lambda p: (p.count("/"), p)):
            parts = module_name(path).split(".")
            for start in range(len(parts)):
                self._by_name.setdefault(".".join(parts[start:]), path)

    def find(self, dotted: str) -> str | None:
        return self._by_name.get(dotted) if dotted else None

    def absolute(self, file: str, spec: str) -> str:
        """The absolute dotted name of ``spec`` as imported from ``file``."""
        if not spec.startswith("."):
            return spec
        dots = len(spec) - len(spec.lstrip("."))
        package = module_name(file).split(".")
        if not file.endswith("__init__.py"):
            package = package[:-1]
        if dots > 1:
            package = package[: max(0, len(package) - (dots - 1))]
        rest = [p for p in spec[dots:].split(".") if p]
        return ".".join(package + rest)

    def imports(self, file: str, code: str) -> Imports:
        """Names bound by the import statements of ``file`` that refer to modules of the tree."""
        bound: Imports = {}
        for match in _IMPORT.finditer(code):
            target = self.find(match.group(1))
            if target is not None:
                local = match.group(2) or match.group(1).split(".", 1)[0]
                if match.group(2) or "." not in match.group(1):
                    bound[local] = (target, None)
        for match in _FROM_IMPORT.finditer(code):
            base = self.absolute(file, match.group(1))
            names = match.group(2).strip().strip("()").replace("\\\n", " ")
            for item in names.split(","):
                alias = _ALIAS.match(item.strip())
                if alias is None:
                    continue
                name, local = alias.group(1), alias.group(2) or alias.group(1)
                as_module = self.find(f"{base}.{name}" if base else name)
                if as_module is not None:
                    bound[local] = (as_module, None)
                    continue
                owner = self.find(base)
                if owner is not None:
                    bound[local] = (owner, name)
        return bound


def resolve_name(file: str, name: str, imports: Imports) -> Node:
    """The node a bare name in ``file`` refers to (imported object or local variable)."""
    bound = imports.get(name)
    if bound is not None and bound[1] is not None:
        return (bound[0], bound[1])
    return (file, name)


def resolve_expr(file: str, expr: str, imports: Imports) -> Node:
    """``users.router`` (module attribute), ``users_router`` (imported object) or a local."""
    head, _, attr = expr.partition(".")
    bound = imports.get(head)
    if attr and bound is not None and bound[1] is None and "." not in attr:
        return (bound[0], attr)
    if not attr:
        return resolve_name(file, head, imports)
    return (file, expr)
