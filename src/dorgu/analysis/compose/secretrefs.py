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
from urllib.parse import unquote

from dorgu.analysis.compose.environment import RawEnv
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.projects import ComposeResource, ComposeService
from dorgu.analysis.scrubbing import SecretValues, scrub_command, scrub_healthcheck
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location, Severity
from dorgu.models.patterns import LazyPattern

Lookup = Callable[[str], str | None]
_PROTECTED = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL_PASSWORD = LazyPattern(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@", re.IGNORECASE)
_MAX_VALUE = 64 * 1024  # a longer "secret" is a file, not a password; not searched for


@dataclass(frozen=True)
class ProjectSecrets:
    """The project's secret-looking interpolation variables, and where ``.env`` sets them."""

    values: Mapping[str, str] = field(default_factory=dict)
    locations: Mapping[str, Location] = field(default_factory=dict)


def project_secrets(variables: Mapping[str, str]) -> dict[str, str]:
    """The secret-looking ones among the project's interpolation variables."""
    return {name: value for name, value in variables.items() if looks_secret(name, value)}


def with_secret_files(
    project: ProjectSecrets, files: Iterable[ComposeResource], texts: Mapping[str, str]
) -> ProjectSecrets:
    """``project`` plus the content of each compose secret file, as a variable named after the
    secret (``db_root_password`` -> ``DB_ROOT_PASSWORD``; ``..._CONTENT`` when taken)."""
    values = dict(project.values)
    locations = dict(project.locations)
    for resource in files:
        text = texts.get(resource.file) if resource.file else None
        value = text.strip() if text else ""
        if not value or len(value) > _MAX_VALUE or "\n" in value:
            continue
        name = re.sub(r"[^A-Za-z0-9]+", "_", resource.name).strip("_").upper() or "SECRET"
        if not name[0].isalpha():
            name = f"SECRET_{name}"
        if values.get(name, value) != value:
            name = f"{name}_CONTENT"
        values.setdefault(name, value)
        if resource.location is not None:
            locations.setdefault(name, resource.location)
    return ProjectSecrets(values, locations)


def shared_secrets(
    environments: Iterable[list[RawEnv]], *, project: ProjectSecrets, lookup: Lookup
) -> SecretValues:
    """The project's secret values: every service's secret variables (references left by
    interpolation resolved through ``lookup``), then the project's secret-looking variables,
    then the passwords inside credential URLs (as ``<VAR>_PASSWORD`` when no variable holds
    them alone).  A value that is secret for one service is secret for all of them."""
    values: dict[str, str] = {}
    public: list[str] = []
    locations: dict[str, Location] = dict(project.locations)
    for raw_env in environments:
        for item in raw_env:
            if item.raw_value is None:
                continue
            if not item.var.secret:
                public.append(item.raw_value)
                continue
            value = _PROTECTED.sub(lambda m: lookup(m.group(1)) or m.group(0), item.raw_value)
            if len(value) <= _MAX_VALUE and item.var.name not in values:
                values[item.var.name] = value
                if item.var.location is not None:
                    locations.setdefault(item.var.name, item.var.location)
    for name, value in project.values.items():
        if len(value) <= _MAX_VALUE:
            values.setdefault(name, value)
    held = set(values.values())
    for name, value in sorted(values.items()):
        password = _url_password(value)
        if password and password not in held:
            derived = name if name.endswith("PASSWORD") else f"{name}_PASSWORD"
            values.setdefault(derived, password)
            held.add(password)
            if name in locations:
                locations.setdefault(derived, locations[name])
    return SecretValues.of(values, public=public, locations=locations)


def _url_password(value: str) -> str | None:
    match = _URL_PASSWORD.match(value.strip())
    return unquote(match.group(1)) if match else None


def protect_service(
    service: ComposeService, secrets: SecretValues, *, notes: Notes
) -> ComposeService:
    """``service`` with every secret value replaced by a reference to its variable; the secret
    variables its commands refer to but it did not declare are added as secret ones (so the
    Secret supplies them)."""
    used: set[str] = set()
    places: list[str] = []
    healthcheck = service.healthcheck
    if healthcheck is not None:
        healthcheck, names = scrub_healthcheck(healthcheck, secrets)
        used.update(names)
        if healthcheck != service.healthcheck:
            places.append("healthcheck")
    entrypoint, command = service.entrypoint, service.command
    split = len(entrypoint or ())
    result = scrub_command((*(entrypoint or ()), *(command or ())), secrets)
    used.update(result.used)
    if entrypoint is not None and result.words[:split] != entrypoint:
        entrypoint = result.words[:split]
        places.append("entrypoint")
    if command is not None and result.words[split:] != command:
        command = result.words[split:]
        places.append("command")
    labels: list[tuple[str, str]] = []
    for key, value in service.labels:
        scrubbed = scrub_command((value,), secrets)
        labels.append((key, scrubbed.words[0]))
        if scrubbed.words[0] != value and "labels" not in places:
            places.append("labels")
    mentioned = set(used)
    env = _protect_env(service.env, secrets, mentioned)
    if env != service.env:
        places.append("environment")
    declared = {var.name for var in env}
    added = tuple(
        EnvVar(name=name, secret=True, location=secrets.locations.get(name, service.location))
        for name in sorted(used - declared)
    )
    if places:
        notes.add(
            "compose.secret-reference",
            f"service {service.name!r}: the {', '.join(places)} used the secret value of "
            f"{', '.join(sorted(mentioned))}; it now refers to the variable, which the Secret "
            "supplies",
            service.location,
            severity=Severity.INFO,
        )
    if added:
        notes.add(
            "compose.secret-added",
            f"service {service.name!r} refers to {', '.join(v.name for v in added)} without "
            "declaring it; added as a secret variable, which the Secret supplies",
            service.location,
            severity=Severity.INFO,
        )
    if not places and not added:
        return service
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
