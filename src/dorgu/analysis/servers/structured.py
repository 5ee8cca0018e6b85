"""Loading YAML/TOML/JSON server configurations (Envoy, Traefik) safely, with key lines.

Must not: open files; every failure becomes a diagnostic, never an exception.
"""

from __future__ import annotations

from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_NODES = 50_000


def load_structured(text: str, *, file: str, diagnostics: list[Diagnostic]) -> YamlDocument | None:
    """The document (YAML or JSON; TOML for ``*.toml``), or None with a diagnostic."""
    if file.endswith(".toml"):
        import tomllib  # lazy: only TOML files need it (startup time)

        try:
            return YamlDocument(data=tomllib.loads(text), file=file)
        except tomllib.TOMLDecodeError as e:
            diagnostics.append(_invalid(file, str(e)))
            return None
    try:
        return load_yaml(text, file=file, max_nodes=MAX_NODES)
    except DorguError as e:
        diagnostics.append(_invalid(file, str(e).splitlines()[0][:200]))
        return None


def _invalid(file: str, why: str) -> Diagnostic:
    return Diagnostic(
        code="servers.config-invalid",
        severity=Severity.WARNING,
        message=f"server configuration is not valid: {why}",
        location=Location(file=file),
    )
