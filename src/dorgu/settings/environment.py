"""``DORGU_*`` environment variables -> setting keys.

Every scalar setting has a canonical variable: ``DORGU_`` + the key's segments upper-cased and
joined with ``__`` (``scaling.max_replicas`` -> ``DORGU_SCALING__MAX_REPLICAS``).  The form with
single underscores (``DORGU_LLM_PROVIDER``) is accepted too, as are the short aliases in
``ALIASES``.  The providers' own key variables (``OPENAI_API_KEY`` ...) are a layer of their
own below every file (``read_provider_keys``): a key in the global file wins over one that
happens to be exported in the shell.  So are the providers' endpoint variables
(``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``, ``OLLAMA_HOST``), which set ``llm.base_url`` only
for the provider they belong to.  Empty values count as unset.  Maps (labels, annotations,
env) and lists (dependencies) cannot be set from the environment.

Must not read ``os.environ``: callers pass the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from dorgu.models.config import EffectiveSettings
from dorgu.settings.keys import KeyPath, format_key, leaf_keys, suggest

ENV_PREFIX = "DORGU_"

ALIASES: dict[str, KeyPath] = {
    "DORGU_REGISTRY": ("image", "registry"),
    "DORGU_TEAM": ("app", "team"),
}

PROVIDER_KEY_VARIABLES: dict[str, KeyPath] = {
    "OPENAI_API_KEY": ("llm", "api_keys", "openai"),
    "ANTHROPIC_API_KEY": ("llm", "api_keys", "anthropic"),
    "GEMINI_API_KEY": ("llm", "api_keys", "gemini"),
    "GOOGLE_API_KEY": ("llm", "api_keys", "gemini"),
}

PROVIDER_BASE_URL_VARIABLES: dict[str, str] = {
    "OPENAI_BASE_URL": "openai",
    "ANTHROPIC_BASE_URL": "anthropic",
    "OLLAMA_HOST": "ollama",
}
"""The providers' own endpoint variables -> the provider they apply to (``llm.base_url`` only
when that provider is the chosen one)."""
BASE_URL_KEY: KeyPath = ("llm", "base_url")

# Variables with the prefix that belong to other parts of dorgu, not to settings.
NON_SETTING_VARIABLES = frozenset({"DORGU_DEBUG", "DORGU_LOG_LEVEL"})


def env_var_name(path: KeyPath) -> str:
    """The canonical variable for a scalar key."""
    return ENV_PREFIX + "__".join(segment.upper() for segment in path)


@cache
def env_variables() -> dict[str, KeyPath]:
    """Every accepted ``DORGU_*`` name -> key (canonical, single-underscore and short aliases)."""
    names: dict[str, KeyPath] = {}
    short: dict[str, list[KeyPath]] = {}
    for path in leaf_keys(EffectiveSettings):
        names[env_var_name(path)] = path
        short.setdefault(ENV_PREFIX + "_".join(s.upper() for s in path), []).append(path)
    for name, paths in short.items():
        if len(paths) == 1 and name not in names:
            names[name] = paths[0]
    names.update(ALIASES)
    return names


@dataclass(frozen=True)
class EnvironmentValues:
    """Settings found in an environment: key -> text value, the variable it came from, and
    ``DORGU_*`` variables that match no setting (with a suggestion when one is close)."""

    values: dict[KeyPath, str] = field(default_factory=dict)
    variables: dict[KeyPath, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()


def read_environment(environ: Mapping[str, str]) -> EnvironmentValues:
    """Pick the setting variables out of ``environ``; canonical names beat aliases."""
    table = env_variables()
    values: dict[KeyPath, str] = {}
    variables: dict[KeyPath, str] = {}
    rank: dict[KeyPath, int] = {}
    unknown: list[str] = []
    for name in sorted(environ):
        value = environ[name]
        path = table.get(name)
        if path is None:
            if name.startswith(ENV_PREFIX) and name not in NON_SETTING_VARIABLES:
                size = len(ENV_PREFIX)
                guess = suggest(name[size:], [known[size:] for known in table])
                unknown.append(f"{name} (did you mean {ENV_PREFIX}{guess}?)" if guess else name)
            continue
        if value == "":
            continue
        order = 0 if name == env_var_name(path) else 1
        if path not in rank or order < rank[path]:
            values[path], variables[path], rank[path] = value, name, order
    return EnvironmentValues(values=values, variables=variables, unknown=tuple(unknown))


def read_provider_keys(
    environ: Mapping[str, str], *, provider: str | None = None
) -> EnvironmentValues:
    """The providers' own API key variables (``GEMINI_API_KEY`` beats ``GOOGLE_API_KEY``) and,
    when ``provider`` is chosen, its own endpoint variable (``OPENAI_BASE_URL`` ...)."""
    values: dict[KeyPath, str] = {}
    variables: dict[KeyPath, str] = {}
    for name, path in PROVIDER_KEY_VARIABLES.items():  # dict order is the preference order
        value = environ.get(name, "")
        if value and path not in values:
            values[path], variables[path] = value, name
    for name, owner in PROVIDER_BASE_URL_VARIABLES.items():
        value = environ.get(name, "").strip()
        if value and owner == provider:
            values[BASE_URL_KEY], variables[BASE_URL_KEY] = value, name
    return EnvironmentValues(values=values, variables=variables)


def documented_variables() -> list[tuple[str, str]]:
    """(variable, key) rows for docs and ``dorgu config explain``: canonical names only."""
    return [(env_var_name(path), format_key(path)) for path in leaf_keys(EffectiveSettings)]
