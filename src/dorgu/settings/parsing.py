"""Config text -> validated model, with errors that name file:line, key and a likely fix.

Must not open files or read the environment: callers pass the text and a display name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dorgu.errors import ConfigError, InputError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.settings.keys import format_key, model_at, suggest

M = TypeVar("M", bound=BaseModel)

MAX_CONFIG_NODES = 20_000
MAX_CONFIG_DEPTH = 32
MAX_CONFIG_BYTES = 1024 * 1024

Locator = Callable[[tuple[str | int, ...]], str]


@dataclass(frozen=True)
class ParsedConfig(Generic[M]):
    """A validated config file plus the line of every key it holds."""

    config: M
    document: YamlDocument

    @property
    def file(self) -> str:
        return self.document.file

    def line_of(self, path: Sequence[str | int]) -> int | None:
        return self.document.line_of(tuple(path))


def load_config_document(text: str, *, file: str) -> YamlDocument:
    """Parse YAML with tight limits; every YAML problem becomes a ``ConfigError``."""
    try:
        document = load_yaml(
            text,
            file=file,
            max_nodes=MAX_CONFIG_NODES,
            max_depth=MAX_CONFIG_DEPTH,
            max_bytes=MAX_CONFIG_BYTES,
        )
    except InputError as e:
        raise ConfigError(e.message, hint=e.hint) from e
    if document.data is None:
        document.data = {}
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__
        raise ConfigError(f"{file}:1: expected a mapping of settings, found a {kind}")
    return document


def parse_config(text: str, model: type[M], *, file: str) -> ParsedConfig[M]:
    """Parse and validate one config file (empty text gives the empty model)."""
    document = load_config_document(text, file=file)
    return ParsedConfig(config=validate_document(document, model), document=document)


def validate_document(document: YamlDocument, model: type[M]) -> M:
    def locate(path: tuple[str | int, ...]) -> str:
        line = document.line_of(path)
        return f"{document.file}:{line}" if line is not None else document.file

    return validate_mapping(document.data, model, locate=locate)


def validate_mapping(data: object, model: type[M], *, locate: Locator) -> M:
    """Validate plain data; ``locate`` turns an error's key path into ``file:line`` (or a name)."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise config_error(e, model, locate=locate) from e


def config_error(error: ValidationError, model: type[BaseModel], *, locate: Locator) -> ConfigError:
    """One ``ConfigError`` for the first problem, counting the rest."""
    details = error.errors(include_url=False)
    message, hint = describe_error(details[0], model, locate=locate)
    if len(details) > 1:
        extra = len(details) - 1
        message += f" [and {extra} more problem{'s' if extra > 1 else ''}]"
    return ConfigError(message, hint=hint)


def describe_error(
    detail: ErrorDetails, model: type[BaseModel], *, locate: Locator
) -> tuple[str, str | None]:
    loc = _clean_loc(detail["loc"])
    where = locate(loc)
    key = format_key(loc)
    if detail["type"] == "extra_forbidden":
        parent = model_at(model, loc[:-1])
        valid = list(parent.model_fields) if parent is not None else []
        guess = suggest(str(loc[-1]), valid) if loc else None
        hint: str | None = None
        if guess:
            hint = f"did you mean {guess!r}?"
        else:
            hint = f"valid keys here: {', '.join(valid)}" if valid else None
        return f"{where}: unknown key {key!r}", hint
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    shown = None if "api_keys" in loc else _short_repr(detail.get("input"))
    if shown is not None and detail["type"] not in ("value_error", "missing"):
        message += f" (got {shown})"
    return (f"{where}: {key}: {message}" if key else f"{where}: {message}"), None


def _clean_loc(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    # pydantic marks dict-key errors with a trailing "[key]"; validator names are not keys.
    return tuple(part for part in loc if part not in ("[key]", "function-after", "function-before"))


def _short_repr(value: object) -> str | None:
    if isinstance(value, Mapping | list) or value is None:
        return None
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
