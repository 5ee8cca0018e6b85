"""The schema bundle: named schema definitions and the kind each ``apiVersion/kind`` uses.

Bundle JSON: ``{"kubernetesVersion": "1.37", "definitions": {name: schema},
"kinds": {"apps/v1/Deployment": name}, "sources": {...}}``; ``$ref`` values are definition
names.  Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.errors import ParseError

Schema = Mapping[str, object]

BUNDLED_VERSIONS: tuple[str, ...] = ("1.37",)
"""The Kubernetes versions (major.minor) whose schemas ship with dorgu."""


@dataclass(frozen=True)
class SchemaBundle:
    """Schemas for one Kubernetes version (plus the CRDs dorgu knows)."""

    kubernetes_version: str
    definitions: Mapping[str, Schema]
    kinds: Mapping[str, str]

    def schema_for(self, api_version: str, kind: str) -> Schema | None:
        """The top-level schema of ``api_version``/``kind``, or None when the bundle has none."""
        name = self.kinds.get(f"{api_version}/{kind}")
        return None if name is None else self.definitions.get(name)

    def api_versions_of(self, kind: str) -> list[str]:
        """The apiVersions the bundle knows ``kind`` under (for "did you mean")."""
        suffix = f"/{kind}"
        return sorted(key.removesuffix(suffix) for key in self.kinds if key.endswith(suffix))

    def resolve(self, name: str) -> Schema:
        """The definition named by a ``$ref``; an empty (anything goes) schema if missing."""
        return self.definitions.get(name, {})


def normalize_version(text: str) -> str:
    """``v1.37.2`` / ``1.37`` -> ``1.37``."""
    parts = text.strip().removeprefix("v").split(".")
    return ".".join(parts[:2])


def bundle_file_name(version: str) -> str:
    """The file name of the bundle for ``version`` (major.minor)."""
    return f"k8s-v{normalize_version(version)}.json.gz"


def parse_bundle(data: object) -> SchemaBundle:
    """The bundle from its decoded JSON; ``ParseError`` when the shape is wrong."""
    if not isinstance(data, Mapping):
        raise ParseError("schema bundle: not a JSON object")
    version = data.get("kubernetesVersion")
    definitions = data.get("definitions")
    kinds = data.get("kinds")
    if not (
        isinstance(version, str) and isinstance(definitions, Mapping) and isinstance(kinds, Mapping)
    ):
        raise ParseError(
            "schema bundle: needs kubernetesVersion, definitions and kinds",
            hint="regenerate it with scripts/update-k8s-schemas",
        )
    return SchemaBundle(
        kubernetes_version=version,
        definitions={str(k): v for k, v in definitions.items() if isinstance(v, Mapping)},
        kinds={str(k): str(v) for k, v in kinds.items()},
    )
