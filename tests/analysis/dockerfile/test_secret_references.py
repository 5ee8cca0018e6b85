"""A secret ENV/ARG value repeated in a later CMD, ENTRYPOINT or HEALTHCHECK becomes a reference
to its variable; the value reaches neither the result nor its evidence."""

from __future__ import annotations

import shlex

from dorgu.analysis.dockerfile import parse_dockerfile

SECRET = "Dock3r-Baked-Secret-1"


def _parse(text: str, **build_args: str):  # type: ignore[no-untyped-def]
    info = parse_dockerfile(text, build_args=build_args or None)
    assert SECRET not in repr(info) and "Build-Tok3n" not in repr(info)
    return info


def test_exec_and_shell_commands_refer_to_the_env_variable() -> None:
    info = _parse(
        f"FROM python:3.12\nENV DB_PASSWORD={SECRET}\n"
        f'ENTRYPOINT ["app", "--password={SECRET}"]\n'
        f"CMD serve --pass '{SECRET}' --other \"{SECRET}\"\n"
    )
    assert info.entrypoint == ("app", "--password=$(DB_PASSWORD)")
    assert info.cmd == (
        "/bin/sh",
        "-c",
        "serve --pass ''\"${DB_PASSWORD}\"'' --other \"${DB_PASSWORD}\"",
    )


def test_an_exec_healthcheck_with_a_secret_becomes_a_shell_one() -> None:
    info = _parse(
        f"FROM mysql:8.4\nENV MYSQL_ROOT_PASSWORD={SECRET}\n"
        f'HEALTHCHECK CMD ["mysqladmin", "ping", "-p{SECRET}"]\n'
    )
    assert info.healthcheck is not None
    shell, flag, script = info.healthcheck.test
    assert (shell, flag) == ("/bin/sh", "-c")
    assert shlex.split(script) == ["mysqladmin", "ping", "-p${MYSQL_ROOT_PASSWORD}"]


def test_arg_defaults_and_build_args_are_protected_too() -> None:
    info = _parse(
        "FROM node:20\nARG NPM_TOKEN=npm-Build-Tok3n-1\nARG REGISTRY_PASSWORD\n"
        'CMD ["npm", "--token", "npm-Build-Tok3n-1", "--pw", "Build-Tok3n-given"]\n',
        REGISTRY_PASSWORD="Build-Tok3n-given",
    )
    assert info.cmd == ("npm", "--token", "$(NPM_TOKEN)", "--pw", "$(REGISTRY_PASSWORD)")


def test_commands_without_secrets_and_short_values_are_unchanged() -> None:
    info = _parse('FROM alpine\nENV API_KEY=ab APP_MODE=prod\nCMD ["run", "ab", "prod"]\n')
    assert info.cmd == ("run", "ab", "prod")
