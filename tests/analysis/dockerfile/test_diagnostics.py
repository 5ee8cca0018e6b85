"""Non-fatal problems become diagnostics; fatal ones raise ParseError / LimitExceededError."""

from __future__ import annotations

import pytest

from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.dockerfile.lexing import MAX_INSTRUCTIONS
from dorgu.analysis.dockerfile.parsing import MAX_BYTES
from dorgu.errors import InputError, LimitExceededError, ParseError
from dorgu.models.evidence import Severity


def test_unknown_instruction_is_a_diagnostic_with_location() -> None:
    info = parse_dockerfile("FROM a\nFROB something\n", file="svc/Dockerfile")
    diagnostic = next(d for d in info.diagnostics if d.code == "dockerfile.unknown-instruction")
    assert "FROB" in diagnostic.message
    assert diagnostic.location is not None
    assert (diagnostic.location.file, diagnostic.location.line) == ("svc/Dockerfile", 2)
    assert str(diagnostic).startswith("svc/Dockerfile:2: warning:")


def test_maintainer_is_deprecated() -> None:
    info = parse_dockerfile('FROM a\nMAINTAINER Jane <jane@example.com>\nCMD ["x"]\n')
    assert "dockerfile.maintainer-deprecated" in {d.code for d in info.diagnostics}


def test_missing_cmd_and_entrypoint_is_an_info() -> None:
    info = parse_dockerfile("FROM nginx\n")
    diagnostic = next(d for d in info.diagnostics if d.code == "dockerfile.no-command")
    assert diagnostic.severity is Severity.INFO


def test_instructions_before_from_are_reported() -> None:
    info = parse_dockerfile("ENV A=1\nARG B=2\nFROM a\n")
    assert "dockerfile.instruction-before-from" in {d.code for d in info.diagnostics}
    assert info.env == ()


def test_unknown_flags_are_reported() -> None:
    info = parse_dockerfile("FROM --plaftorm=linux/amd64 a\nCOPY --frm=x a b\n")
    assert [d.code for d in info.diagnostics].count("dockerfile.unknown-flag") == 2


def test_unterminated_quotes_and_bad_substitutions_are_reported() -> None:
    info = parse_dockerfile('FROM a\nENV A="open B=${oops\n')
    assert "dockerfile.substitution" in {d.code for d in info.diagnostics}


def test_diagnostics_are_sorted_by_line() -> None:
    info = parse_dockerfile("FROM a\nFOO\nEXPOSE x\nBAR\n", build_args={"Z": "1"})
    lines = [d.location.line for d in info.diagnostics if d.location and d.location.line]
    assert lines == sorted(lines)
    assert info.diagnostics[-1].code == "dockerfile.unused-build-arg"


def test_no_from_is_fatal() -> None:
    with pytest.raises(ParseError, match="no FROM instruction") as caught:
        parse_dockerfile("# just a comment\nARG A=1\nRUN echo hi\n", file="Dockerfile.x")
    assert caught.value.file == "Dockerfile.x"
    assert caught.value.hint


def test_empty_text_is_fatal() -> None:
    with pytest.raises(ParseError):
        parse_dockerfile("")


def test_from_without_image_is_fatal() -> None:
    with pytest.raises(ParseError, match="FROM requires an image") as caught:
        parse_dockerfile("FROM alpine\nFROM --platform=linux/amd64\n")
    assert caught.value.line == 2


def test_parse_errors_are_input_errors_with_exit_code_3() -> None:
    with pytest.raises(InputError) as caught:
        parse_dockerfile("RUN x\n")
    assert caught.value.exit_code == 3


def test_text_over_one_mebibyte_is_refused() -> None:
    with pytest.raises(LimitExceededError, match="larger than"):
        parse_dockerfile("FROM a\n" + "#" * MAX_BYTES)


def test_multibyte_text_is_measured_in_bytes() -> None:
    with pytest.raises(LimitExceededError):
        parse_dockerfile("FROM a\n# " + "é" * (MAX_BYTES // 2 + 1))


def test_too_many_instructions_are_refused() -> None:
    text = "FROM a\n" + "RUN x\n" * MAX_INSTRUCTIONS
    with pytest.raises(LimitExceededError, match="instructions"):
        parse_dockerfile(text)


def test_exactly_the_instruction_limit_is_accepted() -> None:
    text = "FROM a\n" + "RUN x\n" * (MAX_INSTRUCTIONS - 1)
    assert parse_dockerfile(text).final_stage.index == 0


def test_lone_surrogates_do_not_break_serialisation() -> None:
    info = parse_dockerfile('FROM a\nCMD ["\\ud800"]\nLABEL x="\ud800"\n')
    assert info.cmd == ("?",)
    info.model_dump_json()


def test_result_is_frozen_and_deterministic() -> None:
    text = "FROM a\nENV B=1 A=2\nEXPOSE 90 80\nLABEL z=1 y=2\n"
    first, second = parse_dockerfile(text), parse_dockerfile(text)
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()
    with pytest.raises(ValueError, match="frozen"):
        first.workdir = "/x"  # type: ignore[misc]
