"""Load the Kubernetes schema bundle that ships inside the package (``dorgu.rules.schemas``).

``load_schema_bundle(version)`` reads and parses ``k8s-v<major.minor>.json.gz`` once per
process (the file is package data and never changes while running); ``UsageError`` for a
version that is not bundled.
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources

from dorgu.errors import UsageError
from dorgu.rules.schemas import (
    BUNDLED_VERSIONS,
    SchemaBundle,
    bundle_file_name,
    normalize_version,
    parse_bundle,
)

PACKAGE = "dorgu.rules.schemas"


def check_version(version: str) -> str:
    """``version`` as major.minor, or ``UsageError`` when no bundle ships for it."""
    normalized = normalize_version(version)
    if normalized not in BUNDLED_VERSIONS:
        raise UsageError(
            f"--kubernetes-version {version}: no schemas bundled for it "
            f"(bundled: {', '.join(BUNDLED_VERSIONS)})",
            hint="pass a bundled version, or --no-schema to skip schema checks",
        )
    return normalized


@functools.cache
def load_schema_bundle(version: str) -> SchemaBundle:
    """The bundled schemas of Kubernetes ``version`` (major.minor, e.g. ``1.37``)."""
    name = bundle_file_name(check_version(version))
    data = resources.files(PACKAGE).joinpath(name).read_bytes()
    return parse_bundle(json.loads(gzip.decompress(data)))
