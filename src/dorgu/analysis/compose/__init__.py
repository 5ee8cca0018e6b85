"""The Compose Specification parser: compose texts in, a merged ``ComposeProject`` out.

``parse_compose`` reads ``.env``, interpolates variables, follows ``extends``, merges ``-f``
files, applies profiles and resolves ``env_file``; ``compose_components`` turns the project
into application-model components with evidence.

Must not: open files, read the process environment, print, or raise anything but
``dorgu.errors.DorguError`` subclasses.  Secret-looking values are never kept.
"""

from __future__ import annotations

from dorgu.analysis.compose.components import compose_components
from dorgu.analysis.compose.interpolations import Interpolated, credit_interpolations
from dorgu.analysis.compose.parsing import parse_compose
from dorgu.analysis.compose.ports import PortMapping, format_port, parse_port
from dorgu.analysis.compose.projects import (
    ComposeProject,
    ComposeResource,
    ComposeService,
    ServiceDependency,
    ServiceReference,
)
from dorgu.analysis.compose.volumes import ServiceRef

__all__ = [
    "ComposeProject",
    "ComposeResource",
    "ComposeService",
    "Interpolated",
    "PortMapping",
    "ServiceDependency",
    "ServiceRef",
    "ServiceReference",
    "compose_components",
    "credit_interpolations",
    "format_port",
    "parse_compose",
    "parse_port",
]
