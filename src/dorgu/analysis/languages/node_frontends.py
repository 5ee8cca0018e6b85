"""Browser frontends from package.json and build configuration: React, Vue, Angular, Svelte
(and SvelteKit), Next.js and Nuxt, with the bundler, the build's output folder and whether the
build is static (served by a web server) or server-rendered (a Node server).

- Next.js: ``output: 'export'`` in next.config.* (or ``next export`` in a script) is static,
  into ``out/`` (or ``distDir``); otherwise server-rendered.
- Nuxt: ``ssr: false`` or a ``nuxt generate`` script is static (``.output/public``); else SSR.
- SvelteKit: ``@sveltejs/adapter-static`` is static (``build/``); other adapters are SSR.
- Vite (``vite.config.*``, ``build.outDir``, default ``dist``), Angular CLI (``angular.json``
  ``outputPath``), Create React App (``build``), Vue CLI (``dist``).

Must not: open files or raise.
"""

from __future__ import annotations

import json
import re

from dorgu.analysis.languages.node_facts import PackageInfo, scripts
from dorgu.analysis.languages.scanning import is_skipped, line_of_token
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Frontend, FrontendMode
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

# (package, framework), most specific first: a Next.js app also depends on react.
_PACKAGES = (
    ("next", "nextjs"),
    ("nuxt", "nuxt"),
    ("@sveltejs/kit", "svelte"),
    ("@angular/core", "angular"),
    ("vue", "vue"),
    ("svelte", "svelte"),
    ("react-dom", "react"),
    ("preact", "react"),
)
CONFIG_PREFIXES = (
    "vite.config.", "next.config.", "nuxt.config.", "svelte.config.", "vue.config.",
)  # fmt: skip
CONFIG_NAMES = frozenset({"angular.json"})
_EXPORT = LazyPattern(r"""\boutput\s*:\s*['"]export['"]""")
_DIST_DIR = LazyPattern(r"""\bdistDir\s*:\s*['"]([\w./-]{1,100})['"]""")
_OUT_DIR = LazyPattern(r"""\boutDir\s*:\s*['"]([\w./-]{1,100})['"]""")
_SSR_FALSE = LazyPattern(r"\bssr\s*:\s*false\b")
_ADAPTER = LazyPattern(r"""['"]@sveltejs/adapter-([\w-]{1,40})['"]""")
_DEV_SCRIPT = LazyPattern(
    r"^\s*(?:npx\s+)?(?:vite(?:\s+(?:dev|serve))?|ng\s+serve|react-scripts\s+start|next\s+dev|"
    r"nuxt\s+dev|nuxi\s+dev|vue-cli-service\s+serve|webpack(?:-dev-server|\s+serve))\b"
)
DEV_PORTS = {"vite": 5173, "angular-cli": 4200, "react-scripts": 3000, "next": 3000,
             "nuxt": 3000, "sveltekit": 5173, "vue-cli": 8080, "webpack": 8080}  # fmt: skip


