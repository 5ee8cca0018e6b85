"""``${name:default}`` placeholders (Spring, Micronaut, Quarkus; HOCON ``${?NAME}``).

``expand`` replaces every placeholder of a value: a name is looked up as a property (relaxed
binding: the environment variable ``SERVER_PORT`` wins over the property ``server.port``, as in
Spring Boot), then the placeholder's own default.  Nesting, cycles (``a=${b}``, ``b=${a}``) and
sheer size are bounded: a cycle or a too-deep chain is reported, never followed.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_DEPTH = 16
MAX_STEPS = 256
MAX_VALUE = 4096

Lookup = Callable[[str], tuple[str, str] | None]  # name -> (raw value, who supplied it)


@dataclass
class Expansion:
    """The state of one expansion: who supplied values, and what went wrong."""

    lookup: Lookup
    supplied: list[str] = field(default_factory=list)  # names that supplied a value, in order
    problems: list[str] = field(default_factory=list)
    steps: int = 0
    defaulted: bool = False  # a placeholder's own default was used


def relaxed_env_name(name: str) -> str:
    """``server.port`` -> ``SERVER_PORT``; ``quarkus.http.port`` -> ``QUARKUS_HTTP_PORT``."""
    cleaned = re.sub(r"[^A-Za-z0-9.]", "", name.replace("-", ""))
    return cleaned.replace(".", "_").upper()


def _closing(text: str, start: int) -> int:
    depth = 1
    for i in range(start, len(text)):
        if text.startswith("${", i):
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_default(body: str) -> tuple[str, str | None]:
    depth = 0
    for i, char in enumerate(body):
        if body.startswith("${", i):
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ":" and depth == 0:
            return body[:i], body[i + 1 :]
    return body, None


def expand(text: str, state: Expansion, chain: tuple[str, ...] = (), depth: int = 0) -> str | None:
    """``text`` with placeholders replaced; None when a placeholder has no value (unset, no
    default), takes part in a cycle, or the expansion runs out of bounds."""
    if len(text) > MAX_VALUE:
        state.problems.append(f"value longer than {MAX_VALUE} characters")
        return None
    out: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("${", i)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        end = _closing(text, start + 2)
        if end < 0:
            state.problems.append(f"unclosed placeholder in {text[:80]!r}")
            return None
        value = _one(text[start + 2 : end], state, chain, depth + 1)
        if value is None:
            return None
        out.append(value)
        i = end + 1
    return "".join(out)


def _one(body: str, state: Expansion, chain: tuple[str, ...], depth: int) -> str | None:
    state.steps += 1
    if state.steps > MAX_STEPS or depth > MAX_DEPTH:
        state.problems.append(f"placeholders nested deeper than {MAX_DEPTH} levels")
        return None
    name, default = _split_default(body)
    name = name.strip().lstrip("?")  # HOCON ${?NAME}: optional substitution
    if name in chain:
        cycle = " -> ".join((*chain[chain.index(name) :], name))
        state.problems.append(f"cyclic reference {cycle}")
        return None
    found = state.lookup(name)
    if found is not None:
        raw, who = found
        state.supplied.append(who)
        return expand(raw, state, (*chain, name), depth)
    if default is not None:
        state.defaulted = True
        return expand(default, state, chain, depth)
    return None
