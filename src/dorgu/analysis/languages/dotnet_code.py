"""What ASP.NET Core C# code declares: routes, health/metrics endpoints and listen ports.

Minimal APIs (``app.MapGet``, ``MapGroup`` prefixes held in variables, chained or passed to
``this RouteGroupBuilder`` extension methods) and attribute-routed controllers (``[Route]`` +
``[HttpGet]`` with ``[controller]``/``[action]`` tokens).  Paths come only from string literals.
Must not: open files or read the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dorgu.analysis.languages.listen_exprs import scan_env_ports
from dorgu.analysis.languages.scanning import Text, call_args, split_top_level
from dorgu.analysis.languages.scanning_findings import Findings, endpoint_kind
from dorgu.analysis.routes import join_paths
from dorgu.models.app import EndpointKind, RouteParam
from dorgu.models.patterns import LazyPattern

_STR = r'@?"((?:[^"\\\n]|\\.)*)"'
_MAP_VERB = LazyPattern(
    r"(?:\b(\w+)|\))\s*\.\s*Map(Get|Post|Put|Delete|Patch|Methods)\s*\(\s*" + _STR
)
_GROUP_VAR = LazyPattern(r"\b(\w+)\s*=\s*(\w+)\s*\.\s*MapGroup\s*\(\s*" + _STR)
_GROUP_CHAIN = LazyPattern(r"MapGroup\s*\(\s*" + _STR + r"\s*\)((?:\s*\.\s*\w+\s*\([^()]*\))*)")
_CHAINED_CALL = LazyPattern(r"\.\s*(\w+)\s*\(")
_EXTENSION = LazyPattern(
    r"\bstatic\s+[\w<>.?]+\s+(\w+)\s*\(\s*this\s+(?:RouteGroupBuilder|IEndpointRouteBuilder|"
    r"WebApplication)\s+(\w+)"
)
_HEALTH = LazyPattern(r"\b(?:Map|Use)HealthChecks\s*\(\s*" + _STR)
_METRICS = LazyPattern(
    r"\b(MapMetrics|MapPrometheusScrapingEndpoint|UseMetricServer)\s*\(([^()\n]*)\)"
)
_METRIC_SERVER = LazyPattern(r"\bnew\s+(?:Kestrel)?MetricServer\s*\(\s*(?:port\s*:\s*)?(\d{2,5})")
_LISTEN = LazyPattern(
    r"\b(?:ListenAnyIP|ListenLocalhost)\s*\(\s*(\d{2,5})|\bListen\s*\(\s*IPAddress\.\w+\s*,\s*(\d{2,5})"
)
_URL_CALL = LazyPattern(r"\b(?:UseUrls|Run|Urls\.Add)\s*\(\s*" + _STR)
_URL_PORT = LazyPattern(r"^https?://[^/:;]+:(\d{2,5})")
_VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
_ATTR_LINE = LazyPattern(r"(?m)^[ \t]*\[")
_ATTR = LazyPattern(r"^\s*([A-Za-z_][\w.]*)\s*(?:\((.*)\))?\s*$", re.S)
_DECL = LazyPattern(
    r"\s*(?:(?:public|internal|private|protected|sealed|abstract|static|partial)\s+)*"
    r"(class|record|struct)\s+[A-Za-z_]\w*"
)
_CLASS = LazyPattern(r"\b(?:class|record|struct)\s+([A-Za-z_]\w*)")
_STRING = LazyPattern(_STR)
_FROM_QUERY = LazyPattern(r"\[\s*FromQuery\s*(?:\(\s*Name\s*=\s*" + _STR + r"\s*\))?\s*\]")


def _strings(args: str | None) -> list[str]:
    return [m.group(1) for m in _STRING.finditer(args or "")]


def _template(path: str) -> str:
    """ASP.NET route template -> plain ``{name}`` segments (``{*slug}``, ``{id?}``, ``{x=1}``)."""
    path = re.sub(r"\{\*{1,2}", "{", path)
    return re.sub(r"\{([A-Za-z_]\w*)[^{}/]*\}", r"{\1}", path)


def scan_sources(files: Iterable[tuple[str, str]], findings: Findings) -> None:
    texts = [Text(path, raw, "js") for path, raw in files]
    extension_prefix: dict[str, str] = {}
    for text in texts:
        if "MapGroup" in text.code:
            for m in _GROUP_CHAIN.finditer(text.code):
                for call in _CHAINED_CALL.findall(m.group(2)):
                    extension_prefix.setdefault(call, m.group(1))
    for text in texts:
        if "Map" in text.code:
            _minimal_apis(text, findings, extension_prefix)
        if "[Http" in text.code or "[Route" in text.code or "AcceptVerbs" in text.code:
            _controllers(text, findings)
        _operations(text, findings)
        scan_env_ports(text, findings, "csharp")


def _minimal_apis(text: Text, findings: Findings, extension_prefix: dict[str, str]) -> None:
    code = text.code
    groups = {m.group(1): (m.group(2), m.group(3)) for m in _GROUP_VAR.finditer(code)}
    params = {m.group(2): extension_prefix.get(m.group(1), "") for m in _EXTENSION.finditer(code)}

    def prefix(var: str | None, depth: int = 0) -> str:
        if var is None or depth > 16:
            return ""
        if var in groups:
            parent, path = groups[var]
            return join_paths(prefix(parent, depth + 1), path)
        return params.get(var, "")

    for m in _MAP_VERB.finditer(code):
        if m.group(1) is None:  # chained: ...MapGroup("/x").MapGet(...)
            before = code[max(0, m.start() - 300) : m.start() + 1]
            chain = list(re.finditer(r"MapGroup\s*\(\s*" + _STR + r"\s*\)$", before))
            base = chain[-1].group(1) if chain else ""
        else:
            base = prefix(m.group(1))
        path = join_paths(base, _template(m.group(3)))
        verbs = [m.group(2).upper()]
        if verbs == ["METHODS"]:
            rest = call_args(code, code.index("(", m.start(2)))
            verbs = [v.upper() for v in _strings(rest)[1:] if v.upper() in _VERBS]
        for verb in verbs:
            findings.route(verb, path, text.loc(m.start(2)), "dotnet.minimal-api")


def _attributes(code: str, start: int) -> tuple[list[tuple[str, str | None]], int]:
    """Consecutive ``[...]`` attribute lists at ``start``: [(name, args)], end offset."""
    found: list[tuple[str, str | None]] = []
    pos = start
    while True:
        while pos < len(code) and code[pos] in " \t\r\n":
            pos += 1
        if pos >= len(code) or code[pos] != "[":
            return found, pos
        depth, end = 0, None
        for i in range(pos, min(len(code), pos + 4000)):
            if code[i] == "[":
                depth += 1
            elif code[i] == "]":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end is None:
            return found, pos
        for part in split_top_level(code[pos + 1 : end]):
            match = _ATTR.match(part)
            if match:
                found.append(
                    (match.group(1).rsplit(".", 1)[-1].removesuffix("Attribute"), match.group(2))
                )
        pos = end + 1


def _controllers(text: Text, findings: Findings) -> None:
    code = text.code
    class_starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(code)]
    prefixes: dict[int, list[str]] = {}
    seen_end = -1
    for m in _ATTR_LINE.finditer(code):
        if m.end() - 1 < seen_end:
            continue
        attrs, end = _attributes(code, m.end() - 1)
        seen_end = end
        decl = _DECL.match(code, end)
        if decl is not None:
            class_routes = [a for n, a in attrs if n == "Route"]
            prefixes[decl.start(1)] = [s for a in class_routes for s in _strings(a)] or [""]
            continue
        verbs: list[tuple[str, list[str]]] = []
        for name, args in attrs:
            if name.startswith("Http") and name[4:].upper() in _VERBS:
                verbs.append((name[4:].upper(), _strings(args)[:1]))
            elif name == "AcceptVerbs":
                verbs += [(v.upper(), []) for v in _strings(args) if v.upper() in _VERBS]
        routes = [s for n, a in attrs if n == "Route" for s in _strings(a)[:1]]
        if not verbs and routes:
            verbs = [("ANY", [])]
        if not verbs:
            continue
        owner = max(((s, n) for s, n in class_starts if s < m.start()), default=None)
        if owner is None:
            continue
        controller = owner[1].removesuffix("Controller").lower()
        paren = code.find("(", end, end + 600)
        action = re.findall(r"(\w+)\s*$", code[end:paren]) if paren > 0 else []
        action_name = action[0].removesuffix("Async").lower() if action else ""
        query = _query_params(code, paren)
        for verb, own in verbs:
            for template in own or routes or [""]:
                bases = [""] if template.startswith(("/", "~/")) else prefixes.get(owner[0], [""])
                for base in bases:
                    path = join_paths(base, template.removeprefix("~"))
                    if "[area]" in path:
                        continue
                    path = path.replace("[controller]", controller).replace("[action]", action_name)
                    findings.route(
                        verb,
                        _template(path),
                        text.loc(m.end() - 1),
                        "dotnet.controller",
                        query=query,
                    )


def _query_params(code: str, paren: int) -> tuple[RouteParam, ...]:
    args = call_args(code, paren) if paren >= 0 else None
    if not args:
        return ()
    params: list[RouteParam] = []
    for part in split_top_level(args):
        attr = _FROM_QUERY.search(part)
        if attr is None:
            continue
        rest = part[attr.end() :].split("=")[0].strip()
        words = rest.split()
        name = attr.group(1) or (words[-1] if words else "")
        if re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            optional = "?" in rest or "=" in part[attr.end() :]
            params.append(RouteParam(name=name, location="query", required=not optional))
    return tuple(params)


def _operations(text: Text, findings: Findings) -> None:
    code = text.code
    for m in _HEALTH.finditer(code):
        path = m.group(1)
        kind = endpoint_kind(path) or EndpointKind.HEALTH
        findings.endpoint(kind, path, text.loc(m.start()), "dotnet.health-checks")
    for m in _METRICS.finditer(code):
        given = _strings(m.group(2))
        port = (
            re.search(r"(?:port\s*:\s*)?\b(\d{2,5})\b", m.group(2))
            if m.group(1) == "UseMetricServer"
            else None
        )
        number = int(port.group(1)) if port else None
        findings.endpoint(
            EndpointKind.METRICS,
            given[0] if given else "/metrics",
            text.loc(m.start()),
            f"dotnet.{m.group(1)}",
            port=number,
        )
        if number:
            findings.port(
                number, text.loc(m.start()), "dotnet.metric-server", 0.8, purpose="metrics"
            )
    for m in _METRIC_SERVER.finditer(code):
        findings.endpoint(
            EndpointKind.METRICS,
            "/metrics",
            text.loc(m.start()),
            "dotnet.metric-server",
            port=int(m.group(1)),
        )
        findings.port(
            m.group(1), text.loc(m.start()), "dotnet.metric-server", 0.8, purpose="metrics"
        )
    for m in _LISTEN.finditer(code):
        findings.port(m.group(1) or m.group(2), text.loc(m.start()), "dotnet.kestrel-listen", 0.85)
    for m in _URL_CALL.finditer(code):
        for url in m.group(1).split(";"):
            port = _URL_PORT.match(url.strip().replace("*", "0.0.0.0").replace("+", "0.0.0.0"))
            if port:
                findings.port(port.group(1), text.loc(m.start()), "dotnet.use-urls", 0.85)