def is_frontend_config(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base in CONFIG_NAMES or base.startswith(CONFIG_PREFIXES)


def _config(tree: SourceTree, prefix: str) -> tuple[str, str] | None:
    for path in sorted(tree.paths, key=lambda p: (p.count("/"), p)):
        base = path.rsplit("/", 1)[-1]
        if base.startswith(prefix) and not is_skipped(path):
            return path, tree.texts.get(path) or ""
    return None


def _angular_output(tree: SourceTree) -> str:
    found = _config(tree, "angular.json")
    if found is None:
        return "dist"
    try:
        data = json.loads(found[1])
    except (ValueError, RecursionError):
        return "dist"
    projects = data.get("projects") if isinstance(data, dict) else None
    for project in (projects or {}).values() if isinstance(projects, dict) else ():
        options = (
            project.get("architect", {}).get("build", {}).get("options", {})
            if isinstance(project, dict)
            else {}
        )
        output = options.get("outputPath") if isinstance(options, dict) else None
        if isinstance(output, str):
            return output
        if isinstance(output, dict) and isinstance(output.get("base"), str):
            return str(output["base"])
    return "dist"


def _bundler(info: PackageInfo, tree: SourceTree, framework: str) -> str | None:
    deps = set(info.dependencies) | info.dev
    if framework in ("nextjs", "nuxt"):
        return "next" if framework == "nextjs" else "nuxt"
    if "@sveltejs/kit" in deps:
        return "sveltekit"
    if "@angular/cli" in deps or _config(tree, "angular.json"):
        return "angular-cli"
    if "vite" in deps or _config(tree, "vite.config."):
        return "vite"
    if "react-scripts" in deps:
        return "react-scripts"
    if "@vue/cli-service" in deps:
        return "vue-cli"
    if "webpack" in deps:
        return "webpack"
    return None


def _static_build(
    tree: SourceTree, info: PackageInfo, framework: str, bundler: str | None
) -> tuple[FrontendMode, str | None]:
    run = scripts(info)
    if framework == "nextjs":
        found = _config(tree, "next.config.")
        text = found[1] if found else ""
        dist = _DIST_DIR.search(text)
        if _EXPORT.search(text) or any("next export" in c for c in run.values()):
            return FrontendMode.STATIC, dist.group(1) if dist else "out"
        return FrontendMode.SSR, dist.group(1) if dist else ".next"
    if framework == "nuxt":
        found = _config(tree, "nuxt.config.")
        generate = any(re.search(r"\bnux[ti]\s+generate\b", c) for c in run.values())
        if generate or (found and _SSR_FALSE.search(found[1])):
            return FrontendMode.STATIC, ".output/public"
        return FrontendMode.SSR, ".output"
    if bundler == "sveltekit":
        found = _config(tree, "svelte.config.")
        adapter = _ADAPTER.search(found[1]) if found else None
        if adapter and adapter.group(1) == "static":
            return FrontendMode.STATIC, "build"
        return FrontendMode.SSR, "build"
    if bundler == "angular-cli":
        return FrontendMode.STATIC, _angular_output(tree)
    if bundler == "react-scripts":
        return FrontendMode.STATIC, "build"
    found = _config(tree, "vite.config.") if bundler == "vite" else None
    out = _OUT_DIR.search(found[1]) if found else None
    return FrontendMode.STATIC, out.group(1) if out else "dist"


def detect_frontend(tree: SourceTree, info: PackageInfo, findings: Findings) -> Frontend | None:
    """The frontend this package builds, or None (a plain server or library)."""
    deps = set(info.dependencies) | info.dev
    framework = next((name for package, name in _PACKAGES if package in deps), None)
    if framework is None or info.path is None:
        return None
    package = next(p for p, n in _PACKAGES if n == framework and p in deps)
    where = info.dependencies.get(package) or Location(
        file=info.path, line=line_of_token(info.text, f'"{package}"')
    )
    bundler = _bundler(info, tree, framework)
    mode, output = _static_build(tree, info, framework, bundler)
    findings.fact("frontend", f"{framework} ({mode.value})", "node.frontend.package", where, 0.85)
    if output:
        findings.fact(
            "frontend.output_dir", output, f"node.frontend.{bundler or framework}", where, 0.7
        )
    return Frontend(
        framework=framework, bundler=bundler, mode=mode, output_dir=output, location=where
    )


def dev_server(command: str, info: PackageInfo) -> str | None:
    """The bundler whose development server ``command`` starts (through npm scripts too)."""
    run = scripts(info)
    text = command.strip()
    for _ in range(3):  # npm start -> "vite" ; npm run dev -> "next dev"; bounded indirection
        npm = re.match(r"^(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?([\w:.-]{1,50})\b", text)
        if npm is None or npm.group(1) not in run:
            break
        text = run[npm.group(1)]
    match = _DEV_SCRIPT.match(text)
    if match is None:
        return None
    word = match.group().split()[1 if match.group().split()[0] == "npx" else 0]
    return {"ng": "angular-cli", "react-scripts": "react-scripts", "vue-cli-service": "vue-cli",
            "nuxi": "nuxt", "webpack-dev-server": "webpack"}.get(word, word)  # fmt: skip
