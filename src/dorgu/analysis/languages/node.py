"""The Node analyser (JavaScript and TypeScript): Express, NestJS, Next.js, Fastify, Koa, Hapi,
Hono; browser frontends (React, Vue, Angular, Svelte, Next.js/Nuxt exports) via
``node_frontends``; k6 load scripts via ``node_light``.

Reads package.json (dependencies, scripts, engines), lockfiles (npm/yarn/pnpm/bun), .nvmrc,
tsconfig.json, schema.prisma and JS/TS sources (comments masked).  Details live in
``node_facts``, ``node_routes`` and ``node_conventions``.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re
from dataclasses import replace

from dorgu.analysis.languages import node_facts as facts
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.node_conventions import scan_nest, scan_next
from dorgu.analysis.languages.node_frontends import detect_frontend, is_frontend_config
from dorgu.analysis.languages.node_light import k6_script, scan_light_ports
from dorgu.analysis.languages.node_routes import scan_code_routes
from dorgu.analysis.languages.scanning import (
    Text,
    has_any,
    is_skipped,
    is_test,
    line_of_token,
    shallowest,
    sources,
    version_from_spec,
)
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_MANIFESTS = frozenset(
    {"package.json", ".nvmrc", ".node-version", "schema.prisma", "ormconfig.json"}
)
_LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lockb", "bun"),
    ("bun.lock", "bun"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
_CODE_FRAMEWORK = LazyPattern(
    r"""(?:require\(\s*|\bfrom\s+)['"](@nestjs/core|next|fastify|koa|@hapi/hapi|hono|express)['"]"""
)
_WEB = frozenset({"nextjs", "nuxt"})


class NodeAnalyzer:
    name = "node"

    def wants(self, path: str) -> bool:
        if is_skipped(path):
            return False
        base = path.rsplit("/", 1)[-1]
        if base in _MANIFESTS or base.endswith(".prisma") or is_frontend_config(path):
            return True
        return base.endswith(_SOURCE_SUFFIXES) and not base.endswith(".d.ts") and not is_test(path)

    def detect(self, tree: SourceTree) -> bool:
        return any(
            (p.rsplit("/", 1)[-1] == "package.json" or p.endswith(_SOURCE_SUFFIXES))
            and not is_skipped(p)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("node")
        info = facts.read_packages(tree, findings)
        texts = [
            Text(path, text, "js")
            for path, text in sources(tree, *_SOURCE_SUFFIXES)
            if not path.endswith(".d.ts") and not path.endswith(".min.js")
        ]
        framework = self._framework(info, texts, findings)
        frontend = detect_frontend(tree, info, findings) if framework in (None, *_WEB) else None
        if framework is None and frontend is not None:
            framework = frontend.framework
            findings.fact("framework", framework, "node.frontend", frontend.location, 0.85)
        if framework is None and k6_script(texts, findings):
            framework = "k6"
        if framework == "nestjs":
            scan_nest(texts, findings)
        if framework in ("nextjs",) or any(
            p.rsplit("/", 1)[-1].startswith("next.config.") for p in tree.paths
        ):
            scan_next(tree, findings)
        scan_code_routes(texts, findings, framework)
        facts.manifest_dependencies(info, findings)
        facts.script_ports(info, framework, findings)
        for text in texts:
            facts.scan_ports(text, findings)
            scan_light_ports(text, findings, framework)
            scan_env_ports(text, findings, "node")
            facts.scan_dependencies(text, findings)
            facts.scan_env(text, findings)
        for path, schema in sources(tree, ".prisma"):
            facts.scan_dependencies(Text(path, schema, "js"), findings)

        typescript = any(p.rsplit("/", 1)[-1] == "tsconfig.json" for p in tree.paths) or (
            "typescript" in info.dev | set(info.dependencies)
            and any(t.path.endswith((".ts", ".tsx")) for t in texts)
        )
        version = self._version(tree, info, findings)
        build_tool = self._build_tool(tree, info, findings)
        extras = {"runtime": "node"}
        start = facts.scripts(info).get("start")
        if start:
            extras["start"] = start[:200]
        confidence = (
            0.9 if info.path and framework else 0.75 if framework else 0.6 if info.path else 0.3
        )
        report = findings.report(
            language="typescript" if typescript else "javascript",
            confidence=confidence if texts or info.path else 0.1,
            framework=framework,
            language_version=version,
            build_tool=build_tool,
            app_type=None
            if framework is None
            else "worker"
            if framework == "k6"
            else "web"
            if framework in _WEB or frontend is not None
            else "api",
            extras=extras,
        )
        return replace(report, frontend=frontend) if frontend is not None else report

    @staticmethod
    def _framework(info: facts.PackageInfo, texts: list[Text], findings: Findings) -> str | None:
        for package, name in facts.FRAMEWORKS:
            if package in info.dependencies:
                findings.fact("framework", name, "node.package", info.dependencies[package], 0.9)
                return name
        for text in texts:
            gate = has_any(text.code, "express", "fastify", "koa", "nestjs", "hapi", "hono", "next")
            match = _CODE_FRAMEWORK.search(text.code) if gate else None
            if match:
                name = dict(facts.FRAMEWORKS)[match.group(1)]
                findings.fact("framework", name, "node.import", text.loc(match.start()), 0.7)
                return name
        return None

    @staticmethod
    def _version(tree: SourceTree, info: facts.PackageInfo, findings: Findings) -> str | None:
        path = shallowest(tree, ".nvmrc", ".node-version")
        if path is not None:
            line = (tree.texts.get(path) or "").strip().split("\n", 1)[0]
            version = version_from_spec(line) if line[:1].isdigit() or line[:1] == "v" else None
            if version:
                findings.fact(
                    "language_version", version, "node.nvmrc", Location(file=path, line=1)
                )
                return version
        engines = info.data.get("engines")
        spec = engines.get("node") if isinstance(engines, dict) else None
        version = version_from_spec(spec) if isinstance(spec, str) else None
        if version and info.path:
            loc = Location(file=info.path, line=line_of_token(info.text, '"engines"'))
            findings.fact("language_version", version, "node.engines", loc, 0.8)
        return version

    @staticmethod
    def _build_tool(tree: SourceTree, info: facts.PackageInfo, findings: Findings) -> str | None:
        manager = info.data.get("packageManager")
        if isinstance(manager, str) and re.match(r"^(npm|yarn|pnpm|bun)@", manager):
            tool = manager.split("@", 1)[0]
            findings.fact(
                "build_tool", tool, "node.package_manager", Location(file=info.path or "")
            )
            return tool
        for lockfile, tool in _LOCKFILES:
            path = next((p for p in tree.named(lockfile) if not is_skipped(p)), None)
            if path is not None:
                findings.fact("build_tool", tool, "node.lockfile", Location(file=path), 0.9)
                return tool
        return "npm" if info.path else None


ANALYZER = NodeAnalyzer()
