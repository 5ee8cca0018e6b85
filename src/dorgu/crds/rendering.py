"""CRDs as YAML text, byte-for-byte stable: ``crd_files()`` maps each file name under
``deploy/crds/`` to its text.

Must not write files (``scripts/generate-crds`` does) or import ``dorgu.generation``.
"""

from __future__ import annotations

import re

import yaml

from dorgu.crds.definitions import CRDS
from dorgu.models.personas_base import JsonValue

HEADER = (
    "# Generated from the dorgu.models persona models by scripts/generate-crds; do not edit.\n"
    "# A test fails when this file and the models disagree.\n"
)


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings as literal blocks; no anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not re.search(r"[ \t]\n|[\x00-\x08\x0b-\x1f\x7f]", value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def render_crd(crd: dict[str, JsonValue]) -> str:
    """One CRD as a YAML document with the generated-file header."""
    text = yaml.dump(
        crd,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
    return HEADER + text


def crd_file_name(crd: dict[str, JsonValue]) -> str:
    metadata = crd["metadata"]
    assert isinstance(metadata, dict)
    return f"{metadata['name']}.yaml"


def crd_files() -> dict[str, str]:
    """``{"applicationpersonas.dorgu.io.yaml": "...", ...}`` for ``deploy/crds/``."""
    files: dict[str, str] = {}
    for build in CRDS:
        crd = build()
        files[crd_file_name(crd)] = render_crd(crd)
    return files
