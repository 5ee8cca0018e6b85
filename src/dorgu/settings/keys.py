"""Dotted setting keys: parsing, formatting, and resolving them against a config model.

Syntax: segments separated by ``.``; a segment that contains ``.`` (or anything outside
``[A-Za-z0-9_-/]``) is written in brackets or double quotes: ``labels[prometheus.io/scrape]``
or ``labels."prometheus.io/scrape"``.  ``format_key`` always writes the bracket form.

Must not read files or the environment, or know about layers.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from dorgu.errors import UsageError
from dorgu.models.patterns import LazyPattern

KeyPath = tuple[str, ...]

_BARE = LazyPattern(r"[A-Za-z0-9_/-]+")
_BARE_FULL = LazyPattern(r"^[A-Za-z0-9_/-]+$")


def parse_key(text: str) -> KeyPath:
    """``labels[prometheus.io/scrape]`` -> ``("labels", "prometheus.io/scrape")``."""
    segments: list[str] = []
    i, n = 0, len(text)
    if not text:
        raise UsageError("empty setting key", hint="use dotted keys like scaling.max_replicas")
    while i < n:
        char = text[i]
        if char == "[":
            end = text.find("]", i + 1)
            if end <= i + 1:
                raise UsageError(
                    f"bad key {text!r}: '[' needs a non-empty segment and a closing ']'"
                )
            segments.append(text[i + 1 : end])
            i = end + 1
        elif char in "\"'":
            end = text.find(char, i + 1)
            if end <= i + 1:
                raise UsageError(f"bad key {text!r}: quoted segment needs a closing {char}")
            segments.append(text[i + 1 : end])
            i = end + 1
        else:
            match = _BARE.match(text, i)
            if match is None:
                raise UsageError(
                    f"bad key {text!r} at position {i + 1}",
                    hint="quote segments holding dots or spaces: labels[prometheus.io/scrape]",
                )
            segments.append(match.group())
            i = match.end()
        if i < n:
            if text[i] == ".":
                i += 1
                if i == n:
                    raise UsageError(f"bad key {text!r}: ends with '.'")
            elif text[i] != "[":
                raise UsageError(f"bad key {text!r}: expected '.' or '[' at position {i + 1}")
    return tuple(segments)


def format_key(path: Sequence[str | int]) -> str:
    """The canonical text of a key path (bracket form for segments that need it)."""
    out = ""
    for segment in path:
        text = str(segment)
        if isinstance(segment, int) or not _BARE_FULL.match(text) or "/" in text:
            out += f"[{text}]"
        else:
            out += f".{text}" if out else text
    return out


# -- resolving against models ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldShape:
    """What a key path points at: a section (model), a map, a list, or a scalar leaf."""

    kind: Literal["model", "map", "list", "scalar"]
    annotation: object
    model: type[BaseModel] | None = None


def unwrap(annotation: object) -> object:
    """Strip ``Annotated`` and ``Optional`` so the real type shows."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def shape_of(annotation: object) -> FieldShape:
    bare = unwrap(annotation)
    origin = get_origin(bare)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return FieldShape("model", bare, bare)
    if origin is dict:
        return FieldShape("map", bare)
    if origin is list:
        return FieldShape("list", bare)
    return FieldShape("scalar", bare)


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest of ``choices`` to ``word``, if any is close enough."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def model_at(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The section model at ``path`` (list indices skipped), or None if it is not a section."""
    current: FieldShape = FieldShape("model", model, model)
    for segment in path:
        if current.kind == "model" and current.model is not None:
            field = current.model.model_fields.get(str(segment))
            if field is None:
                return None
            current = shape_of(field.annotation)
        elif current.kind == "list":
            current = shape_of(get_args(current.annotation)[0])
        elif current.kind == "map":
            current = shape_of(get_args(current.annotation)[1])
        else:
            return None
    return current.model if current.kind == "model" else None


def resolve_key(model: type[BaseModel], path: KeyPath, *, what: str = "setting") -> FieldShape:
    """The shape at ``path``; a ``UsageError`` with a did-you-mean for unknown keys.

    Map entries (``labels[x]``) are scalars; list items cannot be addressed (set the whole list).
    """
    current: FieldShape = FieldShape("model", model, model)
    for depth, segment in enumerate(path):
        if current.kind == "model" and current.model is not None:
            fields = current.model.model_fields
            if segment not in fields:
                guess = suggest(segment, list(fields))
                parent = format_key(path[:depth])
                valid = ", ".join(fields)
                raise UsageError(
                    f"unknown {what} key {format_key(path)!r}",
                    hint=f"did you mean {format_key((*path[:depth], guess))!r}?"
                    if guess
                    else f"keys under {parent or 'the top level'}: {valid}",
                )
            current = shape_of(fields[segment].annotation)
        elif current.kind == "map":
            current = shape_of(get_args(current.annotation)[1])
        elif current.kind == "list":
            raise UsageError(
                f"cannot address an item of the list {format_key(path[:depth])!r}",
                hint="set the whole list, e.g. '[{name: db, type: database}]'",
            )
        else:
            raise UsageError(
                f"{format_key(path[:depth])!r} is a single value and has no key {segment!r}"
            )
    return current


def leaf_keys(model: type[BaseModel], prefix: KeyPath = ()) -> list[KeyPath]:
    """Every scalar leaf under ``model`` (maps and lists are not descended), in field order."""
    keys: list[KeyPath] = []
    for name, field in model.model_fields.items():
        shape = shape_of(field.annotation)
        if shape.kind == "model" and shape.model is not None:
            keys.extend(leaf_keys(shape.model, (*prefix, name)))
        elif shape.kind == "scalar":
            keys.append((*prefix, name))
    return keys


def all_keys(model: type[BaseModel], prefix: KeyPath = ()) -> list[tuple[KeyPath, FieldShape]]:
    """Every key under ``model``: sections, maps, lists and scalars, depth-first in field order."""
    keys: list[tuple[KeyPath, FieldShape]] = []
    for name, field in model.model_fields.items():
        shape = shape_of(field.annotation)
        keys.append(((*prefix, name), shape))
        if shape.kind == "model" and shape.model is not None:
            keys.extend(all_keys(shape.model, (*prefix, name)))
    return keys
