"""Replacing secret values in commands and health checks by references to their variables.

A compose file often repeats a password that its environment already holds: on the command line
of the database's own client in a healthcheck (``redis-cli -a s3cret ping``), in ``command``
(``--requirepass s3cret``), or through interpolation of a secret-looking variable, which the
compose reader keeps as ``${NAME}``.  Copied as is, the value ends up in the Deployment (and a
``${NAME}`` reference is not expanded by Kubernetes in exec form, so the probe breaks).

Every occurrence of a protected value becomes a reference to the variable holding it, which the
container gets from its Secret:

- in container ``command``/``args`` (exec form): ``$(NAME)``, which the kubelet expands from the
  container's environment; ``${NAME}``/``$NAME`` references of secret variables become
  ``$(NAME)`` too;
- in a shell script (a health check's ``CMD-SHELL``, or ``sh -c SCRIPT`` in a command):
  ``"${NAME}"``, quoted for where it stands (inside single quotes the quote is closed first);
- an exec-form health check that needs a reference becomes a shell one: the kubelet expands
  nothing in a probe's ``exec`` command.

Values too short or too plain to be told from ordinary words (``true``, ``1234``) are not
protected: replacing them would rewrite unrelated text.

Must not: return, log or put into a diagnostic any secret value (only variable names).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import HealthCheck
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

MIN_LENGTH = 4
MAX_VALUES = 256  # per component: bounds the work on hostile inputs
_PLAIN = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off", "default"})
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_SHELL_FORM = ("/bin/sh", "-c")
_REFERENCE = LazyPattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def protectable(value: str) -> bool:
    """True for a value distinctive enough to be found and replaced in other text."""
    text = value.strip()
    if len(text) < MIN_LENGTH or text.lower() in _PLAIN:
        return False
    return not (text.isdigit() and len(text) < 6)


@dataclass(frozen=True)
class SecretValues:
    """The protected values of a project, by variable name (longest value first), and every
    name whose references must stay references."""

    values: tuple[tuple[str, str], ...] = ()
    names: frozenset[str] = frozenset()
    pattern: Pattern | None = None  # any value, longest first
    locations: Mapping[str, Location] = field(default_factory=dict)  # where each is defined
    owners: Mapping[str, str] = field(default_factory=dict)  # value -> first variable given

    @classmethod
    def of(
        cls,
        values: Mapping[str, str],
        *,
        public: Iterable[str] = (),
        locations: Mapping[str, Location] | None = None,
    ) -> SecretValues:
        """``values``: secret variable -> value (when several hold one value, references go to
        the first); ``public``: values stated in the clear
        elsewhere (a non-secret variable), which are not protected; ``locations``: where each
        variable is defined."""
        shown = {value.strip() for value in public}
        kept = {
            name: value
            for name, value in values.items()
            if protectable(value) and value.strip() not in shown
        }
        first = list(kept.items())[:MAX_VALUES]  # the cap keeps the values given first
        ordered = sorted(first, key=lambda item: (-len(item[1]), item[0]))
        pattern = (
            re.compile("|".join(re.escape(value) for _name, value in ordered)) if ordered else None
        )
        owners: dict[str, str] = {}
        for name, value in kept.items():
            owners.setdefault(value, name)
        return cls(
            owners=owners,
            values=tuple(ordered),
            names=frozenset(values),
            pattern=pattern,
            locations=dict(locations or {}),
        )

    def contained_in(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def owner(self, value: str) -> str:
        """The variable holding ``value`` (the first given when several do)."""
        return self.owners[value]

    def matches(self, text: str) -> list[re.Match[str]]:
        return list(self.pattern.finditer(text)) if self.pattern is not None else []

    def is_secret_name(self, name: str) -> bool:
        return name in self.names or looks_secret(name)


@dataclass(frozen=True)
class Scrubbed:
    """The rewritten words and the secret variables they refer to (sorted), whether the
    reference was written by the rewriting or was there before (``$$VAR`` in compose)."""

    words: tuple[str, ...]
    used: tuple[str, ...] = ()


def scrub_command(words: tuple[str, ...], secrets: SecretValues) -> Scrubbed:
    """Container ``command`` followed by ``args``, as one list.

    A ``sh -c SCRIPT`` invocation keeps shell references in its script; other words get
    ``$(NAME)``.
    """
    used: set[str] = set()
    script = _script_index(words)
    out: list[str] = []
    for index, word in enumerate(words):
        if index == script:
            out.append(_scrub_shell(word, secrets, used))
        else:
            out.append(_scrub_arg(word, secrets, used))
    return Scrubbed(tuple(out), tuple(sorted(used)))


def scrub_script(script: str, secrets: SecretValues) -> str:
    """A shell script with its secret values replaced by quoted ``"${NAME}"`` references."""
    return _scrub_shell(script, secrets, set())


def scrub_healthcheck(
    check: HealthCheck, secrets: SecretValues
) -> tuple[HealthCheck, tuple[str, ...]]:
    """The health check with its secret values replaced; the secret variables it refers to."""
    test = check.test
    used: set[str] = set()
    if len(test) == 3 and test[:2] == _SHELL_FORM:
        new_test: tuple[str, ...] = (*_SHELL_FORM, _scrub_shell(test[2], secrets, used))
    elif any(_needs_reference(word, secrets) for word in test):
        new_test = (*_SHELL_FORM, " ".join(_shell_word(word, secrets, used) for word in test))
    else:
        return check, ()
    if new_test == test:
        return check, tuple(sorted(used))
    return check.model_copy(update={"test": new_test}), tuple(sorted(used))


def _script_index(words: tuple[str, ...]) -> int | None:
    """Index of the script in ``sh -c SCRIPT`` (flags such as ``-e`` allowed before ``-c``)."""
    if not words or posixpath.basename(words[0]) not in _SHELLS:
        return None
    for index in range(1, min(len(words), 8)):
        word = words[index]
        if not word.startswith("-"):
            return None
        if "c" in word.lstrip("-") and not word.startswith("--"):
            return index + 1 if index + 1 < len(words) else None
    return None


def _needs_reference(word: str, secrets: SecretValues) -> bool:
    if secrets.contained_in(word):
        return True
    return any(secrets.is_secret_name(_name(m)) for m in _REFERENCE.finditer(word))


def _name(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2)


def _scrub_arg(word: str, secrets: SecretValues, used: set[str]) -> str:
    """Exec-form word: literal values and secret references become ``$(NAME)``."""

    def reference(match: re.Match[str]) -> str:
        name = _name(match)
        if not secrets.is_secret_name(name):
            return match.group(0)
        used.add(name)
        return f"$({name})"

    pieces = _split_values(word, secrets)
    out: list[str] = []
    for text, name in pieces:
        if name is None:
            out.append(_REFERENCE.sub(reference, text))
        else:
            used.add(name)
            out.append(f"$({name})")
    return "".join(out)


def _shell_word(word: str, secrets: SecretValues, used: set[str]) -> str:
    """One exec-form word rewritten as shell text: literal parts quoted, secrets referenced."""
    out: list[str] = []
    for text, name in _split_values(word, secrets):
        if name is not None:
            used.add(name)
            out.append(f'"${{{name}}}"')
            continue
        last = 0
        for match in _REFERENCE.finditer(text):
            ref = _name(match)
            if not secrets.is_secret_name(ref):
                continue
            if match.start() > last:
                out.append(shlex.quote(text[last : match.start()]))
            used.add(ref)
            out.append(f'"${{{ref}}}"')
            last = match.end()
        if last < len(text):
            out.append(shlex.quote(text[last:]))
    return "".join(out) or "''"


def _split_values(word: str, secrets: SecretValues) -> list[tuple[str, str | None]]:
    """``word`` cut into (text, None) and (value, NAME) pieces."""
    pieces: list[tuple[str, str | None]] = []
    last = 0
    for match in secrets.matches(word):
        if match.start() > last:
            pieces.append((word[last : match.start()], None))
        pieces.append((match.group(0), secrets.owner(match.group(0))))
        last = match.end()
    if last < len(word) or not pieces:
        pieces.append((word[last:], None))
    return pieces


def _scrub_shell(script: str, secrets: SecretValues, used: set[str]) -> str:
    """Literal values in a shell script become ``"${NAME}"``, quoted for where they stand;
    every secret variable the script then refers to is added to ``used``."""
    out: list[str] = []
    quote: str | None = None  # None, "'" or '"'
    last = 0
    for match in secrets.matches(script):
        quote = _quote_after(script[last : match.start()], quote)
        out.append(script[last : match.start()])
        name = secrets.owner(match.group(0))
        used.add(name)
        out.append(_shell_reference(name, quote))
        last = match.end()
    out.append(script[last:])
    result = "".join(out)
    used.update(
        name for m in _REFERENCE.finditer(result) if secrets.is_secret_name(name := _name(m))
    )
    return result


def _quote_after(text: str, quote: str | None) -> str | None:
    """The quoting state after ``text``, starting in ``quote``."""
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char == "\\" and quote != "'":
            index += 2
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        index += 1
    return quote


def _shell_reference(name: str, quote: str | None) -> str:
    if quote == '"':
        return f"${{{name}}}"
    if quote == "'":
        return f"'\"${{{name}}}\"'"
    return f'"${{{name}}}"'
