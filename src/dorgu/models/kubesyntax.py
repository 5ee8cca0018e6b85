"""Kubernetes syntax as pydantic types: quantities, label/annotation keys and values, env
names, cron schedules, hosts and paths.  Shared by configuration, personas and CRD models.
Must not do I/O.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from dorgu.models.patterns import LazyPattern

_QUANTITY = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$"
_QUANTITY_RE = LazyPattern(_QUANTITY)
_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}  # fmt: skip
_NAME_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_QUALIFIED_KEY = rf"^({_DNS_SUBDOMAIN}/)?{_NAME_PART}$"
_QUALIFIED_KEY_RE = LazyPattern(_QUALIFIED_KEY)
_LABEL_VALUE = rf"^({_NAME_PART})?$"
_LABEL_VALUE_RE = LazyPattern(_LABEL_VALUE)
_ENV_NAME = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"
_ENV_NAME_RE = LazyPattern(_ENV_NAME)
_HOST = r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def quantity_value(text: str) -> Decimal:
    """The numeric value of a Kubernetes quantity (``250m`` -> 0.25, ``1Gi`` -> 1073741824)."""
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (examples: 250m, 1, 512Mi, 2Gi)")
    number, suffix = match.group(1), match.group(3) or ""
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number + suffix)
        return Decimal(number) * _SUFFIX[suffix]
    except InvalidOperation as e:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from e


def _number_to_text(value: object) -> object:
    if isinstance(value, bool):
        return value  # let the str validator reject it
    if isinstance(value, int | float):
        return str(value)
    return value


def _check_quantity(text: str) -> str:
    quantity_value(text)
    return text


def _scalar_to_text(value: object) -> object:
    """YAML turns ``true``/``8080`` into bool/int; label and annotation values are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _check_qualified_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if not _QUALIFIED_KEY_RE.match(key) or len(name) > 63 or len(prefix) > 253:
        raise ValueError(
            f"{key!r} is not a valid Kubernetes label/annotation key "
            "(optional DNS prefix and '/', then at most 63 of [A-Za-z0-9-_.], "
            "alphanumeric at both ends)"
        )
    return key


def _check_label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid label value (at most 63 of [A-Za-z0-9-_.], "
            "alphanumeric at both ends)"
        )
    return value


def _check_env_name(name: str) -> str:
    if not _ENV_NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a valid environment variable name")
    return name


def _check_schedule(text: str) -> str:
    fields = text.split()
    if not (len(fields) == 5 or (len(fields) == 1 and fields[0] in _CRON_MACROS)):
        raise ValueError(
            f"{text!r} is not a cron schedule (five fields, e.g. '*/5 * * * *', or @daily)"
        )
    return text


Quantity = Annotated[
    str,
    BeforeValidator(_number_to_text),
    AfterValidator(_check_quantity),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": _QUANTITY}, {"type": "number", "minimum": 0}]}
    ),
]
QualifiedKey = Annotated[
    str,
    AfterValidator(_check_qualified_key),
    WithJsonSchema({"type": "string", "pattern": _QUALIFIED_KEY}),
]
LabelValue = Annotated[
    str,
    BeforeValidator(_scalar_to_text),
    AfterValidator(_check_label_value),
    WithJsonSchema({"type": "string", "pattern": _LABEL_VALUE, "maxLength": 63}),
]
AnnotationValue = Annotated[
    str, BeforeValidator(_scalar_to_text), WithJsonSchema({"type": "string"})
]
EnvName = Annotated[
    str, AfterValidator(_check_env_name), WithJsonSchema({"type": "string", "pattern": _ENV_NAME})
]
EnvValue = Annotated[str, BeforeValidator(_scalar_to_text), WithJsonSchema({"type": "string"})]
Schedule = Annotated[str, AfterValidator(_check_schedule)]
Host = Annotated[str, Field(pattern=_HOST, max_length=253)]
HttpPath = Annotated[str, Field(pattern=r"^/", max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=253)]
