"""Choosing a component's ports from what is declared and what the program really does.

Candidates for the HTTP port, strongest first: the start command's port flag, the code's or
config's port expressions, the framework's own variables (``conventions``), a bare port variable
set for the container.  A candidate is *effective* when a value the container really gets (or
a literal in its start command) supplies it; an effective port wins over framework defaults and
code defaults, and over a Dockerfile ``EXPOSE`` or compose container port that disagrees (that
disagreement is a warning naming both places).  When no candidate is effective, declared ports
win as before; an expression whose variables are set nowhere is a warning: the port is only
known at deploy time, dorgu falls back with low confidence.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dorgu.analysis.listening.commands import command_exprs
from dorgu.analysis.listening.conventions import FIXED_IN_CODE, convention_exprs, paas_expr
from dorgu.analysis.listening.environments import RuntimeEnv
from dorgu.analysis.listening.evaluating import Resolution, Status, evaluate
from dorgu.analysis.listening.expressions import ListenExpr, RefKind
from dorgu.models.app import EnvVar, Port
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

MAX_EXPRS = 64
LOOSE_RULE_SUFFIX = ".env.port_expr"  # a port-named variable read anywhere in the code


@dataclass
class Choice:
    """The outcome for one component: ``ports`` is None when nothing effective was found (the
    caller keeps its own precedence); ``assumed_env`` are variables dorgu sets so the program
    listens where the Service points."""

    ports: tuple[Port, ...] | None = None
    evidence: list[Evidence] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    assumed_env: list[EnvVar] = field(default_factory=list)
    effective: int | None = None


def _where(location: Location | None) -> str:
    return f" ({location})" if location else ""


def _explain(res: Resolution) -> str:
    expr = res.expr
    head = f"`{expr.text}`{_where(expr.location)}"
    if res.status is Status.LITERAL and res.expr.profile is not None:
        return f"{head} in profile {res.expr.profile!r}, which the container activates"
    if (
        res.status is Status.LITERAL
        and res.defaulted
        and not res.expr.rule.startswith("listen.command")
    ):
        return f"{head} falls back to its default {res.value}"
    if res.status is Status.LITERAL and res.expr.rule.endswith(".default"):
        return f"{head} listens on its default {res.value}"
    if res.status is Status.LITERAL:
        return f"{head} states {res.value}"
    origin = f" from {res.origin}" if res.origin else ""
    return f"{res.source}={res.value}{origin}{_where(res.location)}, read by {head}"


def _candidates(
    reports_listen: Sequence[ListenExpr],
    framework: str | None,
    runtime: RuntimeEnv,
    command_location: Location | None,
) -> list[tuple[int, ListenExpr]]:
    ranked: list[tuple[int, ListenExpr]] = []
    for expr in command_exprs(runtime.command, command_location):
        ranked.append((0, expr))
    # An active profile's expression first (it replaces the default profile's value).
    code = sorted(reports_listen[:MAX_EXPRS], key=lambda e: (e.profile is None, -e.confidence))
    ranked += [(1, e) for e in code if e.purpose == "http"]
    ranked += [(2, e) for e in convention_exprs(framework)]
    return ranked


def _bound(expr: ListenExpr, http: int | None, http_rule: str | None) -> bool:
    """Whether a loose read of a port-named variable (not seen passed to a listen call) is the
    app's own port: the report has no literal HTTP port of its own, or the expression's
    default is that port.  ``API_PORT`` read to call another service must not move the port
    an ``app.listen(3000)`` fixes."""
    if not expr.rule.endswith(LOOSE_RULE_SUFFIX) or http is None:
        return True
    if http_rule is not None and "default" in http_rule:
        return True
    default = expr.default
    return default is not None and default.isascii() and default.isdigit() and int(default) == http


def _active_profiles(runtime: RuntimeEnv) -> set[str]:
    names: set[str] = set()
    for var in ("SPRING_PROFILES_ACTIVE", "QUARKUS_PROFILE", "MICRONAUT_ENVIRONMENTS"):
        hit = runtime.get(var)
        if hit is not None and hit.value:
            names.update(p.strip() for p in hit.value.split(",") if p.strip())
    return names


def choose_ports(
    *,
    name: str,
    declared: Sequence[Port],
    declared_what: str,
    report_ports: Sequence[Port],
    report_port_rule: str | None,
    listen: Sequence[ListenExpr],
    framework: str | None,
    runtime: RuntimeEnv,
) -> Choice:
    """Decide the ports (see the module docstring).  ``declared`` are compose container ports
    or Dockerfile ``EXPOSE`` ports (``declared_what`` names them for messages)."""
    choice = Choice()
    profiles = _active_profiles(runtime)
    usable = [e for e in listen if e.profile is None or e.profile in profiles]
    ranked = _candidates(usable, framework, runtime, runtime.command_location)
    fixed = report_port_rule in FIXED_IN_CODE
    http = next((p.number for p in report_ports if p.purpose in (None, "http")), None)
    best: Resolution | None = None
    weak: list[Resolution] = []
    for rank, expr in ranked:
        if rank == 2 and fixed:
            continue
        if rank == 1 and not _bound(expr, http, report_port_rule):
            continue  # not the app's own port: neither a candidate nor worth a warning
        res = evaluate(expr, runtime)
        strong = res.status is Status.SET or (
            res.status is Status.LITERAL and (rank == 0 or expr.profile is not None)
        )
        if strong and res.port is not None:
            best = res
            break
        if rank < 2:
            weak.append(res)
    if best is None and not report_ports and not declared:
        res = evaluate(paas_expr(), runtime)
        best = res if res.status is Status.SET else None
    for res in weak:
        for problem in res.problems:
            choice.diagnostics.append(_diag("analysis.port-value", f"{name}: {problem}", res))
    if best is not None:
        for problem in best.problems:
            choice.diagnostics.append(_diag("analysis.port-value", f"{name}: {problem}", best))
        others = _other_purposes(choice, name, usable, runtime, report_ports, best.port)
        return _effective(choice, name, best, declared, declared_what, others)
    _fallback(choice, name, weak, declared, declared_what, report_ports, runtime)
    default = next((r for r in weak if r.port is not None), None)
    if default is not None and default.port is not None and not declared and http is None:
        main = Port(
            number=default.port, name="http", purpose="http", location=default.expr.location
        )
        choice.ports = (main, *report_ports)
    return choice


def _diag(
    code: str, message: str, res: Resolution, severity: Severity = Severity.WARNING
) -> Diagnostic:
    return Diagnostic(
        code=code,
        severity=severity,
        message=message[:500],
        location=res.location or res.expr.location,
    )


def _effective(
    choice: Choice,
    name: str,
    best: Resolution,
    declared: Sequence[Port],
    declared_what: str,
    report_ports: Sequence[Port],
) -> Choice:
    port = best.port
    if port is None:
        return choice
    choice.effective = port
    rule = best.expr.rule if best.status is Status.LITERAL else f"listen.{_kind(best)}"
    choice.evidence.append(
        Evidence(
            field=f"components.{name}.ports",
            value=str(port),
            rule=rule,
            location=best.location or best.expr.location,
            confidence=0.9 if best.status is Status.SET else 0.85,
            detail=_explain(best)[:400],
        )
    )
    others = [p for p in report_ports if p.purpose not in (None, "http") and p.number != port]
    if not declared:
        http = Port(number=port, name="http", purpose="http", location=best.location)
        choice.ports = (http, *others)
        return choice
    numbers = [p.number for p in declared]
    if port in numbers:
        # The port the program listens on is the HTTP one, first (generation names it http).
        match = declared[numbers.index(port)]
        if match.purpose is None:
            match = match.model_copy(update={"purpose": "http"})
        choice.ports = (match, *(p for p in declared if p.number != port))
        return choice
    listed = ", ".join(f"{p.number}{_where(p.location)}" for p in declared)
    choice.diagnostics.append(
        Diagnostic(
            code="analysis.port-mismatch",
            message=(
                f"{name}: {declared_what} {listed} but the app listens on {port}: "
                f"{_explain(best)}; using {port}"
            )[:500],
            location=declared[0].location,
        )
    )
    if len(declared) == 1:
        choice.ports = (declared[0].model_copy(update={"number": port}),)
    else:
        http = Port(number=port, name="http", purpose="http", location=best.location)
        choice.ports = (http, *declared)
    return choice


def _other_purposes(
    choice: Choice,
    name: str,
    listen: Sequence[ListenExpr],
    runtime: RuntimeEnv,
    report_ports: Sequence[Port],
    http_port: int | None,
) -> list[Port]:
    """Metrics and gRPC ports: the report's, with those whose variable is set replaced."""
    others = [p for p in report_ports if p.purpose not in (None, "http") and p.number != http_port]
    for expr in listen[:MAX_EXPRS]:
        if expr.purpose == "http":
            continue
        res = evaluate(expr, runtime)
        if res.status is not Status.SET or res.port is None or res.port == http_port:
            continue
        others = [p for p in others if p.purpose != expr.purpose]
        others.append(
            Port(number=res.port, name=expr.purpose, purpose=expr.purpose, location=res.location)
        )
        choice.evidence.append(
            Evidence(
                field=f"components.{name}.ports.{expr.purpose}",
                value=str(res.port),
                rule=f"listen.{_kind(res)}",
                location=res.location,
                confidence=0.9,
                detail=_explain(res)[:400],
            )
        )
    return others


