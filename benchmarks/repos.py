"""Generating synthetic but realistic repositories for the analysis benchmarks.

A repo is a monorepo of services in several languages (manifests, Dockerfiles, routes, tests,
docs, assets) plus dependency folders that the walker must prune (``node_modules``, ``.venv``).
Generation is deterministic for a given file count.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

_PY_ROUTE = """from fastapi import APIRouter

router = APIRouter(prefix="/{name}")


@router.get("/items/{{item_id}}")
async def get_item(item_id: int) -> dict[str, int]:
    return {{"id": item_id}}


@router.post("/items")
async def create_item() -> dict[str, str]:
    return {{"status": "created"}}
"""
_PY_MAIN = """import os

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
"""
_TS_ROUTE = """import {{ Router }} from "express";

export const router = Router();

router.get("/{name}/:id", (req, res) => res.json({{ id: req.params.id }}));
router.post("/{name}", (_req, res) => res.status(201).end());
"""
_TS_MAIN = """import express from "express";
import { router } from "./routes/r0";

const app = express();
app.get("/health", (_req, res) => res.send("ok"));
app.use("/api", router);
app.listen(process.env.PORT || 3000);
"""
_PY_MODEL = '''"""Domain model {n}."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity{n}:
    id: int
    name: str

    def describe(self) -> str:
        return f"{{self.id}}: {{self.name}}"
'''
_TS_MODULE = """export interface Entity{n} {{
  id: number;
  name: string;
}}

export function describe{n}(e: Entity{n}): string {{
  return `${{e.id}}: ${{e.name}}`;
}}
"""
_GO_MAIN = """package main

import (
\t"net/http"
)

func main() {
\tmux := http.NewServeMux()
\tmux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
\tmux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
\thttp.ListenAndServe(":8080", mux)
}
"""
_GO_FILE = """package {name}

// Handler {i} does nothing interesting; it exists to make the tree realistic.
func Handler{i}(x int) int {{
\treturn x * {i}
}}
"""
_LANGS = ("python", "node", "go")


def _service(root: Path, index: int, files: int, rng: random.Random) -> int:
    lang = _LANGS[index % len(_LANGS)]
    base = root / "services" / f"svc{index:03}"
    written = 0

    def write(rel: str, text: str) -> None:
        nonlocal written
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written += 1

    if lang == "python":
        write(
            "Dockerfile",
            'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nUSER 1000\nEXPOSE 8000\nCMD ["python", "main.py"]\n',
        )
        write(
            "requirements.txt", "fastapi==0.115.0\nuvicorn==0.30.0\nasyncpg==0.29.0\nredis==5.0.0\n"
        )
        write("main.py", _PY_MAIN)
        while written < files:
            n = written
            if n % 10 == 0:
                write(f"app/routes/r{n}.py", _PY_ROUTE.format(name=f"res{n}"))
            elif n % 10 in (1, 2, 3, 4):
                write(f"app/domain/m{n}.py", _PY_MODEL.format(n=n))
            elif n % 10 in (5, 6, 7):
                write(f"tests/test_{n}.py", f"def test_{n}() -> None:\n    assert {n} == {n}\n")
            else:
                write(
                    f"docs/page{n}.md",
                    f"# Page {n}\n\n" + "lorem ipsum " * rng.randint(5, 50) + "\n",
                )
    elif lang == "node":
        write(
            "Dockerfile",
            'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nEXPOSE 3000\nCMD ["node", "dist/main.js"]\n',
        )
        write(
            "package.json",
            '{"name": "svc", "dependencies": {"express": "^4.19.0", "ioredis": "^5.4.0"}, "scripts": {"start": "node dist/main.js"}}\n',
        )
        write("tsconfig.json", '{"compilerOptions": {"strict": true}}\n')
        write("src/main.ts", _TS_MAIN)
        while written < files:
            n = written
            if n % 4 == 3:
                write(f"node_modules/pkg{n}/index.js", "module.exports = {};\n")
                written -= 1  # pruned by the walker: not counted as a repo file
                write(f"public/asset{n}.svg", "<svg/>\n")
            elif n % 10 == 0:
                write(f"src/routes/r{n}.ts", _TS_ROUTE.format(name=f"res{n}"))
            else:
                write(f"src/lib/m{n}.ts", _TS_MODULE.format(n=n))
    else:
        write(
            "Dockerfile",
            'FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\nUSER 65532\nEXPOSE 8080\nENTRYPOINT ["/app"]\n',
        )
        write(
            "go.mod",
            "module example.com/svc\n\ngo 1.23\n\nrequire github.com/jackc/pgx/v5 v5.6.0\n",
        )
        write("main.go", _GO_MAIN)
        while written < files:
            n = written
            write(f"internal/pkg{n % 20}/h{n}.go", _GO_FILE.format(name=f"pkg{n % 20}", i=n))
    return written


def generate_repo(root: Path, total_files: int, *, per_service: int = 250) -> Path:
    """Create (once) a repo with about ``total_files`` files under ``root``."""
    marker = root / ".generated"
    version = f"{total_files}:2"
    if marker.exists() and marker.read_text() == version:
        return root
    rng = random.Random(total_files)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "README.md").write_text("# Benchmark monorepo\n")
    (root / ".gitignore").write_text("*.log\n/tmp/\n")
    count, index = 2, 0
    while count < total_files:
        count += _service(root, index, min(per_service, total_files - count), rng)
        index += 1
    marker.write_text(version)
    return root
