"""Directives, comments, continuations and heredocs."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.errors import ParseError


def codes(info: object) -> set[str]:
    return {d.code for d in info.diagnostics}  # type: ignore[attr-defined]


def test_syntax_and_escape_directives_are_read_from_the_top() -> None:
    info = parse_dockerfile("# syntax=docker/dockerfile:1.7\n# escape=`\nFROM alpine\n")
    assert dict(info.directives) == {"syntax": "docker/dockerfile:1.7", "escape": "`"}
    assert info.escape == "`"


def test_directive_after_a_comment_is_just_a_comment() -> None:
    info = parse_dockerfile("# hello\n# escape=`\nFROM alpine\n")
    assert info.escape == "\\"
    assert info.directives == ()


def test_directive_after_an_empty_line_is_ignored() -> None:
    info = parse_dockerfile("\n# escape=`\nFROM alpine\n")
    assert info.escape == "\\"


def test_unknown_directive_ends_directive_parsing() -> None:
    info = parse_dockerfile("# foo=bar\n# escape=`\nFROM alpine\n")
    assert info.escape == "\\"


def test_directive_names_are_case_insensitive() -> None:
    info = parse_dockerfile("# ESCAPE = `\nFROM alpine\n")
    assert info.escape == "`"


def test_invalid_escape_token_is_fatal() -> None:
    with pytest.raises(ParseError, match="invalid escape token") as caught:
        parse_dockerfile("# escape=x\nFROM alpine\n", file="app/Dockerfile")
    assert caught.value.file == "app/Dockerfile"
    assert caught.value.line == 1


def test_duplicate_escape_directive_is_fatal() -> None:
    with pytest.raises(ParseError, match="only one escape"):
        parse_dockerfile("# escape=`\n# escape=\\\nFROM alpine\n")


def test_instruction_names_are_case_insensitive() -> None:
    info = parse_dockerfile("from alpine\nexpose 80\nEnV A=1\n")
    assert [p.number for p in info.ports] == [80]
    assert info.env_value("A") == "1"


def test_continuation_joins_lines_and_keeps_line_of_first() -> None:
    text = "FROM alpine\nENV A=1 \\\n    B=2 \\\n    C=3\nEXPOSE 80\n"
    info = parse_dockerfile(text)
    assert [(e.name, e.value) for e in info.env] == [("A", "1"), ("B", "2"), ("C", "3")]
    assert info.env[2].location is not None
    assert info.env[2].location.line == 2
    assert info.ports[0].location is not None
    assert info.ports[0].location.line == 5


def test_comment_lines_inside_a_continuation_are_skipped() -> None:
    text = "FROM alpine\nENV A=1 \\\n# a comment \\\n    # indented comment\n    B=2\n"
    info = parse_dockerfile(text)
    assert info.env_value("B") == "2"


def test_empty_line_inside_a_continuation_is_skipped_with_a_warning() -> None:
    text = "FROM alpine\nENV A=1 \\\n\n    B=2\n"
    info = parse_dockerfile(text)
    assert info.env_value("B") == "2"
    assert "dockerfile.empty-continuation" in codes(info)


def test_hash_in_the_middle_of_a_line_is_not_a_comment() -> None:
    info = parse_dockerfile('FROM alpine\nLABEL a="x # y"\n')
    assert info.labels == (("a", "x # y"),)


def test_crlf_line_endings_and_byte_order_mark() -> None:
    info = parse_dockerfile("\ufeffFROM alpine\r\nEXPOSE 80\r\nENV A=1 \\\r\n B=2\r\n")
    assert [p.number for p in info.ports] == [80]
    assert info.env_value("B") == "2"


def test_backtick_escape_continues_lines_and_keeps_backslashes() -> None:
    text = (
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore\n"
        "WORKDIR C:\\app\nENV A=1 `\n    B=2\n"
    )
    info = parse_dockerfile(text)
    assert info.workdir == "C:\\app"
    assert info.env_value("B") == "2"


def test_run_heredoc_body_is_not_parsed_as_instructions() -> None:
    text = "FROM alpine\nRUN <<EOF\nEXPOSE 9999\nUSER root\nEOF\nEXPOSE 80\n"
    info = parse_dockerfile(text)
    assert [p.number for p in info.ports] == [80]
    assert info.user is None


def test_multiple_heredocs_on_one_line() -> None:
    text = (
        "FROM alpine\n"
        "COPY <<robots.txt <<humans.txt /usr/share/nginx/html/\n"
        "User-agent: *\nrobots.txt\n"
        "EXPOSE 1\nhumans.txt\n"
        "EXPOSE 8080\n"
    )
    info = parse_dockerfile(text)
    assert [p.number for p in info.ports] == [8080]


def test_heredoc_with_dash_strips_tabs_from_terminator() -> None:
    text = "FROM alpine\nRUN <<-EOF\n\techo hi\n\tEOF\nEXPOSE 80\n"
    info = parse_dockerfile(text)
    assert [p.number for p in info.ports] == [80]


def test_heredoc_without_dash_needs_exact_terminator() -> None:
    with pytest.raises(ParseError, match="unterminated heredoc"):
        parse_dockerfile("FROM alpine\nRUN <<EOF\n\techo hi\n\tEOF\n")


def test_quoted_heredoc_delimiters() -> None:
    text = (
        "FROM python:3.12\nRUN python3 <<'PY' > /out\nprint('$HOME')\nPY\n"
        'RUN <<"END"\nx\nEND\nEXPOSE 80\n'
    )
    info = parse_dockerfile(text)
    assert [p.number for p in info.ports] == [80]


def test_unterminated_heredoc_is_fatal_with_location() -> None:
    with pytest.raises(ParseError, match="unterminated heredoc 'EOF'") as caught:
        parse_dockerfile("FROM alpine\nRUN <<EOF\necho hi\n", file="Dockerfile.dev")
    assert caught.value.line == 2
    assert caught.value.hint is not None


def test_heredoc_markers_are_only_recognised_for_run_copy_add() -> None:
    info = parse_dockerfile('FROM alpine\nCMD cat <<EOF\nEXPOSE 80\nRUN echo "<<EOF"\nEXPOSE 81\n')
    assert [p.number for p in info.ports] == [80, 81]


def test_quoted_heredoc_marker_in_exec_form_is_not_a_heredoc() -> None:
    info = parse_dockerfile('FROM alpine\nRUN ["echo", "<<EOF"]\nEXPOSE 80\n')
    assert [p.number for p in info.ports] == [80]
