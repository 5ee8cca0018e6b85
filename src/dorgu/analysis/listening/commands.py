"""Port flags of the container's start command (entrypoint + command).

``command_exprs`` recognises the servers people start from a Dockerfile ``CMD`` or a compose
``command`` (uvicorn, gunicorn, hypercorn, daphne, granian, waitress, ``flask run``, ``fastapi
run``, ``manage.py runserver``, ``rails server``, puma, rackup, ``php -S``, ``php artisan
serve``, ``next start``, serve, http-server, ``java -Dserver.port=`` / ``--server.port=``,
``dotnet ... --urls``) and
turns their port argument into a ``ListenExpr``; a server started without one gets the
variables it reads on its own and its default.  In a shell-form command (``sh -c "..."``)
``$PORT``, ``${PORT}`` and ``${PORT:-8000}`` are environment references; in an exec-form
command they are passed literally, which the evaluator reports.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dorgu.analysis.listening.environments import EnvValue
from dorgu.analysis.listening.expressions import (
    ListenExpr,
    Ref,
    Shape,
    env,
    literal,
    make_expr,
)
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

MAX_COMMAND = 10_000
MAX_TOKENS = 400
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_PARAM = LazyPattern(r"\$(?:\{(\w{1,128})(?:(:?[-=])([^}]{0,200}))?\}|(\w{1,128}))")


@dataclass(frozen=True)
class _Server:
    flags: tuple[str, ...]  # flags that take the port (or host:port) as the next token or =value
    shape: Shape
    env: tuple[str, ...] = ()  # variables the server reads when no flag is given
    default: int | None = None


_SERVERS: dict[str, _Server] = {
    "uvicorn": _Server(("--port",), Shape.NUMBER, ("UVICORN_PORT",), 8000),
    "gunicorn": _Server(("--bind", "-b"), Shape.HOSTPORT, ("PORT",), 8000),
    "hypercorn": _Server(("--bind", "-b"), Shape.HOSTPORT, (), 8000),
    "daphne": _Server(("--port", "-p"), Shape.NUMBER, (), 8000),
    "granian": _Server(("--port",), Shape.NUMBER, ("GRANIAN_PORT",), 8000),
    "waitress-serve": _Server(("--port", "--listen"), Shape.HOSTPORT, (), 8080),
    "flask": _Server(("--port", "-p"), Shape.NUMBER, ("FLASK_RUN_PORT",), 5000),
    "fastapi": _Server(("--port",), Shape.NUMBER, (), 8000),
    "runserver": _Server((), Shape.HOSTPORT, (), 8000),
    "rails": _Server(("--port", "-p"), Shape.NUMBER, ("PORT",), 3000),
    "puma": _Server(("--port", "-p", "--bind", "-b"), Shape.HOSTPORT, (), None),
    "rackup": _Server(("--port", "-p"), Shape.NUMBER, (), 9292),
    "php": _Server(("-S",), Shape.HOSTPORT, (), None),
    "artisan": _Server(("--port",), Shape.NUMBER, ("SERVER_PORT",), 8000),
    "next": _Server(("--port", "-p"), Shape.NUMBER, ("PORT",), 3000),
    "serve": _Server(("--listen", "-l", "--port", "-p"), Shape.HOSTPORT, ("PORT",), 3000),
    "http-server": _Server(("--port", "-p"), Shape.NUMBER, ("PORT",), 8080),
    "java": _Server(
        ("-Dserver.port", "--server.port", "-Dquarkus.http.port", "-Dmicronaut.server.port"),
        Shape.NUMBER,
    ),
    "dotnet": _Server(("--urls",), Shape.URLS),
}
_SUBCOMMANDS = {
    "flask": "run",
    "fastapi": "run",
    "rails": "s",
    "next": "start",
    "artisan": "serve",
}


def _tokens(argv: Sequence[str]) -> tuple[list[str], bool]:
    """(tokens, shell) of a command: a ``sh -c`` script is split like a shell would."""
    argv = [a[:MAX_COMMAND] for a in list(argv)[:MAX_TOKENS]]
    if len(argv) >= 3 and posixpath.basename(argv[0]) in _SHELLS and argv[1] in ("-c", "-ec"):
        script = argv[2]
        try:
            return shlex.split(script, comments=True)[:MAX_TOKENS], True
        except ValueError:
            return script.split()[:MAX_TOKENS], True
    return argv, False


def _option(tokens: list[str], start: int, names: Sequence[str]) -> str | None:
    for i in range(start, len(tokens)):
        token = tokens[i]
        for name in names:
            if token == name and i + 1 < len(tokens):
                return tokens[i + 1]
            if token.startswith(name + "="):
                return token[len(name) + 1 :]
            if name == "-S" and token.startswith("-S") and len(token) > 2:
                return token[2:]
    return None


def shell_chain(text: str, shell: bool) -> list[Ref]:
    """The chain of a command-line value: ``${PORT:-8000}`` -> [env PORT, literal 8000]."""
    if not shell or "$" not in text:
        return [literal(text)]
    chain: list[Ref] = []
    for match in _PARAM.finditer(text):
        chain.append(env(match.group(1) or match.group(4)))
        if match.group(3):
            chain.extend(shell_chain(match.group(3), shell))
    return chain or [literal(text)]


def _tool(tokens: list[str]) -> tuple[str, int] | None:
    for i, token in enumerate(tokens[:40]):
        base = posixpath.basename(token)
        if base == "manage.py" and "runserver" in tokens[i + 1 : i + 3]:
            return "runserver", tokens.index("runserver", i)
        if base == "php" and not any(t.startswith("-S") for t in tokens[i + 1 : i + 6]):
            continue  # php artisan serve, php script.php: not the built-in server
        if base in _SERVERS:
            sub = _SUBCOMMANDS.get(base)
            if sub is not None:
                following = tokens[i + 1] if i + 1 < len(tokens) else ""
                if following not in (sub, "server" if base == "rails" else sub):
                    continue
            return base, i
    return None


def command_exprs(argv: Sequence[str], location: Location | None) -> list[ListenExpr]:
    """The listen expressions a start command states (see the module docstring)."""
    tokens, shell = _tokens(argv)
    found = _tool(tokens)
    if found is None:
        return []
    tool, index = found
    server = _SERVERS[tool]
    rule = f"listen.command.{tool}"
    value: str | None
    if tool == "runserver":
        value = next((t for t in tokens[index + 1 :] if not t.startswith("-")), None)
    else:
        value = _option(tokens, index + 1, server.flags)
    if value is not None:
        chain = shell_chain(value, shell)
        shown = " ".join(tokens[index : index + 8])
        return [make_expr(shown, chain, rule, location, shape=server.shape, confidence=0.9)]
    if server.default is None and not server.env:
        return []
    chain = [env(name) for name in server.env]
    if server.default is not None:
        chain.append(literal(server.default))
    shown = " ".join(tokens[index : index + 4])
    return [
        make_expr(shown, chain, f"{rule}.default", location, shape=server.shape, confidence=0.6)
    ]


def flag_value(
    argv: Sequence[str], name: str, getenv: Callable[[str], EnvValue | None]
) -> tuple[str | None, str | None, str | None] | None:
    """(value, variable used, problem) of flag ``-name``/``--name`` in the command; None when
    the command does not pass it."""
    tokens, shell = _tokens(argv)
    bare = name.lstrip("-")
    value = _option(tokens, 1, (f"-{bare}", f"--{bare}"))
    if value is None:
        return None
    if "$" not in value:
        return value, None, None
    if not shell:
        return None, None, f"the exec-form command passes {value!r} literally (no shell expands it)"
    for ref in shell_chain(value, shell):
        if ref.kind.value == "literal":
            return ref.value, None, None
        hit = getenv(ref.name)
        if hit is not None and hit.value:
            return hit.value, ref.name, None
    return None, None, f"{value!r} in the start command expands to nothing"
