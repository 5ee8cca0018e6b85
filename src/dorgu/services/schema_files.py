"""The config files' JSON Schemas as shipped inside the package (``dorgu/schemas/``), and the
first line ``dorgu init`` / ``persona pull`` write to point editors at them.

Must not print; never writes the schema files (they are package data, checked by a test).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from dorgu.settings.layering import LayerName
from dorgu.settings.schemas import SCHEMA_FILES, schema_comment

PACKAGE = "dorgu"
FOLDER = "schemas"


def packaged_schema_path(layer: LayerName = LayerName.APP) -> Path | None:
    """The installed schema file of ``layer``'s config file, or None when the package is not
    on a file system (a zip) or the file is missing."""
    resource = resources.files(PACKAGE).joinpath(FOLDER, SCHEMA_FILES[layer])
    path = Path(str(resource))
    try:
        return path.resolve() if path.is_file() else None
    except OSError:
        return None


def schema_header(layer: LayerName = LayerName.APP) -> str:
    """The modeline naming the packaged schema (absolute path), or the fallback comment."""
    path = packaged_schema_path(layer)
    return schema_comment(layer, location=path.as_posix() if path is not None else None)
