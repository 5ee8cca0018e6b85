"""Tolerant reading of a model's reply into ``LlmEnhancement``: near-misses are coerced, each
invalid part is dropped with a warning, and the valid rest is kept.

Coerced: enum spelling (``"API"`` -> ``api``, ``"Memory Heavy"`` -> ``memory-heavy``, a few
synonyms), numbers as strings, percentages as confidences, a bare string where a guess object
is expected, a single object where a list is expected, paths without a leading slash.  Free
text is cleaned: control characters, links, HTML and secrets are removed and length capped,
so the reply cannot smuggle a URL or markup into generated files.  Unknown fields (say a
``namespace`` an injected prompt asked for) are ignored with a note.  Must not do I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from dorgu.analysis.enriching import (
    MAX_TEXT,
    ComponentEnhancement,
    DependencyRole,
    LlmEnhancement,
    ProbeGuess,
    ProfileGuess,
    TextGuess,
    TypeGuess,
)
from dorgu.llm.redacting import Redactor
from dorgu.models.evidence import Diagnostic, Severity
from dorgu.models.patterns import LazyPattern

M = TypeVar("M", bound=BaseModel)

_SYNONYMS = {
    "service": "api", "backend": "api", "rest": "api", "grpc": "api", "http-api": "api",
    "website": "web", "frontend": "web", "webapp": "web", "web-app": "web",
    "background-worker": "worker", "consumer": "worker", "job": "cron", "scheduled": "cron",
    "cronjob": "cron", "db": "database", "datastore": "database", "broker": "queue",
    "message-queue": "queue", "message-broker": "queue", "live": "liveness",
    "ready": "readiness", "start": "startup", "memory-intensive": "memory-heavy",
    "cpu-heavy": "compute-heavy", "cpu-intensive": "compute-heavy", "small": "minimal",
    "default": "standard",
}  # fmt: skip
_URL = LazyPattern(r"\b[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+", re.I)
_MARKUP = LazyPattern(r"!\[[^\]]*\]\([^)]*\)|<[^>]{0,200}>")
_CONTROL = LazyPattern(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_TEXT_KEYS = frozenset({"reason", "role"})


class ReplyReader:
    """Reads one reply; ``notes`` collects what was dropped or ignored."""

    def __init__(self, *, redactor: Redactor | None = None) -> None:
        self.redactor = redactor or Redactor()
        self.notes: list[Diagnostic] = []

    def note(self, message: str, severity: Severity = Severity.WARNING) -> None:
        self.notes.append(Diagnostic(severity=severity, code="llm.reply", message=message))

    def clean_text(self, text: str) -> str:
        text = _MARKUP.sub(" ", _CONTROL.sub(" ", text))
        text = _URL.sub("[link removed]", text)
        return self.redactor(" ".join(text.split()))[:MAX_TEXT]

    def clean_multiline(self, text: str, *, limit: int = 4000) -> str:
        """Like ``clean_text`` but keeps line breaks (explanations may hold YAML)."""
        lines = [
            self.redactor(_URL.sub("[link removed]", _MARKUP.sub(" ", line)))
            for line in text.splitlines()
        ]
        return "\n".join(_CONTROL.sub(" ", line).rstrip() for line in lines).strip()[:limit]

    def read(self, raw: object) -> LlmEnhancement:
        data = self._mapping(raw, "the reply", ("summary", "components"))
        summary = self.guess(data.get("summary"), TextGuess, "summary")
        components = []
        for i, item in enumerate(_as_list(data.get("components"))):
            component = self.component(item, f"components[{i}]")
            if component is not None:
                components.append(component)
        return LlmEnhancement(summary=summary, components=components)

    def component(self, raw: object, where: str) -> ComponentEnhancement | None:
        if not isinstance(raw, Mapping):
            self.note(f"LLM reply: dropped {where}: expected an object")
            return None
        data = self._mapping(raw, where, tuple(ComponentEnhancement.model_fields))
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.note(f"LLM reply: dropped {where}: no component name")
            return None
        where = f"component {name.strip()!r}"
        return ComponentEnhancement(
            name=name.strip(),
            type=self.guess(data.get("type"), TypeGuess, f"{where} type"),
            description=self.guess(data.get("description"), TextGuess, f"{where} description"),
            dependencies=self.items(
                data.get("dependencies"), DependencyRole, f"{where} dependency"
            ),
            probes=self.items(data.get("probes"), ProbeGuess, f"{where} probe"),
            resource_profile=self.guess(
                data.get("resource_profile"), ProfileGuess, f"{where} resource_profile"
            ),
            api_summary=self.guess(data.get("api_summary"), TextGuess, f"{where} api_summary"),
            risks=[self.clean_text(r) for r in _as_list(data.get("risks")) if isinstance(r, str)],
        )

    def guess(self, raw: object, model: type[M], where: str) -> M | None:
        if raw is None:
            return None
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            raw = {"value": raw}
        enum = model is not TextGuess
        data = dict(self._mapping(raw, where, tuple(model.model_fields), enum=enum))
        data.setdefault("confidence", 0.5)
        data.setdefault("reason", "")
        return self._validate(model, data, where)

    def items(self, raw: object, model: type[M], where: str) -> list[M]:
        found = []
        for i, item in enumerate(_as_list(raw)):
            data = dict(self._mapping(item, f"{where} {i}", tuple(model.model_fields)))
            data.setdefault("confidence", 0.5)
            for key in ("reason", "role"):
                if key in model.model_fields:
                    data.setdefault(key, "")
            for key in ("type", "port"):
                if key in model.model_fields:
                    data.setdefault(key, None)
            valid = self._validate(model, data, f"{where} {i}")
            if valid is not None:
                found.append(valid)
        return found

    def _mapping(
        self, raw: object, where: str, fields: tuple[str, ...], *, enum: bool = False
    ) -> dict[str, object]:
        if not isinstance(raw, Mapping):
            if raw is not None:
                self.note(f"LLM reply: dropped {where}: expected an object")
            return {}
        data: dict[str, object] = {}
        for key, value in raw.items():
            if key not in fields:
                self.note(
                    f"LLM reply: ignored unknown field {str(key)[:40]!r} in {where}", Severity.INFO
                )
                continue
            data[str(key)] = self._coerce(str(key), value, enum=enum)
        return data

    def _coerce(self, key: str, value: object, *, enum: bool) -> object:
        if key == "confidence":
            return _confidence(value)
        if key == "port":
            return _integer(value)
        if key == "path" and isinstance(value, str):
            path = value.strip()
            return path if path.startswith("/") else "/" + path
        enum_key = key in ("type", "kind") or (key == "value" and enum)
        if enum_key and isinstance(value, str):
            word = re.sub(r"[\s_]+", "-", value.strip().lower())
            return _SYNONYMS.get(word, word)
        if key in _TEXT_KEYS and isinstance(value, str):
            return self.clean_text(value)
        return value

    def _validate(self, model: type[M], data: Mapping[str, object], where: str) -> M | None:
        if isinstance(data.get("value"), str) and model is TextGuess:
            data = {**data, "value": self.clean_text(str(data["value"]))}
        try:
            return model.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(part) for part in first["loc"]) or "value"
            self.note(f"LLM reply: dropped {where}: {loc}: {first['msg']}")
            return None


def _as_list(raw: object) -> list[object]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def _number(value: object, convert: Callable[[str], float]) -> object:
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            number = convert(text)
        except ValueError:
            return value
        return number / 100 if value.strip().endswith("%") else number
    return value


def _confidence(value: object) -> object:
    number = _number(value, float)
    if isinstance(number, int | float) and not isinstance(number, bool):
        number = number / 100 if 1 < number <= 100 else number
        return min(max(float(number), 0.0), 1.0)
    return number


def _integer(value: object) -> object:
    number = _number(value, float)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def read_enhancement(
    raw: object, *, redactor: Redactor | None = None
) -> tuple[LlmEnhancement, list[Diagnostic]]:
    """The valid part of ``raw`` as ``LlmEnhancement`` plus notes on what was dropped."""
    reader = ReplyReader(redactor=redactor)
    return reader.read(raw), reader.notes
