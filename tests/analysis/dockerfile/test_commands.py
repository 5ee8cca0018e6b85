"""CMD, ENTRYPOINT, SHELL, WORKDIR, VOLUME and STOPSIGNAL."""

from __future__ import annotations

from dorgu.analysis.dockerfile import parse_dockerfile


def test_exec_form_cmd_and_entrypoint() -> None:
    info = parse_dockerfile('FROM a\nENTRYPOINT ["python", "-m"]\nCMD ["app", "--port", "80"]\n')
    assert info.entrypoint == ("python", "-m")
    assert info.cmd == ("app", "--port", "80")
    assert not info.entrypoint_shell_form
    assert not info.cmd_shell_form


def test_shell_form_is_wrapped_in_the_default_shell() -> None:
    info = parse_dockerfile("FROM a\nCMD gunicorn -b 0.0.0.0:8000 app:app\n")
    assert info.cmd == ("/bin/sh", "-c", "gunicorn -b 0.0.0.0:8000 app:app")
    assert info.cmd_shell_form
    assert "dockerfile.json-args-recommended" in {d.code for d in info.diagnostics}


def test_shell_instruction_changes_shell_form() -> None:
    text = 'FROM a\nSHELL ["powershell", "-Command"]\nENTRYPOINT Start-Service app\n'
    info = parse_dockerfile(text)
    assert info.shell == ("powershell", "-Command")
    assert info.entrypoint == ("powershell", "-Command", "Start-Service app")
    assert info.entrypoint_shell_form


def test_invalid_json_falls_back_to_shell_form() -> None:
    info = parse_dockerfile("FROM a\nCMD ['single', 'quotes']\n")
    assert info.cmd == ("/bin/sh", "-c", "['single', 'quotes']")
    assert "dockerfile.invalid-json" in {d.code for d in info.diagnostics}


def test_json_array_of_non_strings_is_rejected() -> None:
    info = parse_dockerfile('FROM a\nCMD ["ok"]\nCMD ["a", 1]\n')
    assert info.cmd == ("ok",)
    assert "dockerfile.invalid-exec-form" in {d.code for d in info.diagnostics}


def test_empty_exec_form_clears_cmd() -> None:
    info = parse_dockerfile('FROM a AS b\nCMD ["x"]\nFROM b\nCMD []\n')
    assert info.cmd == ()


def test_cmd_is_not_variable_expanded() -> None:
    info = parse_dockerfile('FROM a\nENV PORT=1\nCMD ["serve", "$PORT"]\n')
    assert info.cmd == ("serve", "$PORT")


def test_secret_looking_command_arguments_are_redacted() -> None:
    token = "sk-" + "x" * 30
    info = parse_dockerfile(
        f'FROM a\nCMD ["app", "--key", "{token}"]\nENTRYPOINT run --password=hunter2 now\n'
    )
    assert info.cmd == ("app", "--key", "<redacted>")
    assert info.entrypoint is not None
    assert info.entrypoint[-1] == "run <redacted> now"
    assert token not in info.model_dump_json()


def test_multiple_cmd_in_one_stage_is_reported() -> None:
    info = parse_dockerfile('FROM a\nCMD ["a"]\nCMD ["b"]\n')
    assert info.cmd == ("b",)
    assert "dockerfile.multiple-instructions" in {d.code for d in info.diagnostics}


def test_workdir_resolves_relative_paths_and_variables() -> None:
    text = "FROM a\nENV BASE=/srv\nWORKDIR $BASE\nWORKDIR app\nWORKDIR ../data/./x\n"
    assert parse_dockerfile(text).workdir == "/srv/data/x"


def test_relative_first_workdir_is_relative_to_root() -> None:
    assert parse_dockerfile("FROM a\nWORKDIR app\n").workdir == "/app"


def test_windows_workdir_with_backtick_escape() -> None:
    text = (
        "# escape=`\nFROM mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver\n"
        "WORKDIR C:\\app\nWORKDIR bin\n"
    )
    assert parse_dockerfile(text).workdir == "C:\\app\\bin"


def test_volume_json_and_space_forms() -> None:
    text = 'FROM a\nENV D=/data\nVOLUME ["/var/lib/app", "/cache"]\nVOLUME $D /logs /cache\n'
    assert parse_dockerfile(text).volumes == ("/var/lib/app", "/cache", "/data", "/logs")


def test_stopsignal() -> None:
    assert parse_dockerfile("FROM a\nSTOPSIGNAL SIGQUIT\n").stop_signal == "SIGQUIT"
    assert parse_dockerfile("FROM a\nARG S=9\nSTOPSIGNAL $S\n").stop_signal == "9"
    info = parse_dockerfile("FROM a\nSTOPSIGNAL not a signal\n")
    assert info.stop_signal is None
    assert "dockerfile.invalid-signal" in {d.code for d in info.diagnostics}


def test_command_evidence() -> None:
    info = parse_dockerfile('FROM a\nWORKDIR /app\nENTRYPOINT ["node"]\nCMD ["server.js"]\n')
    fields = {e.field: e for e in info.evidence}
    assert fields["entrypoint"].value == "node"
    assert fields["command"].value == "server.js"
    assert fields["command"].rule == "dockerfile.cmd"
    assert fields["workdir"].value == "/app"
    assert fields["command"].location is not None
    assert fields["command"].location.line == 4
