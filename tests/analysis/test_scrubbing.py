"""Secret values in commands and health checks become references to their variables."""

from __future__ import annotations

import shlex
import subprocess

from hypothesis import given
from hypothesis import strategies as st

from dorgu.analysis.scrubbing import (
    MAX_VALUES,
    SecretValues,
    protectable,
    scrub_command,
    scrub_healthcheck,
)
from dorgu.models.app import HealthCheck

SECRETS = SecretValues.of({"REDIS_PASSWORD": "s3cr3t-redis", "API_KEY": "k3y-123456"})


def test_exec_words_get_kubernetes_references() -> None:
    result = scrub_command(("redis-server", "--requirepass", "s3cr3t-redis"), SECRETS)
    assert result.words == ("redis-server", "--requirepass", "$(REDIS_PASSWORD)")
    assert result.used == ("REDIS_PASSWORD",)


def test_a_value_inside_a_word_and_interpolation_references_are_rewritten() -> None:
    result = scrub_command(
        ("app", "--key=k3y-123456", "--pass=${REDIS_PASSWORD}", "$HOME"), SECRETS
    )
    assert result.words == ("app", "--key=$(API_KEY)", "--pass=$(REDIS_PASSWORD)", "$HOME")
    assert result.used == ("API_KEY", "REDIS_PASSWORD")


def test_a_shell_script_gets_quoted_shell_references() -> None:
    words = ("sh", "-c", "redis-cli -a s3cr3t-redis ping && echo 'k3y-123456' \"x s3cr3t-redis\"")
    result = scrub_command(words, SECRETS)
    assert result.words[2] == (
        'redis-cli -a "${REDIS_PASSWORD}" ping && echo \'\'"${API_KEY}"\'\' "x ${REDIS_PASSWORD}"'
    )


def test_rewritten_scripts_still_run_with_the_variables_set() -> None:
    script = "printf '%s|' s3cr3t-redis 'a k3y-123456 b' \"c s3cr3t-redis\" pre-k3y-123456-post"
    (_, _, rewritten) = scrub_command(("sh", "-c", script), SECRETS).words
    env = {"REDIS_PASSWORD": "s3cr3t-redis", "API_KEY": "k3y-123456", "PATH": "/usr/bin:/bin"}
    original = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env)
    after = subprocess.run(["sh", "-c", rewritten], capture_output=True, text=True, env=env)
    assert after.stdout == original.stdout
    assert "s3cr3t" not in rewritten and "k3y-1" not in rewritten


def test_an_exec_healthcheck_that_needs_a_reference_becomes_a_shell_one() -> None:
    check = HealthCheck(test=("mysqladmin", "ping", "-p${MYSQL_ROOT_PASSWORD}", "it's"))
    scrubbed, used = scrub_healthcheck(check, SecretValues.of({"MYSQL_ROOT_PASSWORD": "r00t-pw"}))
    assert scrubbed.test == (
        "/bin/sh",
        "-c",
        "mysqladmin ping -p\"${MYSQL_ROOT_PASSWORD}\" 'it'\"'\"'s'",
    )
    assert shlex.split(scrubbed.test[2]) == [
        "mysqladmin",
        "ping",
        "-p${MYSQL_ROOT_PASSWORD}",
        "it's",
    ]
    assert used == ("MYSQL_ROOT_PASSWORD",)


def test_a_healthcheck_without_secrets_is_left_alone() -> None:
    check = HealthCheck(test=("pg_isready", "-U", "postgres"))
    assert scrub_healthcheck(check, SECRETS) == (check, ())


def test_a_shell_healthcheck_reports_the_secret_variables_it_already_reads() -> None:
    check = HealthCheck(test=("/bin/sh", "-c", "mysqladmin ping -p$MYSQL_ROOT_PASSWORD"))
    scrubbed, used = scrub_healthcheck(check, SECRETS)
    assert scrubbed == check and used == ("MYSQL_ROOT_PASSWORD",)


def test_plain_or_short_values_are_not_protected() -> None:
    assert not protectable("ab") and not protectable("true") and not protectable("1234")
    assert protectable("hunter2") and protectable("123456")
    secrets = SecretValues.of({"FLAG_TOKEN": "true", "PIN_PASSWORD": "1234"})
    assert scrub_command(("run", "--debug=true", "--port", "1234"), secrets).words == (
        "run", "--debug=true", "--port", "1234"
    )  # fmt: skip


def test_a_value_stated_in_the_clear_elsewhere_is_not_protected() -> None:
    secrets = SecretValues.of({"POSTGRES_PASSWORD": "postgres"}, public=["postgres"])
    assert scrub_command(("pg_isready", "-U", "postgres"), secrets).words[2] == "postgres"


def test_the_longest_value_wins_where_values_overlap() -> None:
    secrets = SecretValues.of({"KEY_A": "abcd1234", "KEY_B": "abcd1234-long"})
    assert scrub_command(("x", "abcd1234-long/abcd1234"), secrets).words[1] == "$(KEY_B)/$(KEY_A)"


def test_regex_metacharacters_and_quotes_in_values_are_literal() -> None:
    value = "p@ss.w*rd+(1)?'\"$x"
    secrets = SecretValues.of({"DB_PASSWORD": value})
    assert scrub_command(("x", f"--p={value}"), secrets).words[1] == "--p=$(DB_PASSWORD)"
    assert scrub_command(("x", "--p=pXss.wwrd+(1)?"), secrets).words[1] == "--p=pXss.wwrd+(1)?"


def test_many_values_and_a_huge_script_stay_bounded() -> None:
    values = {f"K{i}_TOKEN": f"token-{i:06d}-value" for i in range(MAX_VALUES + 100)}
    secrets = SecretValues.of(values)
    assert len(secrets.values) == MAX_VALUES
    script = "echo " + " ".join(f"token-{i:06d}-value" for i in range(2000)) * 50
    (_, _, rewritten) = scrub_command(("sh", "-c", script), secrets).words
    assert len(rewritten) > len(script) // 2


_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.@!%", min_size=6, max_size=24)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@given(value=_VALUE, before=_TEXT, after=_TEXT, shell=st.booleans())
def test_a_protected_value_never_survives_scrubbing(
    value: str, before: str, after: str, shell: bool
) -> None:
    secrets = SecretValues.of({"SOME_SECRET": value})
    words = ("sh", "-c", before + value + after) if shell else ("cmd", before + value + after)
    result = scrub_command(words, secrets)
    assert all(value not in word for word in result.words)
    assert "SOME_SECRET" in result.used
