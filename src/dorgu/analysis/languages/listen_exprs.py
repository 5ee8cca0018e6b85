"""Capturing port expressions in source code: the variables read, the defaults, in order.

For each language a pattern finds environment reads (``os.environ.get("PORT", 8080)``,
``process.env.PORT``, ``os.Getenv("PORT")``, ``ENV.fetch("PORT")``, ``std::env::var("PORT")``,
``getenv('PORT')``, ``System.get_env("PORT")``); the expression is the read plus what
coalesces with it (``|| 3000``, ``?? 3000``, ``or 5000``, ``{ 3000 }``, ``.unwrap_or(8080)``,
``?: 8080``), bounded to one statement.  Its chain lists the variables and literal ports in
the order they are tried; conversions (``int()``, ``Number()``, ``parseInt(x, 10)``,
``.parse()``) are looked through.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import re

from dorgu.analysis.languages.scanning import Text, has_any, port_purpose
from dorgu.analysis.languages.scanning_findings import Findings
from dorgu.analysis.listening.expressions import ListenExpr, Ref, env, literal, make_expr
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

MAX_SEGMENT = 300
MAX_READS_PER_FILE = 64

ENV_READS: dict[str, Pattern] = {
    "python": LazyPattern(
        r"""\bos\.(?:environ\.get|getenv)\(\s*["'](\w{1,128})["']"""
        r"""|\bos\.environ\[\s*["'](\w{1,128})["']\s*\]"""
        r"""|\benv(?:\.int|\.str)?\(\s*["']([A-Z]\w{0,127})["']"""
    ),
    "node": LazyPattern(
        r"""(?:\bprocess\.env|(?<![\w.$])env)(?:\.(\w{1,128})|\[\s*["'](\w{1,128})["']\s*\])"""
    ),
    "go": LazyPattern(r'\bos\.(?:Getenv|LookupEnv)\(\s*"(\w{1,128})"\s*\)'),
    "ruby": LazyPattern(
        r"""\bENV(?:\.fetch\(\s*["'](\w{1,128})["']|\[\s*["'](\w{1,128})["']\s*\])"""
    ),
    "rust": LazyPattern(r"""\benv::var(?:_os)?\(\s*"(\w{1,128})"\s*\)"""),
    "php": LazyPattern(
        r"""\b(?:getenv|env)\(\s*["'](\w{1,128})["']|\$_(?:ENV|SERVER)\[\s*["'](\w{1,128})["']\s*\]"""
    ),
    "csharp": LazyPattern(
        r"""\bEnvironment\.GetEnvironmentVariable\(\s*"(\w{1,128})"\s*\)"""
        r"""|\b[Cc]onfiguration\[\s*"(\w{1,128})"\s*\]"""
        r"""|\bGetValue<\w+>\(\s*"(\w{1,128})"\s*"""
    ),
    "elixir": LazyPattern(r"""\bSystem\.(?:get_env|fetch_env!?)\(\s*"(\w{1,128})"\s*"""),
}
_LITERAL = LazyPattern(r"""(?<![\w.$])(\d{2,5})(?![\w.])""")
_CONTINUE = LazyPattern(
    r"""(?:\s*,\s*\d{1,2})?(?:\s*\))*\s*(?:\|\||\?\?|\?:|\bor\b|\.unwrap_or(?:_else)?\b"""
    r"""|\.or\b|\.(?:parse|ok|map|and_then|to_i|to_string|unwrap_or_default)\b)"""
)
_OPEN, _CLOSE = "([{", ")]}"
_WRAPPER = LazyPattern(r"[\w.:]{1,30}\(\s*$")
_RADIX = LazyPattern(r",\s*(?:10|16|8|2)\s*\)")


