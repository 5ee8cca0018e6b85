"""ENV, ARG and LABEL values, ordering, and secrets that must never be stored."""

from __future__ import annotations

from dorgu.analysis.dockerfile import parse_dockerfile


def test_env_key_value_and_quoted_forms() -> None:
    text = "FROM a\nENV A=1 B=\"two words\" C='$NOT' D=a\\ b E=\n"
    info = parse_dockerfile(text)
    assert [(e.name, e.value) for e in info.env] == [
        ("A", "1"),
        ("B", "two words"),
        ("C", "$NOT"),
        ("D", "a b"),
        ("E", ""),
    ]


def test_legacy_env_form_takes_the_rest_of_the_line() -> None:
    info = parse_dockerfile("FROM a\nENV GREETING hello big   world\n")
    assert info.env_value("GREETING") == "hello big   world"
    assert "dockerfile.legacy-key-value-format" in {d.code for d in info.diagnostics}


def test_later_env_overrides_value_but_keeps_first_position() -> None:
    info = parse_dockerfile("FROM a\nENV A=1 B=2\nENV A=3\n")
    assert [(e.name, e.value) for e in info.env] == [("A", "3"), ("B", "2")]
    assert info.env[0].location is not None
    assert info.env[0].location.line == 3


def test_env_without_equals_in_later_words_rejects_the_instruction_like_docker() -> None:
    info = parse_dockerfile("FROM a\nENV A=1 B\nENV C=2\n")
    assert info.env_value("A") is None
    assert info.env_value("C") == "2"
    (problem,) = [d for d in info.diagnostics if d.code == "dockerfile.syntax"]
    assert "ignored" in problem.message
    assert problem.location is not None and problem.location.line == 2


def test_secret_env_values_are_never_stored() -> None:
    secret = "s3cr3t-value-123"
    text = (
        f"FROM a\nENV DB_PASSWORD={secret} API_KEY={secret}\n"
        "ENV DATABASE_URL=postgres://app:hunter2@db:5432/app\n"
        "ENV LOG_LEVEL=info\n"
    )
    info = parse_dockerfile(text)
    by_name = {e.name: e for e in info.env}
    for name in ("DB_PASSWORD", "API_KEY", "DATABASE_URL"):
        assert by_name[name].secret
        assert by_name[name].value is None
    assert by_name["LOG_LEVEL"].value == "info"
    dumped = info.model_dump_json()
    assert secret not in dumped
    assert "hunter2" not in dumped
    assert "dockerfile.secrets-used-in-arg-or-env" in {d.code for d in info.diagnostics}


def test_secret_value_pattern_marks_innocent_name_secret() -> None:
    token = "ghp_" + "a" * 36
    info = parse_dockerfile(f"FROM a\nENV GITHUB={token}\n")
    assert info.env[0].secret
    assert token not in info.model_dump_json()


def test_env_copied_from_a_secret_arg_is_secret_and_stores_no_value() -> None:
    text = "FROM a\nARG NPM_TOKEN=abc123xyz\nENV X=$NPM_TOKEN Y=${NPM_TOKEN}-suffix\n"
    info = parse_dockerfile(text)
    assert all(e.secret and e.value is None for e in info.env)
    assert "abc123xyz" not in info.model_dump_json()


def test_secret_build_arg_values_are_not_stored() -> None:
    text = "FROM a\nARG GITHUB_TOKEN\nARG REGION=eu\nLABEL tok=$GITHUB_TOKEN\n"
    info = parse_dockerfile(text, build_args={"GITHUB_TOKEN": "tok-xyz-789"})
    args = {a.name: a for a in info.args}
    assert args["GITHUB_TOKEN"].secret
    assert args["GITHUB_TOKEN"].value is None
    assert args["GITHUB_TOKEN"].default is None
    assert args["REGION"].value == "eu"
    assert info.labels == (("tok", "$GITHUB_TOKEN"),)
    assert "tok-xyz-789" not in info.model_dump_json()


def test_secret_arg_defaults_are_not_stored() -> None:
    info = parse_dockerfile("ARG API_KEY=supersecret\nFROM a\nARG SECRET_KEY=k3y\n")
    dumped = info.model_dump_json()
    assert "supersecret" not in dumped
    assert "k3y" not in dumped
    assert all(a.secret for a in info.args)


def test_args_record_scope_defaults_and_locations() -> None:
    text = "ARG BASE=alpine\nFROM $BASE\nARG A=1 B\n"
    info = parse_dockerfile(text, file="x/Dockerfile")
    assert [(a.name, a.default, a.value, a.stage) for a in info.args] == [
        ("BASE", "alpine", "alpine", None),
        ("A", "1", "1", 0),
        ("B", None, None, 0),
    ]
    assert info.args[1].location.file == "x/Dockerfile"
    assert info.args[1].location.line == 3


def test_invalid_arg_name_is_reported() -> None:
    info = parse_dockerfile("FROM a\nARG 1X=2\n")
    assert info.args == ()
    assert "dockerfile.syntax" in {d.code for d in info.diagnostics}


def test_labels_are_ordered_and_include_oci_annotations() -> None:
    text = (
        "FROM a\nARG VERSION=1.4.2\n"
        'LABEL org.opencontainers.image.title="Orders API" \\\n'
        "      org.opencontainers.image.version=$VERSION\n"
        'LABEL "com.example.team"=payments org.opencontainers.image.authors="dev@example.com"\n'
        "LABEL org.opencontainers.image.title=orders\n"
    )
    info = parse_dockerfile(text)
    assert info.labels == (
        ("org.opencontainers.image.title", "orders"),
        ("org.opencontainers.image.version", "1.4.2"),
        ("com.example.team", "payments"),
        ("org.opencontainers.image.authors", "dev@example.com"),
    )


def test_secret_looking_label_value_is_redacted() -> None:
    info = parse_dockerfile("FROM a\nLABEL creds=https://bob:pa55w0rd@example.com/x\n")
    assert info.labels == (("creds", "<redacted>"),)


def test_env_evidence_redacts_secrets() -> None:
    info = parse_dockerfile("FROM a\nENV MODE=prod SECRET_KEY=abcdef\n")
    evidence = {e.field: e for e in info.evidence if e.field.startswith("env.")}
    assert evidence["env.MODE"].value == "prod"
    assert evidence["env.MODE"].rule == "dockerfile.env"
    assert evidence["env.SECRET_KEY"].value == "<redacted>"


def test_diagnostics_never_quote_secret_values() -> None:
    text = 'FROM a\nENV DB_PASSWORD="hunter2 API_KEY=${oops\nENV X=1 ghp_' + "b" * 36 + "\n"
    info = parse_dockerfile(text)
    assert info.diagnostics
    dumped = info.model_dump_json()
    assert "hunter2" not in dumped
    assert "ghp_" not in dumped


def test_secrets_embedded_as_assignments_are_caught() -> None:
    text = (
        "FROM a\nENV OPTS SECRET_KEY=abc123 debug=1\n"
        "ENV JAVA_OPTS=-Dspring.datasource.password=pw999\n"
        "LABEL com.example.api-key=k-42 org.opencontainers.image.authors=dev@example.com\n"
        'CMD ["sh", "-c", "DB_PASSWORD=pw777 exec app"]\n'
    )
    info = parse_dockerfile(text)
    dumped = info.model_dump_json()
    for value in ("abc123", "pw999", "k-42", "pw777"):
        assert value not in dumped
    assert dict(info.labels)["org.opencontainers.image.authors"] == "dev@example.com"
