"""Evaluating a ``ListenExpr`` against the container's ``RuntimeEnv``.

The chain's alternatives are tried in order; the first that yields a port wins.  An environment
variable is looked up in the runtime environment; a property first as its relaxed environment
variable (``server.port`` <- ``SERVER_PORT``), then in the properties the analyser captured, with
placeholders expanded; a flag in the start command (shell-form commands expand ``$VAR`` and
``${VAR:-default}`` against the runtime environment).  Values that hold no port (non-numeric,
0, out of range), secret values, variables that are only build ``ARG``s, exec-form ``$VAR``
that no shell expands and cycles are reported as problems and skipped.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dorgu.analysis.listening.commands import flag_value
from dorgu.analysis.listening.environments import RuntimeEnv
from dorgu.analysis.listening.expressions import ListenExpr, Ref, RefKind, read_port
from dorgu.analysis.listening.placeholders import Expansion, expand, relaxed_env_name
from dorgu.analysis.secrets import looks_secret
from dorgu.models.evidence import Location

MAX_PROBLEMS = 8


class Status(StrEnum):
    SET = "set"  # a variable, property or flag the container gets supplied the port
    LITERAL = "literal"  # no runtime input: a literal (the expression's own default)
    UNRESOLVED = "unresolved"  # nothing in the chain yields a port


@dataclass(frozen=True)
class Resolution:
    """What ``expr`` evaluates to.  ``source`` names what supplied the value (``APP_PORT``,
    ``server.port``, ``--port``), ``origin``/``location`` where it was set."""

    expr: ListenExpr
    port: int | None
    status: Status
    source: str | None = None
    value: str | None = None
    origin: str | None = None
    location: Location | None = None
    problems: tuple[str, ...] = ()
    defaulted: bool = False  # the expression's own default supplied the value

    @property
    def known(self) -> bool:
        return self.status is not Status.UNRESOLVED


@dataclass(frozen=True)
class _Found:
    text: str
    source: str
    origin: str | None
    location: Location | None
    defaulted: bool = False


class _Evaluator:
    def __init__(self, expr: ListenExpr, runtime: RuntimeEnv) -> None:
        self.expr = expr
        self.runtime = runtime
        self.properties = dict(expr.properties)
        self.problems: list[str] = []
        self.first_set: _Found | None = None

    def problem(self, message: str) -> None:
        if message not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def env(self, name: str) -> _Found | None:
        found = self.runtime.get(name)
        if found is None:
            arg = self.runtime.build_args.get(name)
            if arg is not None:
                self.problem(
                    f"{name} is only a build ARG ({arg}); the running program does not see it"
                )
            return None
        if found.secret or found.value is None:
            self.problem(f"{name} looks secret; its value is not read")
            return None
        return _Found(found.value, name, found.origin, found.location)

    def property(self, name: str) -> _Found | None:
        first: list[_Found] = []

        def lookup(key: str) -> tuple[str, str] | None:
            for candidate in dict.fromkeys((relaxed_env_name(key), key)):
                hit = self.env(candidate) if candidate.replace("_", "").isalnum() else None
                if hit is not None:
                    first.append(hit)
                    return hit.text, candidate
            if key in self.properties:
                return self.properties[key], key
            return None

        state = Expansion(lookup)
        value = expand(f"${{{name}}}", state)
        for message in state.problems:
            self.problem(message)
        if value is None:
            return None
        if first:
            hit = first[0]
            return _Found(value, hit.source, hit.origin, hit.location)
        source = state.supplied[0] if state.supplied else name
        return _Found(value, source, None, self.expr.location, defaulted=state.defaulted)

    def flag(self, name: str) -> _Found | None:
        found = flag_value(self.runtime.command, name, self.runtime.get)
        if found is None:
            return None
        text, used, problem = found
        if problem:
            self.problem(problem)
        if text is None:
            return None
        if used is not None:
            hit = self.runtime.get(used)
            if hit is not None:
                return _Found(text, used, hit.origin, hit.location)
        return _Found(text, name, "the start command", self.runtime.command_location)

    def value_of(self, ref: Ref) -> _Found | None:
        if ref.kind is RefKind.LITERAL:
            return _Found(ref.value, "default", None, self.expr.location, defaulted=True)
        if ref.kind is RefKind.ENV:
            return self.env(ref.name)
        if ref.kind is RefKind.PROPERTY:
            return self.property(ref.name)
        return self.flag(ref.name)

    def run(self) -> Resolution:
        for ref in self.expr.chain:
            found = self.value_of(ref)
            if found is None:
                continue
            if found.text.strip() == "" and self.expr.empty_is_unset:
                continue
            port = read_port(found.text, self.expr.shape)
            if port is None and ref.kind is RefKind.LITERAL and "$" in found.text:
                self.problem(
                    f"the exec-form command passes {found.text[:60]!r} literally "
                    "(no shell expands it); use the shell form or an env var the program reads"
                )
                continue
            if port is None:
                shown = "<redacted>" if looks_secret(found.source, found.text) else found.text[:60]
                self.problem(f"{found.source}={shown!r} holds no valid port (1-65535)")
                continue
            literal = ref.kind is RefKind.LITERAL or (
                ref.kind is RefKind.PROPERTY and found.origin is None
            )
            return Resolution(
                expr=self.expr,
                port=port,
                status=Status.LITERAL if literal else Status.SET,
                source=found.source,
                value=found.text[:60],
                origin=found.origin,
                location=found.location,
                problems=tuple(self.problems),
                defaulted=found.defaulted,
            )
        return Resolution(
            expr=self.expr, port=None, status=Status.UNRESOLVED, problems=tuple(self.problems)
        )


def evaluate(expr: ListenExpr, runtime: RuntimeEnv) -> Resolution:
    """Evaluate ``expr`` in ``runtime`` (see the module docstring)."""
    return _Evaluator(expr, runtime).run()