def segment(code: str, start: int) -> str:
    """The statement fragment from ``start``: up to a top-level ``,``/``)``/``;``/newline that is
    not followed by a coalescing operator or conversion; at most ``MAX_SEGMENT`` characters."""
    depth = 0
    i = start
    end = min(len(code), start + MAX_SEGMENT)
    while i < end:
        char = code[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE or (char == "," and depth == 0):
            if depth > 0 and char != ",":
                depth -= 1
            elif depth == 0:
                follow = _CONTINUE.match(code, i, end)
                if follow is None:
                    return code[start:i]
                i = follow.end()
                continue
        elif char in ";\n" and depth == 0:
            follow = _CONTINUE.match(code, i + 1, end) if char == "\n" else None
            if follow is None:
                return code[start:i]
        i += 1
    return code[start:end]


def chain_of(text: str, language: str) -> list[Ref]:
    """Variables and literal ports of ``text`` in the order they appear."""
    pattern = ENV_READS[language]
    text = _RADIX.sub(lambda m: " " * len(m.group()), text)
    items: list[tuple[int, Ref]] = []
    taken: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        name = next((g for g in match.groups() if g), None)
        if name:
            items.append((match.start(), env(name)))
            taken.append(match.span())
    for match in _LITERAL.finditer(text):
        if not any(a <= match.start() < b for a, b in taken) and 1 <= int(match.group(1)) <= 65535:
            items.append((match.start(), literal(match.group(1))))
    return [ref for _, ref in sorted(items, key=lambda item: item[0])]


def expr_at(
    text: Text,
    start: int,
    language: str,
    rule: str,
    purpose: str = "http",
    confidence: float = 0.85,
) -> ListenExpr:
    fragment = segment(text.code, start)
    if fragment.count(")") > fragment.count("("):
        wrapper = _WRAPPER.search(text.code, max(0, start - 40), start)
        if wrapper is not None:
            fragment = text.code[wrapper.start() : start] + fragment
    return make_expr(
        fragment,
        chain_of(fragment, language),
        rule,
        text.loc(start),
        purpose=purpose,
        confidence=confidence,
        empty_is_unset=empty_is_unset(fragment),
    )


def empty_is_unset(fragment: str) -> bool:
    """False when an empty value is used as is (``??``, Python's ``environ.get``/``getenv``
    default, Ruby's ``fetch``): only ``||``, ``or`` and friends skip it."""
    coalesces = any(op in fragment for op in ("||", " or ", "?:", "unwrap_or"))
    keeps = any(op in fragment for op in ("??", "environ.get", "getenv", "fetch", "environ["))
    return coalesces or not keeps


def scan_env_ports(text: Text, findings: Findings, language: str) -> None:
    """Every read of a port-named variable (``PORT``, ``APP_PORT``, ``METRICS_PORT``, ...)."""
    code = text.code
    if not has_any(code, "PORT", "Port", "port"):
        return
    for count, match in enumerate(ENV_READS[language].finditer(code)):
        if count >= MAX_READS_PER_FILE:
            break
        name = next((g for g in match.groups() if g), "")
        purpose = port_purpose(name)
        if purpose is not None:
            rule = f"{language}.env.port_expr"
            findings.listen(expr_at(text, match.start(), language, rule, purpose))


MAX_ASSIGNMENTS = 4


def assigned(code: str, name: str, before: int) -> tuple[int, str] | None:
    """(offset of the first, right-hand sides joined) of the assignments ``name = ...`` /
    ``name := ...`` before ``before``: ``port := os.Getenv("PORT")`` then ``port = "8080"`` in
    an ``if port == ""`` block read as one chain, the variable first."""
    pattern = re.compile(
        rf"(?:^|[\s;(])(?:const\s+|let\s+|var\s+)?{re.escape(name)}\s*(?::\s*[\w.\[\]]+\s*)?:?=(?!=)\s*"
    )
    found = [m.end() for m in pattern.finditer(code, max(0, before - 20_000), before)]
    if not found:
        return None
    found = found[-MAX_ASSIGNMENTS:]
    return found[0], " ;; ".join(segment(code, start) for start in found)


def argument_expr(
    text: Text, value: str, at: int, language: str, rule: str, location: Location | None
) -> ListenExpr | None:
    """The expression of a port argument: inline, or through one variable assignment."""
    value = value.strip()
    offset = at
    if re.fullmatch(r"[A-Za-z_]\w{0,63}", value):
        found = assigned(text.code, value, at)
        if found is None:
            return None
        offset, value = found
    chain = chain_of(value, language)
    if not any(r.kind.value == "env" for r in chain):
        return None
    where = text.loc(offset) if offset != at else location
    return make_expr(value, chain, rule, where, empty_is_unset=empty_is_unset(value))
