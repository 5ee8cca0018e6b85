"""What one container of a pod template states: ports, env, probes, resources, command.

ConfigMaps of the same description supply the values of ``configMapKeyRef`` and ``envFrom``;
Secrets only their key names.  Literal values of secret-looking variables are dropped (the name
stays, ``secret: true``); quantities that are not Kubernetes quantities are dropped too.

Must not: keep a secret value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dorgu.analysis.descriptors.objects import KubeObject
from dorgu.analysis.descriptors.records import Described, ProbePath
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import EnvVar, HealthCheck, Port, Protocol, ResourceHints
from dorgu.models.evidence import Location
from dorgu.models.kubesyntax import quantity_value

_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
MAX_ITEMS = 50  # ports, envFrom sources per container
_PROBES = (
    ("livenessProbe", "liveness"),
    ("readinessProbe", "readiness"),
    ("startupProbe", "startup"),
)


@dataclass(frozen=True)
class Values:
    """ConfigMap data (values) and Secret keys (names only), by object name."""

    configmaps: Mapping[str, Mapping[str, tuple[str, Location]]]
    secrets: Mapping[str, tuple[str, ...]]


def describe_container(
    obj: KubeObject,
    container: Mapping[str, Any],
    at: tuple[str | int, ...],
    *,
    values: Values,
    labels: tuple[tuple[str, str], ...],
    replicas: int | None,
) -> Described:
    locations: dict[str, Location] = {}
    ports = _ports(obj, container, at, locations)
    env = _env(obj, container, at, values, locations)
    literals = _secret_literals(container)
    probes, check = _probes(obj, container, at, ports, locations, literals)
    resources = _resources(container.get("resources"))
    if resources is not None:
        locations["resources"] = obj.at(*at, "resources")
    if replicas is not None:
        locations["replicas"] = obj.at("spec", "replicas")
    command = _redacted(_words(container.get("command")), literals)
    args = _redacted(_words(container.get("args")), literals)
    for key, words in (("command", command), ("args", args)):
        if words is not None:
            locations[key] = obj.at(*at, key)
    image = container.get("image")
    name = container.get("name")
    return Described(
        source=obj.source,
        workload=obj.kind,
        name=obj.name,
        container=str(name) if isinstance(name, str) else None,
        image=image if isinstance(image, str) else None,
        labels=labels,
        ports=ports,
        env=env,
        probes=probes,
        exec_check=check,
        resources=resources,
        replicas=replicas,
        command=command,
        args=args,
        run_once=obj.kind == "Job",
        location=obj.at(*at),
        locations=locations,
    )


def _secret_literals(container: Mapping[str, Any]) -> dict[str, str]:
    """Literal values of the container's secret-looking variables -> the variable's name."""
    found: dict[str, str] = {}
    raw = container.get("env")
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict):
            continue
        name, value = item.get("name"), item.get("value")
        secret = isinstance(name, str) and isinstance(value, str) and looks_secret(name, value)
        if secret and isinstance(name, str) and isinstance(value, str) and len(value) >= 4:
            found[value] = name
    return found


def _redacted(words: tuple[str, ...] | None, literals: Mapping[str, str]) -> tuple[str, ...] | None:
    """``words`` with every secret literal replaced by a reference to its variable, so the
    value is never kept: ``${VAR}`` in a shell form (``sh -c``: the shell expands it from the
    container's env), ``$(VAR)`` otherwise (Kubernetes' own expansion)."""
    if words is None or not literals:
        return words
    shell = bool(words) and words[0].rsplit("/", 1)[-1] in _SHELLS and "-c" in words
    out = []
    for word in words:
        for value in sorted(literals, key=len, reverse=True):
            name = literals[value]
            word = word.replace(value, f"${{{name}}}" if shell else f"$({name})")
        out.append(word)
    return tuple(out)


def _words(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(str(v) for v in value if isinstance(v, str | int | float))


def _number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value
    if isinstance(value, str) and value.isdecimal() and 1 <= int(value) <= 65535:
        return int(value)
    return None


def _ports(
    obj: KubeObject,
    container: Mapping[str, Any],
    at: tuple[str | int, ...],
    locations: dict[str, Location],
) -> tuple[Port, ...]:
    found: list[Port] = []
    raw = container.get("ports")
    if not isinstance(raw, list):
        return ()
    for index, item in enumerate(raw[:MAX_ITEMS]):
        if not isinstance(item, dict):
            continue
        number = _number(item.get("containerPort"))
        if number is None:
            continue
        protocol = item.get("protocol")
        name = item.get("name")
        where = obj.at(*at, "ports", index)
        locations.setdefault("ports", where)
        found.append(
            Port(
                number=number,
                protocol=Protocol(protocol) if protocol in ("TCP", "UDP", "SCTP") else Protocol.TCP,
                name=name if isinstance(name, str) else None,
                location=where,
            )
        )
    return tuple(found)


def _env(
    obj: KubeObject,
    container: Mapping[str, Any],
    at: tuple[str | int, ...],
    values: Values,
    locations: dict[str, Location],
) -> tuple[EnvVar, ...]:
    found: dict[str, EnvVar] = {}
    sources = container.get("envFrom")
    if isinstance(sources, list):
        for index, source in enumerate(sources[:MAX_ITEMS]):
            if not isinstance(source, dict):
                continue
            where = obj.at(*at, "envFrom", index)
            prefix = str(source.get("prefix") or "")
            ref = source.get("configMapRef")
            if isinstance(ref, dict) and str(ref.get("name")) in values.configmaps:
                for key, (value, place) in values.configmaps[str(ref.get("name"))].items():
                    found[prefix + key] = _plain(prefix + key, value, place)
            ref = source.get("secretRef")
            if isinstance(ref, dict):
                for key in values.secrets.get(str(ref.get("name")), ()):
                    found[prefix + key] = EnvVar(name=prefix + key, secret=True, location=where)
    raw = container.get("env")
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            name, where = item["name"], obj.at(*at, "env", index)
            found[name] = _env_var(name, item, where, values)
    if found:
        locations["env"] = next(iter(found.values())).location or obj.at(*at)
    return tuple(found.values())


def _plain(name: str, value: str, where: Location) -> EnvVar:
    if looks_secret(name, value):
        return EnvVar(name=name, secret=True, location=where)
    return EnvVar(name=name, value=value, location=where)


def _env_var(name: str, item: Mapping[str, Any], where: Location, values: Values) -> EnvVar:
    value = item.get("value")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return _plain(name, str(value), where)
    source = item.get("valueFrom")
    if isinstance(source, dict):
        if "secretKeyRef" in source:
            return EnvVar(name=name, secret=True, location=where)
        ref = source.get("configMapKeyRef")
        if isinstance(ref, dict):
            data = values.configmaps.get(str(ref.get("name")), {})
            entry = data.get(str(ref.get("key")))
            if entry is not None:
                return _plain(name, entry[0], where)
    return EnvVar(name=name, location=where)  # set at run time (fieldRef, unknown ConfigMap)


def _probes(
    obj: KubeObject,
    container: Mapping[str, Any],
    at: tuple[str | int, ...],
    ports: tuple[Port, ...],
    locations: dict[str, Location],
    literals: Mapping[str, str],
) -> tuple[tuple[ProbePath, ...], HealthCheck | None]:
    found: list[ProbePath] = []
    check: HealthCheck | None = None
    named = {p.name: p.number for p in ports if p.name}
    for key, kind in _PROBES:
        probe = container.get(key)
        if not isinstance(probe, dict):
            continue
        where = obj.at(*at, key)
        locations.setdefault("probes", where)
        http = probe.get("httpGet")
        if isinstance(http, dict) and isinstance(http.get("path"), str):
            raw_port = http.get("port")
            port = named.get(raw_port) if isinstance(raw_port, str) else None
            found.append(
                ProbePath(kind, str(http["path"]), port or _number(raw_port), location=where)
            )
        exec_ = probe.get("exec")
        command = exec_.get("command") if isinstance(exec_, dict) else None
        if check is None and isinstance(command, list) and command:
            check = HealthCheck(
                test=_redacted(tuple(str(word) for word in command), literals) or (),
                interval_seconds=_seconds(probe.get("periodSeconds")),
                timeout_seconds=_seconds(probe.get("timeoutSeconds")),
                start_period_seconds=_seconds(probe.get("initialDelaySeconds")),
                retries=_count(probe.get("failureThreshold")),
                location=where,
            )
    return tuple(found), check


def _seconds(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 86_400:
        return float(value)
    return None


def _count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return value
    return None


def _resources(value: object) -> ResourceHints | None:
    if not isinstance(value, dict):
        return None

    def pick(section: str, key: str) -> str | None:
        part = value.get(section)
        item = part.get(key) if isinstance(part, dict) else None
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            return None
        try:
            quantity_value(str(item))
        except ValueError:
            return None  # not a quantity: generation would write an invalid manifest
        return str(item)

    hints = ResourceHints(
        cpu_request=pick("requests", "cpu"),
        memory_request=pick("requests", "memory"),
        cpu_limit=pick("limits", "cpu"),
        memory_limit=pick("limits", "memory"),
    )
    return hints if hints != ResourceHints() else None
