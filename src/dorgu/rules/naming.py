"""Naming rules: names, label keys and label values have the syntax the API server demands.

The syntax is Kubernetes' own (``k8s.io/apimachinery/pkg/util/validation``): object names are
DNS-1123 subdomains, except Services (RFC 1035 labels) and Namespaces (DNS-1123 labels);
namespaces and container names are DNS-1123 labels; container port names are IANA service
names; Service port names are DNS-1123 labels; label keys are an optional DNS subdomain prefix
and a name, label values at most 63 characters of the same alphabet.  A violation means the
API server rejects the object, so every finding is an error.

The engine judges a workload and the objects linked to it (HPAs, PDBs, Services, its
ServiceAccount), so those are the objects whose names are checked here.

Must not do I/O or look at anything but the target it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dorgu.models.evidence import Severity
from dorgu.models.patterns import LazyPattern
from dorgu.rules.objects import Manifest, as_list, as_map, identity
from dorgu.rules.paths import FieldPath
from dorgu.rules.targets import Target, target_objects
from dorgu.rules.violations import Category, Rule, Violation

_LABEL = LazyPattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = LazyPattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1035 = LazyPattern(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_SVC_NAME = LazyPattern(r"[a-z0-9]+(-[a-z0-9]+)*")
_QUALIFIED = LazyPattern(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

LABEL_NAME_KINDS = {"Service": "an RFC 1035 label", "Namespace": "a DNS-1123 label"}
"""Kinds whose names are labels (a Service name becomes a DNS label of its own)."""


def dns1123_label(value: str) -> str | None:
    """Why ``value`` is no DNS-1123 label (``my-app``), or None when it is one."""
    if len(value) > 63:
        return "longer than 63 characters"
    if not _LABEL.fullmatch(value):
        return "not lowercase alphanumerics and '-', starting and ending alphanumeric"
    return None


def dns1123_subdomain(value: str) -> str | None:
    """Why ``value`` is no DNS-1123 subdomain (``my-app.v2``), or None."""
    if len(value) > 253:
        return "longer than 253 characters"
    if not _SUBDOMAIN.fullmatch(value):
        return "not dot-separated lowercase alphanumerics and '-', starting and ending alphanumeric"
    return None


def dns1035_label(value: str) -> str | None:
    """Why ``value`` is no RFC 1035 label (a DNS-1123 label starting with a letter), or None."""
    if len(value) > 63:
        return "longer than 63 characters"
    if not _DNS1035.fullmatch(value):
        return "not lowercase alphanumerics and '-', starting with a letter, ending alphanumeric"
    return None


def iana_service_name(value: str) -> str | None:
    """Why ``value`` is no IANA service name (a container port name), or None."""
    if len(value) > 15:
        return "longer than 15 characters"
    if not _SVC_NAME.fullmatch(value):
        return "not lowercase alphanumerics and single '-' between them"
    if not re.search(r"[a-z]", value):
        return "without a letter"
    return None


def label_key(key: str) -> str | None:
    """Why ``key`` is no valid label key (``[prefix/]name``), or None."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or dns1123_subdomain(prefix)):
        return "its prefix is not a DNS-1123 subdomain"
    if len(name) > 63:
        return "its name is longer than 63 characters"
    if not _QUALIFIED.fullmatch(name):
        return "its name is not alphanumerics, '-', '_' and '.', starting and ending alphanumeric"
    return None


def label_value(value: object) -> str | None:
    """Why ``value`` is no valid label value, or None (empty is valid)."""
    if not isinstance(value, str):
        return f"a {type(value).__name__}, not a string (quote it)"
    if len(value) > 63:
        return "longer than 63 characters"
    if value and not _QUALIFIED.fullmatch(value):
        return "not alphanumerics, '-', '_' and '.', starting and ending alphanumeric"
    return None


def _subject(obj: Manifest, target: Target) -> Manifest | None:
    return None if obj is target.workload.manifest else obj


