"""Dotenv syntax for .env and env_file."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose.dotenv import parse_dotenv
from dorgu.analysis.compose.notes import Notes
from dorgu.errors import ParseError


def _values(text: str, **environment: str) -> dict[str, str | None]:
    entries = parse_dotenv(text, file=".env", notes=Notes(), lookup=environment.get)
    return {entry.name: entry.value for entry in entries}


def test_comments_blank_lines_and_export_prefix() -> None:
    text = "# a comment\n\nexport A=1\nB=2 # trailing comment\nC=x#not-a-comment\n"
    assert _values(text) == {"A": "1", "B": "2", "C": "x#not-a-comment"}


def test_single_quotes_are_literal() -> None:
    assert _values("A='x $B \\n y'\n", B="b") == {"A": "x $B \\n y"}


def test_double_quotes_process_escapes_and_interpolation() -> None:
    assert _values('A="line1\\nline2 \\"q\\" ${B}"\n', B="b") == {"A": 'line1\nline2 "q" b'}


def test_multi_line_quoted_values() -> None:
    text = 'KEY="-----BEGIN\nabc\n-----END"\nNEXT=1\n'
    assert _values(text) == {"KEY": "-----BEGIN\nabc\n-----END", "NEXT": "1"}


def test_empty_value_and_bare_key() -> None:
    assert _values("EMPTY=\nBARE\n") == {"EMPTY": "", "BARE": None}


def test_later_entries_see_earlier_ones() -> None:
    assert _values("HOST=db\nURL=postgres://${HOST}:5432\n") == {
        "HOST": "db",
        "URL": "postgres://db:5432",
    }


def test_spaces_around_equals_are_allowed() -> None:
    assert _values("A = value\n") == {"A": "value"}


def test_entries_carry_their_line_numbers() -> None:
    entries = parse_dotenv("# c\nA=1\n\nB='x\ny'\nC=3\n", file=".env", notes=Notes())
    assert [(e.name, e.line) for e in entries] == [("A", 2), ("B", 4), ("C", 6)]


def test_invalid_line_is_skipped_with_diagnostic() -> None:
    notes = Notes()
    entries = parse_dotenv("1BAD=x\nGOOD=y\n", file=".env", notes=notes)
    assert [e.name for e in entries] == ["GOOD"]
    (diagnostic,) = notes.items()
    assert diagnostic.code == "compose.env-syntax"
    assert str(diagnostic.location) == ".env:1"


def test_unterminated_quote_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unterminated"):
        parse_dotenv('A="open\nB=1\n', file=".env", notes=Notes())


def test_windows_line_endings() -> None:
    assert _values("A=1\r\nB=2\r\n") == {"A": "1", "B": "2"}
