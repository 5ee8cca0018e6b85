"""Deciding whether an environment variable holds a secret: re-exported from
``dorgu.formats.secrets`` (moved there so every pure layer, ``dorgu.learning`` included, can
use the same rules).
"""

from dorgu.formats.secrets import (
    is_secret_file_candidate,
    looks_secret,
    strip_url_credentials,
    url_has_credentials,
)

__all__ = [
    "is_secret_file_candidate",
    "looks_secret",
    "strip_url_credentials",
    "url_has_credentials",
]