def _object_names(obj: Manifest, target: Target | None) -> Iterator[Violation]:
    subject = _subject(obj, target) if target is not None else None
    kind, _, _ = identity(obj)
    metadata = as_map(obj.get("metadata"))
    name, namespace = metadata.get("name"), metadata.get("namespace")
    if isinstance(name, str):
        if kind == "Service":
            why, shape = dns1035_label(name), LABEL_NAME_KINDS[kind]
        elif kind == "Namespace":
            why, shape = dns1123_label(name), LABEL_NAME_KINDS[kind]
        else:
            why, shape = dns1123_subdomain(name), "a DNS-1123 subdomain"
        if why:
            yield Violation(
                ("metadata", "name"),
                f"{kind} name {name!r} is not {shape}: {why}",
                "use lowercase letters, digits and '-' (e.g. 'my-app')",
                subject=subject,
            )
    if isinstance(namespace, str) and (why := dns1123_label(namespace)):
        yield Violation(
            ("metadata", "namespace"),
            f"namespace {namespace!r} is not a DNS-1123 label: {why}",
            "use lowercase letters, digits and '-', at most 63 characters",
            subject=subject,
        )


def _container_names(target: Target) -> Iterator[Violation]:
    for container in target.workload.containers:
        name = container.data.get("name")
        if isinstance(name, str) and (why := dns1123_label(name)):
            yield Violation(
                container.at("name"),
                f"container name {name!r} is not a DNS-1123 label: {why}",
                "use lowercase letters, digits and '-', at most 63 characters",
                container=container.name,
            )
        for index, port in enumerate(as_list(container.data.get("ports"))):
            port_name = as_map(port).get("name")
            if isinstance(port_name, str) and (why := iana_service_name(port_name)):
                yield Violation(
                    container.at("ports", index, "name"),
                    f"port name {port_name!r} is not an IANA service name: {why}",
                    "use at most 15 lowercase letters, digits and '-', e.g. 'http' or 'grpc-api'",
                    container=container.name,
                )


def _service_port_names(target: Target) -> Iterator[Violation]:
    for service in target.services:
        for index, port in enumerate(as_list(as_map(service.get("spec")).get("ports"))):
            port_name = as_map(port).get("name")
            if isinstance(port_name, str) and (why := dns1123_label(port_name)):
                yield Violation(
                    ("spec", "ports", index, "name"),
                    f"Service port name {port_name!r} is not a DNS-1123 label: {why}",
                    "use lowercase letters, digits and '-'",
                    subject=service,
                )


def check_names(target: Target) -> Iterator[Violation]:
    for obj in target_objects(target):
        yield from _object_names(obj, target)
    yield from _container_names(target)
    yield from _service_port_names(target)


def _labels(
    labels: Mapping[str, object], path: FieldPath, subject: Manifest | None
) -> Iterator[Violation]:
    for key, value in labels.items():
        if why := label_key(key):
            yield Violation(
                (*path, key),
                f"label key {key!r} is invalid: {why}",
                "use [prefix/]name with a DNS subdomain prefix and a name of at most 63 "
                "alphanumerics, '-', '_' or '.'",
                subject=subject,
            )
        if why := label_value(value):
            yield Violation(
                (*path, key),
                f"label {key!r} has an invalid value {value!r}: {why}",
                "use at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric",
                subject=subject,
            )


def check_labels(target: Target) -> Iterator[Violation]:
    for obj in target_objects(target):
        labels = as_map(as_map(obj.get("metadata")).get("labels"))
        yield from _labels(labels, ("metadata", "labels"), _subject(obj, target))
    workload = target.workload
    if workload.kind != "Pod":
        path = (*workload.pod_path[:-1], "metadata", "labels")
        yield from _labels(workload.template_labels, path, None)


def check_object_names(obj: Manifest) -> Iterator[Violation]:
    """Names of an object no workload links to (ConfigMap, Ingress, Secret ...)."""
    yield from _object_names(obj, None)


def check_object_labels(obj: Manifest) -> Iterator[Violation]:
    yield from _labels(
        as_map(as_map(obj.get("metadata")).get("labels")), ("metadata", "labels"), None
    )


RULES = (
    Rule("naming.dns-names", Category.NAMING, Severity.ERROR,
         "Names are valid DNS names",
         "The API server rejects an object whose name, namespace, container name or port "
         "name breaks Kubernetes' naming syntax.",
         "Use lowercase letters, digits and '-' (port names: at most 15 characters).",
         check_names),
    Rule("naming.labels", Category.NAMING, Severity.ERROR,
         "Label keys and values are valid",
         "The API server rejects an object with an invalid label key or value, and a "
         "selector can never match it.",
         "Use [prefix/]name keys and values of at most 63 alphanumerics, '-', '_' or '.'.",
         check_labels),
)  # fmt: skip
