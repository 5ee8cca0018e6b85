"""Procfiles (Heroku, Dokku, foreman, honcho) and Heroku's ``app.json``.

``web: gunicorn app:app --bind 0.0.0.0:$PORT`` declares a process type and its command.  Each
process type of an app becomes a component running the same image with its own command
(``sh -c`` keeps ``$PORT`` and other references working); ``release`` runs once per deploy (a
Job).  The platform sets ``PORT`` for ``web`` at run time; on Kubernetes dorgu must set it, so
the value comes from ``app.json`` (``env.PORT``), the command's own default (``${PORT:-8000}``),
or foreman's convention 5000 (low confidence, with a note).  ``app.json`` also gives the
environment (``generator: secret`` and secret-looking values keep only their name) and
``formation`` the replica counts.

Must not: read files (texts come in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dorgu.analysis.descriptors.records import Described
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import EnvVar, Port
from dorgu.models.evidence import Diagnostic, Location, Severity
from dorgu.models.patterns import LazyPattern

MAX_PROCESSES = 50
FOREMAN_PORT = 5000
_LINE = LazyPattern(r"^([A-Za-z0-9_-]{1,63})\s*:\s*(\S.*)$")
_PORT_REF = LazyPattern(r"\$(?:\{PORT(?::?-([0-9]{1,5}))?\}|PORT\b)")
_RUN_ONCE = frozenset({"release"})


@dataclass
class AppJson:
    env: list[EnvVar] = field(default_factory=list)
    formation: dict[str, tuple[int, Location]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read_app_json(text: str, *, file: str) -> AppJson:
    result = AppJson()
    if len(text) > 1024 * 1024:
        return result
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        result.diagnostics.append(
            Diagnostic(
                code="descriptors.unreadable",
                message=f"{file}: not valid JSON ({str(e)[:80]}); not read",
                location=Location(file=file),
            )
        )
        return result
    if not isinstance(data, dict):
        return result
    lines = text.splitlines()

    def line_of(key: str) -> int | None:
        needle = f'"{key}"'
        return next((i for i, line in enumerate(lines, 1) if needle in line), None)

    env = data.get("env")
    if isinstance(env, dict):
        for name, spec in list(env.items())[:500]:
            where = Location(file=file, line=line_of(name))
            value = spec.get("value") if isinstance(spec, dict) else spec
            generated = isinstance(spec, dict) and spec.get("generator") == "secret"
            text_value = str(value) if isinstance(value, str | int | float) else None
            if generated or looks_secret(name, text_value):
                result.env.append(EnvVar(name=name, secret=True, location=where))
            else:
                result.env.append(EnvVar(name=name, value=text_value, location=where))
    formation = data.get("formation")
    if isinstance(formation, dict):
        for process, spec in formation.items():
            quantity = spec.get("quantity") if isinstance(spec, dict) else None
            if (
                isinstance(quantity, int)
                and not isinstance(quantity, bool)
                and 0 <= quantity <= 1000
            ):
                result.formation[process] = (quantity, Location(file=file, line=line_of(process)))
    return result


def read_procfile(
    text: str, *, file: str, app_json: AppJson | None = None
) -> tuple[list[Described], list[Diagnostic]]:
    """The processes of a Procfile, ``web``'s port resolved as described above."""
    processes: list[Described] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    env = list(app_json.env) if app_json else []
    declared_port = next((v for v in env if v.name == "PORT" and v.value), None)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        where = Location(file=file, line=number)
        if match is None:
            diagnostics.append(
                Diagnostic(
                    code="descriptors.procfile-line",
                    message="not a 'type: command' line; ignored",
                    location=where,
                )
            )
            continue
        name, command = match.group(1).lower(), match.group(2).strip()
        if name in seen or len(processes) >= MAX_PROCESSES:
            continue
        seen.add(name)
        locations = {"command": where}
        ports: tuple[Port, ...] = ()
        process_env = list(env)
        confidence = 0.9
        reference = _PORT_REF.search(command)
        if reference is not None:
            port, rule_where, note = _port(reference.group(1), declared_port, where)
            if port is not None:
                ports = (Port(number=port, purpose="http", location=rule_where),)
                locations["ports"] = rule_where
                if declared_port is None:
                    process_env.append(EnvVar(name="PORT", value=str(port), location=rule_where))
            if note is not None:
                diagnostics.append(note)
                confidence = 0.4
        replicas = app_json.formation.get(name) if app_json else None
        if replicas is not None:
            locations["replicas"] = replicas[1]
        processes.append(
            Described(
                source="procfile",
                workload="process",
                name=name,
                container=name,
                ports=ports,
                env=tuple(process_env),
                replicas=replicas[0] if replicas else None,
                command=("/bin/sh", "-c", command),
                run_once=name in _RUN_ONCE,
                confidence=confidence,
                location=where,
                locations=locations,
            )
        )
    return processes, diagnostics


def _port(
    default: str | None, declared: EnvVar | None, where: Location
) -> tuple[int | None, Location, Diagnostic | None]:
    if declared is not None and declared.value and declared.value.isdecimal():
        number = int(declared.value)
        if 0 < number < 65536:
            return number, declared.location or where, None
    if default is not None and 0 < int(default) < 65536:
        return int(default), where, None
    note = Diagnostic(
        severity=Severity.INFO,
        code="descriptors.procfile-port",
        message=(
            f"the platform sets PORT at run time and nothing here sets it; using {FOREMAN_PORT} "
            "(foreman's default) and setting PORT to it (set env.PORT in app.json to choose)"
        ),
        location=where,
    )
    return FOREMAN_PORT, where, note
