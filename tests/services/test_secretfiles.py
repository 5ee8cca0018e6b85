"""Mounted files that repeat a secret value become Secret templates, not ConfigMaps."""

from __future__ import annotations

from pathlib import Path

from dorgu.models.app import Component, EnvVar, Volume, VolumeKind
from dorgu.services.generating import read_mounted_files
from dorgu.services.secretfiles import env_file_secrets, holds_secret


def _component(*sources: str, env: tuple[EnvVar, ...] = ()) -> Component:
    volumes = tuple(Volume(target=f"/etc/{s}", kind=VolumeKind.BIND, source=s) for s in sources)
    return Component(name="db", volumes=volumes, env=env)


def test_a_mounted_file_repeating_a_dotenv_or_env_file_secret_is_kept_out(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_PASSWORD=Pg-Str0ng-77\nLEVEL=info\n")
    (tmp_path / "db.env").write_text("REPORTING_PASSWORD='Rep0rt-Pass'\n")
    (tmp_path / "init.sql").write_text("CREATE ROLE app LOGIN PASSWORD 'Pg-Str0ng-77';\n")
    (tmp_path / "report.sql").write_text("CREATE ROLE r LOGIN PASSWORD 'Rep0rt-Pass';\n")
    (tmp_path / "nginx.conf").write_text("server { listen 8080; location / { root /srv; } }\n")
    env = (EnvVar(name="REPORTING_PASSWORD", secret=True, from_file="db.env"),)

    files = read_mounted_files(
        _component("init.sql", "report.sql", "nginx.conf", env=env), root=tmp_path
    )

    by_source = {f.source: f for f in files}
    assert by_source["init.sql"].secret and by_source["init.sql"].text is None
    assert by_source["report.sql"].secret and by_source["report.sql"].text is None
    assert by_source["nginx.conf"].text is not None and not by_source["nginx.conf"].secret


def test_inline_compose_secrets_and_interpolated_ones_are_known(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MONGO_PASS=M0ngo-Secret\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  redis:\n    image: redis\n    environment:\n"
        "      - REDIS_PASSWORD=R3dis-Pa55word!\n"
        "  mongo:\n    image: mongo\n    environment:\n"
        "      MONGO_INITDB_ROOT_PASSWORD: ${MONGO_PASS:-x}\n      TZ: UTC\n"
    )
    values = env_file_secrets(_component(), root=tmp_path)
    assert set(values) == {"R3dis-Pa55word!", "M0ngo-Secret"}


def test_broken_or_hostile_inputs_give_no_values(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: [: broken\n")
    (tmp_path / ".env").write_bytes(b"\xff\xfe\x00binary")
    assert env_file_secrets(_component(), root=tmp_path) == ()


def test_secret_looking_assignments_are_held_secret_without_known_values() -> None:
    assert holds_secret("[database]\npassword = s3cret-value\n", ())
    assert holds_secret("upstream: redis://:pw-value-1@redis:6379\n", ())
    assert not holds_secret("worker_processes auto;\nlisten 80;\n", ())