def _kind(res: Resolution) -> str:
    first = next((r for r in res.expr.chain if r.name == res.source), None)
    if res.expr.rule.startswith("listen.command"):
        return "command"
    if first is not None and first.kind is RefKind.FLAG:
        return "flag"
    if res.expr.rule.startswith("listen.convention"):
        return "convention"
    return "env"


def _fallback(
    choice: Choice,
    name: str,
    weak: Sequence[Resolution],
    declared: Sequence[Port],
    declared_what: str,
    report_ports: Sequence[Port],
    runtime: RuntimeEnv,
) -> None:
    """No effective port: say what could not be known, and what dorgu falls back to."""
    unknown = next(
        (
            r
            for r in weak
            if r.expr.reads_environment
            and (r.status is Status.UNRESOLVED or (r.status is Status.LITERAL and r.defaulted))
        ),
        None,
    )
    if unknown is None:
        return
    variables = ", ".join(unknown.expr.variables) or ", ".join(
        r.name for r in unknown.expr.chain if r.name
    )
    declared_numbers = {p.number for p in declared}
    http = next((p for p in report_ports if p.purpose in (None, "http")), None)
    if unknown.status is Status.LITERAL and unknown.port in declared_numbers:
        return  # the default agrees with what compose / the Dockerfile declare
    if declared:
        fallback, why = declared[0].number, declared_what
    elif unknown.port is not None:
        fallback, why = unknown.port, "the code's default"
    elif http is not None:
        fallback, why = http.number, "the framework default"
    else:
        fallback, why = None, ""
    tail = f"; using {fallback} ({why}), low confidence" if fallback else "; no port is known"
    invalid = [n for n in unknown.expr.variables if runtime.get(n) is not None]
    if invalid:
        message = (
            f"{name}: {', '.join(invalid)} is set but gives `{unknown.expr.text}` no valid "
            f"port (see analysis.port-value){tail}"
        )
    else:
        message = (
            f"{name}: {variables or 'the port variable'} is set nowhere dorgu can see "
            f"(Dockerfile ENV, compose environment/env_file, .dorgu.yaml env), so "
            f"`{unknown.expr.text}` is only known at deploy time{tail}"
        )
    choice.diagnostics.append(_diag("analysis.port-unresolved", message, unknown))
    if fallback is not None:
        choice.evidence.append(
            Evidence(
                field=f"components.{name}.ports",
                value=str(fallback),
                rule="listen.fallback",
                location=unknown.expr.location,
                confidence=0.4,
                detail=f"{variables} unset; {why}",
            )
        )
    if fallback is not None and unknown.port is None:
        env_refs = [r.name for r in unknown.expr.chain if r.kind is RefKind.ENV]
        if env_refs and unknown.expr.shape.value == "number":
            choice.assumed_env.append(EnvVar(name=env_refs[0], value=str(fallback)))
            choice.evidence.append(
                Evidence(
                    field=f"components.{name}.env.{env_refs[0]}",
                    value=str(fallback),
                    rule="listen.env.assumed",
                    location=unknown.expr.location,
                    confidence=0.4,
                    detail="set by dorgu so the program listens on the port its Service targets",
                )
            )
