"""The Python analyser: Django, FastAPI, Flask, Starlette, aiohttp, Sanic, Litestar, Falcon,
Bottle, Tornado, Celery/RQ/Dramatiq workers and Locust load generators.

Reads requirements files, pyproject.toml, Pipfile, setup.cfg/setup.py, version files, Procfile and
shell start scripts, and Python source (comments and docstrings masked).  Details live in
``python_manifests``, ``python_facts``, ``python_routes`` and ``python_django``.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

from dorgu.analysis.languages import python_facts as facts
from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.python_django import scan_django
from dorgu.analysis.languages.python_light import (
    default_port,
    scan_light_ports,
    scan_light_routes,
)
from dorgu.analysis.languages.python_manifests import (
    MANIFEST_NAMES,
    is_requirements_file,
    read_manifests,
)
from dorgu.analysis.languages.python_modules import ModuleIndex
from dorgu.analysis.languages.python_routes import scan_metrics_servers, scan_routes
from dorgu.analysis.languages.scanning import Text, is_skipped, is_test, sources
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.listening.commands import command_exprs
from dorgu.analysis.sources import SourceTree
from dorgu.models.patterns import LazyPattern

_COMMAND = LazyPattern(
    r"\b(uvicorn|gunicorn|hypercorn|daphne|granian|waitress-serve|flask[ \t]+run|fastapi[ \t]+"
    r"(?:run|dev)|(?:manage\.py|django-admin)[ \t]+runserver|celery\b[^\n]{0,200}?\bworker)\b"
    r"[^\n]{0,500}"
)
_PORT_FLAG = LazyPattern(r"(?:--port|-p)(?:=|[ \t]+)[\"']?(?:\$\{\w+:-)?(\d{2,5})\b")
_BIND_FLAG = LazyPattern(
    r"(?:--bind|-b|--listen)(?:=|[ \t]+)[\"']?[\w.\[\]]*:(?:\$\{\w+:-)?(\d{2,5})\b"
)
_DYNAMIC_PORT = LazyPattern(r"(?:--port|-p|--bind|-b|--listen)(?:=|[ \t]+)\S*\$")
_RUNSERVER_PORT = LazyPattern(r"runserver[ \t]+(?:[\w.\[\]]+:)?(\d{2,5})\b")
_COMMAND_DEFAULTS = {
    "uvicorn": 8000,
    "gunicorn": 8000,
    "hypercorn": 8000,
    "daphne": 8000,
    "granian": 8000,
    "waitress-serve": 8080,
    "flask": 5000,
    "fastapi": 8000,
    "runserver": 8000,
}
_API_FRAMEWORKS = frozenset(
    {"fastapi", "starlette", "aiohttp", "sanic", "litestar", "falcon", "tornado", "bottle"}
)


def _command_tool(command: str) -> str:
    head = command.split(None, 1)[0]
    return "runserver" if "runserver" in command.split("\n", 1)[0][:60] else head


class PythonAnalyzer:
    name = "python"

    def wants(self, path: str) -> bool:
        if is_skipped(path):
            return False
        base = path.rsplit("/", 1)[-1]
        if base in MANIFEST_NAMES or base == "Procfile" or is_requirements_file(path):
            return True
        return base.endswith((".py", ".sh")) and not is_test(path)

    def detect(self, tree: SourceTree) -> bool:
        return any(
            (p.endswith(".py") or p.rsplit("/", 1)[-1] in MANIFEST_NAMES or is_requirements_file(p))
            and not is_skipped(p)
            for p in tree.paths
        )

    def analyze(self, tree: SourceTree) -> LanguageReport:
        findings = Findings("python")
        manifests = read_manifests(tree)
        findings.diagnostics.extend(manifests.diagnostics)
        texts = [Text(path, text, "python") for path, text in sources(tree, ".py")]
        scores, where = facts.frameworks(texts, manifests)
        web = [f for f in facts.WEB_FRAMEWORKS if scores.get(f)]
        framework = max(web, key=lambda f: scores[f]) if web else None
        workers = [f for f in facts.WORKER_FRAMEWORKS if scores.get(f)]
        for name in ([framework] if framework else []) + workers[:1]:
            rule = f"python.{name}.{'import' if scores[name] >= 2 else 'manifest'}"
            findings.fact("framework", name, rule, where.get(name), 0.6 + 0.1 * scores[name])

        index = ModuleIndex(t.path for t in texts)
        scan_routes(texts, index, findings, framework)
        scan_light_routes(texts, findings, framework)
        scan_light_ports(texts, findings, framework)
        main_kind = framework or (workers[0] if workers else None)
        default_port(main_kind, findings, where.get(main_kind) if main_kind else None)
        scan_django(texts, index, findings)
        facts.manifest_dependencies(manifests, findings)
        for text in texts:
            scan_metrics_servers(text, findings)
            facts.scan_ports(text, findings)
            scan_env_ports(text, findings, "python")
            facts.scan_dependencies(text, findings)
            facts.scan_env(text, findings)
        self._scan_commands(tree, findings, workers)

        version = None
        if manifests.version is not None:
            version, location = manifests.version
            findings.fact("language_version", version, "python.version", location)
        if manifests.build_tool is not None:
            findings.fact("build_tool", manifests.build_tool, "python.build_tool", None, 0.8)
        app_type = self._app_type(tree, framework, workers)
        extras = {"worker": workers[0]} if workers and framework else {}
        main = framework or (workers[0] if workers else None)
        return findings.report(
            confidence=self._confidence(bool(manifests.files), main, len(texts)),
            framework=main,
            language_version=version,
            build_tool=manifests.build_tool,
            app_type=app_type,
            extras=extras,
        )

    def _scan_commands(self, tree: SourceTree, findings: Findings, workers: list[str]) -> None:
        for path in tree.paths:
            base = path.rsplit("/", 1)[-1]
            if (base != "Procfile" and not base.endswith(".sh")) or is_skipped(path):
                continue
            text = tree.texts.get(path)
            if text is None:
                continue
            source = Text(path, text, "text")
            for match in _COMMAND.finditer(source.code):
                command = match.group()
                tool = _command_tool(command)
                loc = source.loc(match.start())
                for expr in command_exprs(("/bin/sh", "-c", command), loc):
                    findings.listen(expr)  # scripts and Procfiles run under a shell
                if tool == "celery":
                    if "celery" not in workers:
                        workers.append("celery")
                        findings.fact("framework", "celery", "python.command.celery", loc, 0.7)
                    continue
                explicit = (
                    _PORT_FLAG.search(command)
                    or _BIND_FLAG.search(command)
                    or _RUNSERVER_PORT.search(command)
                )
                if explicit:
                    findings.port(explicit.group(1), loc, f"python.command.{tool}", 0.9)
                elif not _DYNAMIC_PORT.search(command) and tool in _COMMAND_DEFAULTS:
                    rule = f"python.command.{tool}.default_port"
                    findings.port(_COMMAND_DEFAULTS[tool], loc, rule, 0.6)

    @staticmethod
    def _app_type(tree: SourceTree, framework: str | None, workers: list[str]) -> str | None:
        if framework in _API_FRAMEWORKS:
            return "api"
        if framework == "django":
            return "web"
        if framework == "flask":
            templates = any(p.startswith("templates/") or "/templates/" in p for p in tree.paths)
            return "web" if templates else "api"
        return "worker" if workers else None

    @staticmethod
    def _confidence(manifests: bool, framework: str | None, sources: int) -> float:
        if manifests and framework:
            return 0.9
        if framework:
            return 0.75
        if manifests:
            return 0.6
        return 0.3 if sources else 0.1


ANALYZER = PythonAnalyzer()
