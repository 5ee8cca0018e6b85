"""Django URLconfs: ``path``/``re_path``/``url`` entries walked from ROOT_URLCONF through
``include()``, inline ``include([...])`` lists, DRF router registrations, and the health-check
and Prometheus apps they include.

Must not: open files or raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.analysis.languages.python_modules import ModuleIndex
from dorgu.analysis.languages.scanning import Text, call_args, split_top_level
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.routes import join_paths
from dorgu.models.app import EndpointKind
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_ENTRY = LazyPattern(r"\b(path|re_path|url)[ \t]*\(")
_STRING = LazyPattern(r"""^[rRuU]?(["'])([^"'\n]{0,300})\1$""")
_INCLUDE_MODULE = LazyPattern(r"""^include\(\s*\(?\s*[rRuU]?["']([\w.]{1,200})["']""")
_INCLUDE_LIST = LazyPattern(r"^include\(\s*\[")
_INCLUDE_EXPR = LazyPattern(r"^include\(\s*(\w+)\.urls\s*\)$")
_URLS_EXPR = LazyPattern(r"^(\w+)\.urls$")
_ROOT = LazyPattern(r"""\bROOT_URLCONF\s*=\s*["']([\w.]{1,200})["']""")
_REGISTER = LazyPattern(r"""\b(\w+)\.register[ \t]*\(\s*[rRuU]?["']([^"'\n]{0,200})["']""")
_URLS_PLUS = LazyPattern(r"\burlpatterns\s*\+=\s*(\w+)\.urls\b")
_ANCHORS = LazyPattern(r"^\^|\$$")
_APPS = {
    "health_check.urls": (EndpointKind.HEALTH, ""),
    "django_prometheus.urls": (EndpointKind.METRICS, "metrics"),
}


@dataclass
class _Entry:
    raw: str
    kind: str  # view | module | router
    target: str
    location: Location


@dataclass
class _Conf:
    entries: list[_Entry] = field(default_factory=list)
    registers: dict[str, list[tuple[str, Location]]] = field(default_factory=dict)
    plus: list[tuple[str, Location]] = field(default_factory=list)


def _clean(raw: str) -> str:
    return _ANCHORS.sub("", raw)


def _parse(text: Text) -> _Conf:
    conf = _Conf()
    inline: list[tuple[int, int, str]] = []  # include([...]) ranges and their prefix
    for match in _ENTRY.finditer(text.code):
        args = call_args(text.code, match.end() - 1)
        parts = split_top_level(args) if args else []
        first = _STRING.match(parts[0]) if parts else None
        if first is None:
            continue
        start = match.start()
        outer = "".join(p for s, e, p in inline if s < start < e)
        raw = join_paths(outer, _clean(first.group(2))) if outer else _clean(first.group(2))
        second = parts[1] if len(parts) > 1 else ""
        loc = text.loc(start)
        if _INCLUDE_LIST.match(second):
            end = match.end() + len(args or "")
            inline.append((start, end, join_paths(outer, _clean(first.group(2)))))
            continue
        module = _INCLUDE_MODULE.match(second)
        router = _INCLUDE_EXPR.match(second) or _URLS_EXPR.match(second)
        if module:
            conf.entries.append(_Entry(raw, "module", module.group(1), loc))
        elif router and not second.startswith("admin."):
            conf.entries.append(_Entry(raw, "router", router.group(1), loc))
        else:
            conf.entries.append(_Entry(raw, "view", "", loc))
    for match in _REGISTER.finditer(text.code) if ".register(" in text.code else ():
        conf.registers.setdefault(match.group(1), []).append(
            (_clean(match.group(2)), text.loc(match.start()))
        )
    for match in _URLS_PLUS.finditer(text.code) if ".urls" in text.code else ():
        conf.plus.append((match.group(1), text.loc(match.start())))
    return conf


def _viewset_routes(
    findings: Findings, prefix: str, registered: list[tuple[str, Location]]
) -> None:
    for base, loc in registered:
        findings.route("ANY", join_paths(prefix, base), loc, "python.django.drf_router")
        findings.route("ANY", join_paths(prefix, base, "{pk}"), loc, "python.django.drf_router")


class _Walker:
    def __init__(self, confs: dict[str, _Conf], index: ModuleIndex, findings: Findings) -> None:
        self.confs = confs
        self.index = index
        self.findings = findings
        self.visited = 0

    def visit(self, path: str, prefix: str, chain: tuple[str, ...]) -> None:
        self.visited += 1
        conf = self.confs[path]
        if len(chain) > 12 or self.visited > 2000:
            return
        for entry in conf.entries:
            full = join_paths(prefix, entry.raw)
            if entry.kind == "view":
                self.findings.route("ANY", full, entry.location, "python.django.route")
            elif entry.kind == "router":
                _viewset_routes(self.findings, full, conf.registers.get(entry.target, []))
            else:
                target = self.index.find(entry.target)
                if target in self.confs and target not in chain:
                    self.visit(target, full, (*chain, target))
                elif entry.target in _APPS:
                    kind, suffix = _APPS[entry.target]
                    rule = f"python.django.{entry.target.split('.')[0]}"
                    self.findings.endpoint(kind, join_paths(full, suffix), entry.location, rule)
        for var, _ in conf.plus:
            _viewset_routes(self.findings, prefix, conf.registers.get(var, []))


def scan_django(texts: list[Text], index: ModuleIndex, findings: Findings) -> bool:
    """Add the routes of every URLconf reachable from the root; True if any URLconf exists."""
    confs = {t.path: _parse(t) for t in texts if "urlpatterns" in t.code}
    if not confs:
        return False
    roots: list[str] = []
    for text in texts:
        setting = _ROOT.search(text.code) if "ROOT_URLCONF" in text.code else None
        found = index.find(setting.group(1)) if setting else None
        if found in confs and found not in roots:
            roots.append(found)
    if not roots:
        included = {
            index.find(e.target) for c in confs.values() for e in c.entries if e.kind == "module"
        }
        roots = [p for p in confs if p not in included]
    walker = _Walker(confs, index, findings)
    for root in roots:
        walker.visit(root, "", (root,))
    return True
