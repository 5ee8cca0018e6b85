"""Building small source trees and analysing them, for the descriptor tests."""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.analysis.analyzing import AnalysisOptions, analyze_tree
from dorgu.analysis.descriptors.records import RenderedChart
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppModel
from dorgu.models.config import DescriptorsMode

DOCKERFILE = 'FROM node:20-alpine\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n'
PACKAGE = '{"name": "api", "dependencies": {"express": "^4"}}'
SERVER = (
    'const express = require("express");\nconst app = express();\n'
    'app.get("/items", (req, res) => res.json([]));\n'
    "app.listen(process.env.PORT || 3000);\n"
)
APP = {"Dockerfile": DOCKERFILE, "package.json": PACKAGE, "server.js": SERVER}


def tree(files: Mapping[str, str], *, listed: tuple[str, ...] = ()) -> SourceTree:
    """``files`` loaded; ``listed`` only listed (too big, binary, not UTF-8)."""
    return SourceTree(paths=tuple(sorted({*files, *listed})), texts=dict(files))


def analyze(
    files: Mapping[str, str],
    *,
    mode: str = "keep",
    charts: Mapping[str, RenderedChart] | None = None,
    listed: tuple[str, ...] = (),
) -> AppModel:
    options = AnalysisOptions(descriptors=DescriptorsMode(mode), charts=charts)
    return analyze_tree(tree(files, listed=listed), name="api", root=".", options=options)


def codes(model: AppModel) -> list[str]:
    return [d.code for d in model.diagnostics]


def rules(model: AppModel, field: str) -> list[str]:
    return [e.rule for e in model.evidence if e.field == field]
