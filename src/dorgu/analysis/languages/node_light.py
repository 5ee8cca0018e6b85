"""Node facts for lighter servers and non-server roles: Hapi's ``server({ port })``, Fastify's
default port (3000) when ``listen`` names none, and k6 load-test scripts (a load generator: a
worker, never an API).

Must not: open files or raise.
"""

from __future__ import annotations

from dorgu.analysis.languages.scanning import Text
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.models.patterns import LazyPattern

FASTIFY_DEFAULT_PORT = 3000
_HAPI_PORT = LazyPattern(
    r"""\b(?:Hapi\.)?[sS]erver\(\s*\{[^{}]{0,300}?\bport\s*:\s*['"]?(\d{2,5})\b"""
)
_FASTIFY_LISTEN = LazyPattern(r"\.listen\(\s*(?:\{[^{}]{0,300}\}\s*)?[,)]")
_K6 = LazyPattern(
    r"""\bfrom\s+['"]k6(?:/[\w/-]{1,50})?['"]|\brequire\(\s*['"]k6(?:/[\w/-]{1,50})?['"]\s*\)"""
)


def scan_light_ports(text: Text, findings: Findings, framework: str | None) -> None:
    code = text.code
    if framework == "hapi" and "erver(" in code:
        for match in _HAPI_PORT.finditer(code):
            findings.port(match.group(1), text.loc(match.start()), "node.hapi.server_port", 0.85)
    if framework == "fastify" and ".listen(" in code:
        for match in _FASTIFY_LISTEN.finditer(code):
            if "port" not in match.group():
                rule = "node.fastify.default_port"
                findings.port(FASTIFY_DEFAULT_PORT, text.loc(match.start()), rule, 0.5)


def k6_script(texts: list[Text], findings: Findings) -> bool:
    """True (with evidence) when a script imports k6: the component generates load."""
    for text in texts:
        match = _K6.search(text.code) if "k6" in text.code else None
        if match:
            findings.fact("framework", "k6", "node.k6.import", text.loc(match.start()), 0.85)
            return True
    return False
