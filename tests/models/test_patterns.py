"""``LazyPattern``: a module-level regular expression compiled on first use, matching exactly as
``re.compile`` would (issue 10, section 11: importing a module pays only for what a run uses)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from dorgu.models.patterns import LazyPattern

_TEXT = "GET /orders/42 and POST /users/7\nport=8080"


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [(r"(?P<verb>GET|POST) (/\w+)/(\d+)", 0), (r"^port=(\d+)$", re.M), (r"o", re.I), (r"\s+", 0)],
)
def test_every_method_answers_as_the_compiled_pattern(pattern: str, flags: int) -> None:
    lazy, compiled = LazyPattern(pattern, flags), re.compile(pattern, flags)

    def spans(m: re.Match[str] | None) -> object:
        return None if m is None else (m.span(), m.groups())

    assert spans(lazy.search(_TEXT)) == spans(compiled.search(_TEXT))
    assert spans(lazy.search(_TEXT, 5)) == spans(compiled.search(_TEXT, 5))
    assert spans(lazy.match(_TEXT)) == spans(compiled.match(_TEXT))
    assert spans(lazy.fullmatch("port=1")) == spans(compiled.fullmatch("port=1"))
    assert [spans(m) for m in lazy.finditer(_TEXT)] == [spans(m) for m in compiled.finditer(_TEXT)]
    assert lazy.findall(_TEXT) == compiled.findall(_TEXT)
    assert lazy.split(_TEXT, 2) == compiled.split(_TEXT, 2)
    assert lazy.sub("<>", _TEXT) == compiled.sub("<>", _TEXT)
    assert lazy.subn(lambda m: m.group(0).upper(), _TEXT, 1) == compiled.subn(
        lambda m: m.group(0).upper(), _TEXT, 1
    )
    assert (lazy.pattern, lazy.flags, lazy.groups, dict(lazy.groupindex)) == (
        compiled.pattern,
        compiled.flags,
        compiled.groups,
        dict(compiled.groupindex),
    )


def test_a_bad_pattern_fails_when_first_used() -> None:
    lazy = LazyPattern(r"(unclosed")
    with pytest.raises(re.error):
        lazy.search("x")


def test_importing_the_generate_path_compiles_no_dorgu_pattern() -> None:
    """Patterns are compiled by the run that matches with them, never by an import."""
    probe = (
        "import re, sys\n"
        "seen = []\n"
        "real = re.compile\n"
        "def spy(pattern, flags=0):\n"
        "    seen.append(sys._getframe(1).f_globals.get('__name__', '?'))\n"
        "    return real(pattern, flags)\n"
        "re.compile = spy\n"
        "import dorgu.cli.main, dorgu.cli.generate, dorgu.services.generating\n"
        "import dorgu.services.analyzing, dorgu.services.validating\n"
        "print(sorted({m for m in seen if m.startswith('dorgu')}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_after_the_first_match_calls_go_straight_to_the_compiled_pattern() -> None:
    lazy = LazyPattern(r"\d+")
    assert lazy.search("a1") is not None
    # no wrapper left on the hot path: the methods are the compiled pattern's own
    for method in ("match", "fullmatch", "search", "finditer", "findall", "split", "sub", "subn"):
        assert getattr(lazy, method).__self__ is lazy.compiled
    assert lazy.findall("1 22 333") == ["1", "22", "333"]
