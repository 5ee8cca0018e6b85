"""Keeping a compose service's secret values out of everything but its Secret.

The values of its secret variables (environment, env_file, and the project's secret-looking
variables from ``.env`` or the caller's environment) are looked for in the healthcheck,
``command``, ``entrypoint``, labels and the values of its other variables.  Where one is found,
it becomes a reference to its variable (see ``dorgu.analysis.scrubbing``); a variable the service
did not declare is added as a secret one, so the reference resolves from the Secret; a plain
variable whose value contains a secret becomes secret itself.

Must not: keep, return or report a secret value (diagnostics name variables only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from dorgu.analysis.compose.environment import RawEnv
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.projects import ComposeService
from dorgu.analysis.scrubbing import SecretValues, scrub_command, scrub_healthcheck
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location, Severity

Lookup = Callable[[str], str | None]
_PROTECTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_VALUE = 64 * 1024  # a longer "secret" is a file, not a password; not searched for


def secret_values(
    raw_env: Iterable[RawEnv], *, project: Mapping[str, str], lookup: Lookup
) -> SecretValues:
    """The service's secret values: its secret variables (references left by interpolation
    resolved through ``lookup``), then the project's secret-looking variables."""
    values: dict[str, str] = {}
    public: list[str] = []
    for item in raw_env:
        if item.raw_value is None:
            continue
        if not item.var.secret:
            public.append(item.raw_value)
            continue
        value = _PROTECTED.sub(lambda m: lookup(m.group(1)) or m.group(0), item.raw_value)
        if len(value) <= _MAX_VALUE:
            values[item.var.name] = value
    for name, value in project.items():
        if len(value) <= _MAX_VALUE:
            values.setdefault(name, value)
    return SecretValues.of(values, public=public)


@dataclass(frozen=True)
class ProjectSecrets:
    """The project's secret-looking interpolation variables, and where ``.env`` sets them."""

    values: Mapping[str, str] = field(default_factory=dict)
    locations: Mapping[str, Location] = field(default_factory=dict)


def project_secrets(variables: Mapping[str, str]) -> dict[str, str]:
    """The secret-looking ones among the project's interpolation variables."""
    return {name: value for name, value in variables.items() if looks_secret(name, value)}


def protect_service(
    service: ComposeService, secrets: SecretValues, *, known: Mapping[str, Location], notes: Notes
) -> ComposeService:
    """``service`` with every secret value replaced by a reference to its variable.

    ``known`` says where each project variable was defined (for variables the service gets
    added)."""
    if not secrets.names:
        return service
    used: set[str] = set()
    places: list[str] = []
    healthcheck = service.healthcheck
    if healthcheck is not None:
        healthcheck, names = scrub_healthcheck(healthcheck, secrets)
        used.update(names)
        if names:
            places.append("healthcheck")
    entrypoint, command = service.entrypoint, service.command
    result = scrub_command((*(entrypoint or ()), *(command or ())), secrets)
    if result.used:
        used.update(result.used)
        split = len(entrypoint or ())
        if entrypoint is not None and result.words[:split] != entrypoint:
            entrypoint = result.words[:split]
            places.append("entrypoint")
        if command is not None and result.words[split:] != command:
            command = result.words[split:]
            places.append("command")
    labels: list[tuple[str, str]] = []
    for key, value in service.labels:
        scrubbed = scrub_command((value,), secrets)
        used.update(scrubbed.used)
        labels.append((key, scrubbed.words[0]))
        if scrubbed.used and "labels" not in places:
            places.append("labels")
    mentioned = set(used)
    env = _protect_env(service.env, secrets, mentioned)
    if env != service.env:
        places.append("environment")
    if not places:
        return service
    declared = {var.name for var in env}
    added = tuple(
        EnvVar(name=name, secret=True, location=known.get(name, service.location))
        for name in sorted(used - declared)
    )
    notes.add(
        "compose.secret-reference",
        f"service {service.name!r}: the {', '.join(places)} used the secret value of "
        f"{', '.join(sorted(mentioned))}; it now refers to the variable, which the Secret "
        "supplies",
        service.location,
        severity=Severity.INFO,
    )
    return replace(
        service,
        healthcheck=healthcheck,
        entrypoint=entrypoint,
        command=command,
        labels=tuple(labels),
        env=(*env, *added),
    )


def _protect_env(
    env: tuple[EnvVar, ...], secrets: SecretValues, mentioned: set[str]
) -> tuple[EnvVar, ...]:
    """Plain variables whose value contains a secret value become secret (no value kept)."""
    result: list[EnvVar] = []
    for var in env:
        if var.secret or var.value is None or not secrets.contained_in(var.value):
            result.append(var)
            continue
        mentioned.update(secrets.owner(m.group(0)) for m in secrets.matches(var.value))
        result.append(var.model_copy(update={"value": None, "secret": True}))
    return tuple(result)
