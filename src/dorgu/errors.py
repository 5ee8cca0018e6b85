"""The one exception tree of dorgu.

Every error a user can cause says what was wrong, where, and what to do.  The CLI prints
``str(error)`` on one line and exits with ``error.exit_code``; no traceback unless ``--debug``.

::

    DorguError                      exit 1   base; never raised directly
    ├── UsageError                  exit 2   bad flag, bad argument combination
    ├── InputError                  exit 3   a user file cannot be used
    │   ├── ParseError                       malformed Dockerfile / compose / YAML (file:line)
    │   ├── LimitExceededError               file too big, too many files, YAML alias bomb
    │   └── UnsafePathError                  symlink leaving the tree, path outside the root
    ├── ConfigError                 exit 4   invalid configuration (file:line, key, suggestion)
    ├── OutputError                 exit 5   refusing to overwrite, cannot write output
    ├── ClusterError                exit 6   cluster unreachable, API refused a request
    ├── ToolchainError              exit 7   Go missing, testbed build failed, extra not installed
    ├── ProviderError               exit 8   an LLM provider failed (callers fall back)
    └── ConflictError               exit 9   the cluster's state forbids the action now (auto-sync
                                             on, another operation running, nothing to roll back to)

Third-party exceptions are translated at the boundary with ``raise ... from e``.
"""

from __future__ import annotations


class DorguError(Exception):
    """Base of all errors dorgu raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(DorguError):
    """A flag or argument is wrong."""

    exit_code = 2


class InputError(DorguError):
    """A user-supplied file or directory cannot be used."""

    exit_code = 3


class ParseError(InputError):
    """A file is malformed.  ``location`` is ``file:line`` (or just ``file``)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(f"{where}{message}", hint=hint)


class LimitExceededError(InputError):
    """Input is larger or more deeply nested than dorgu accepts."""


class UnsafePathError(InputError):
    """A path escapes the directory being analysed."""


class ConfigError(DorguError):
    """Configuration is invalid."""

    exit_code = 4


class OutputError(DorguError):
    """Output cannot be written (or would overwrite without ``--force``)."""

    exit_code = 5


class ClusterError(DorguError):
    """The Kubernetes API is unreachable or refused a request."""

    exit_code = 6


class ToolchainError(DorguError):
    """A required local tool is missing or failed (Go, the testbed build)."""

    exit_code = 7


class ProviderError(DorguError):
    """An LLM provider failed; callers fall back to the rule-based result."""

    exit_code = 8


class ConflictError(DorguError):
    """The cluster's current state forbids the action (e.g. a rollback while Argo CD's
    automated sync is on); the message says what to change first."""

    exit_code = 9
