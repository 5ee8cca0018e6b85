import os
import stat
from pathlib import Path

import pytest

from dorgu.errors import ConfigError, OutputError, UsageError
from dorgu.services.configuring import (
    MAX_CONFIG_FILE_BYTES,
    create_config_file,
    detect_repository,
    find_workspace_file,
    global_config_path,
    load_settings,
    set_config_value,
    unset_config_value,
)
from dorgu.settings import LayerName


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "org" / "repo" / "services" / "shop"
    path.mkdir(parents=True)
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_global_file_lives_under_xdg_config_home_or_dot_config(tmp_path):
    assert global_config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/dorgu/config.yaml")
    home = {"HOME": str(tmp_path)}
    assert global_config_path(home) == tmp_path / ".config/dorgu/config.yaml"
    relative = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "rel"}
    assert global_config_path(relative) == tmp_path / ".config/dorgu/config.yaml"


def test_the_nearest_workspace_file_upward_wins(tmp_path, app):
    outer = write(tmp_path / "org" / "dorgu-workspace.yaml", "namespace: org\n")
    assert find_workspace_file(app, stop_at=tmp_path) == outer
    inner = write(tmp_path / "org" / "repo" / "dorgu-workspace.yaml", "namespace: repo\n")
    assert find_workspace_file(app, stop_at=tmp_path) == inner
    assert find_workspace_file(app, stop_at=app) is None


def test_load_settings_layers_all_files_env_and_flags(tmp_path, app, env):
    write(app / ".dorgu.yaml", "app:\n  name: shop\nscaling:\n  max_replicas: 4\n")
    write(tmp_path / "org" / "dorgu-workspace.yaml", "registry: ghcr.io/org\nteam: core\n")
    write(tmp_path / "xdg" / "dorgu" / "config.yaml", "defaults:\n  namespace: mine\n")
    env["DORGU_SCALING__MAX_REPLICAS"] = "6"
    resolved = load_settings(app, environ=env, flags={"environment": "staging"}, stop_at=tmp_path)
    settings = resolved.settings
    assert (settings.app.name, settings.app.team, settings.image.registry) == (
        "shop",
        "core",
        "ghcr.io/org",
    )
    assert (settings.namespace, settings.environment) == ("mine", "staging")
    assert settings.scaling.max_replicas == 6
    assert str(resolved.origin_of(("app", "name"))) == "app org/repo/services/shop/.dorgu.yaml:2"
    assert str(resolved.origin_of(("app", "team"))) == "workspace org/dorgu-workspace.yaml:2"
    assert str(resolved.origin_of(("namespace",))) == "global xdg/dorgu/config.yaml:2"


def test_app_file_can_be_left_out_to_see_what_an_app_inherits(tmp_path, app, env):
    write(app / ".dorgu.yaml", "namespace: app\n")
    write(tmp_path / "org" / "dorgu-workspace.yaml", "namespace: org\n")
    resolved = load_settings(app, environ=env, stop_at=tmp_path, app_file=False)
    assert resolved.settings.namespace == "org"


def test_a_missing_everything_gives_defaults(app, env):
    resolved = load_settings(app, environ=env, stop_at=app)
    assert resolved.settings.naming.pattern == "{app}"
    assert resolved.origins == {}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"app:\n  name: caf\xe9\n", "not valid UTF-8"),
        (b"a: " + b"x" * (MAX_CONFIG_FILE_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_files_are_clean_config_errors(app, env, content, fragment):
    (app / ".dorgu.yaml").write_bytes(content)
    with pytest.raises(ConfigError, match=fragment):
        load_settings(app, environ=env, stop_at=app)


def test_yaml_bombs_in_config_files_are_clean_config_errors(app, env):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for level in "bcdefghi":
        refs = ",".join([f"*{chr(ord(level) - 1)}"] * 9)
        lines.append(f"{level}: &{level} [{refs}]")
    write(app / ".dorgu.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="alias bomb"):
        load_settings(app, environ=env, stop_at=app)


def test_a_directory_named_like_a_config_file_is_refused(app, env):
    (app / ".dorgu.yaml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings(app, environ=env, stop_at=app)


def test_set_round_trips_and_preserves_keys_and_the_header(app, env):
    write(
        app / ".dorgu.yaml", "# yaml-language-server: $schema=x\nversion: 1\napp:\n  name: shop\n"
    )
    change = set_config_value("labels[prometheus.io/scrape]", "true", path=app, environ=env)
    assert change.changed
    set_config_value("scaling.max_replicas", "5", path=app, environ=env)
    text = (app / ".dorgu.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=x\nversion: 1\napp:\n  name: shop\n")
    settings = load_settings(app, environ=env, stop_at=app).settings
    assert settings.labels == {"prometheus.io/scrape": "true"}
    assert settings.scaling.max_replicas == 5
    again = set_config_value("scaling.max_replicas", "5", path=app, environ=env)
    assert not again.changed


def test_invalid_sets_leave_the_file_untouched_and_no_temp_files(app, env):
    original = "scaling:\n  min_replicas: 3\n"
    write(app / ".dorgu.yaml", original)
    with pytest.raises(ConfigError):
        set_config_value("scaling.max_replicas", "2", path=app, environ=env)
    with pytest.raises(UsageError):
        set_config_value("scaling.max_replica", "2", path=app, environ=env)
    assert (app / ".dorgu.yaml").read_text() == original
    assert sorted(p.name for p in app.iterdir()) == [".dorgu.yaml"]


def test_api_keys_go_to_the_global_file_with_mode_0600(app, env, tmp_path):
    with pytest.raises(UsageError, match="global"):
        set_config_value("llm.api_keys.openai", "sk-abcdefghijklmnop1234", path=app, environ=env)
    assert not (app / ".dorgu.yaml").exists()
    change = set_config_value(
        "llm.api_keys.openai",
        "sk-abcdefghijklmnop1234",
        layer=LayerName.GLOBAL,
        path=app,
        environ=env,
    )
    file = tmp_path / "xdg" / "dorgu" / "config.yaml"
    assert change.file == file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    key = load_settings(app, environ=env, stop_at=app).settings.llm.api_keys.openai
    assert key is not None
    assert key.get_secret_value() == "sk-abcdefghijklmnop1234"


def test_effective_keys_are_mapped_to_the_global_files_keys(app, env, tmp_path):
    set_config_value("namespace", "mine", layer=LayerName.GLOBAL, path=app, environ=env)
    text = (tmp_path / "xdg" / "dorgu" / "config.yaml").read_text()
    assert text == "defaults:\n  namespace: mine\n"


def test_secret_looking_values_are_refused_in_the_app_file(app, env):
    with pytest.raises(ConfigError, match="looks like a secret"):
        set_config_value("env.DB_PASSWORD", "hunter2", path=app, environ=env)
    with pytest.raises(ConfigError, match=r"app\.repository looks like a secret"):
        set_config_value(
            "app.repository", "https://bob:pw@git.example.com/x", path=app, environ=env
        )
    assert not (app / ".dorgu.yaml").exists()


def test_workspace_set_creates_the_file_at_the_git_root(tmp_path, app, env):
    (tmp_path / "org" / "repo" / ".git").mkdir()
    change = set_config_value(
        "image.registry", "ghcr.io/org", layer=LayerName.WORKSPACE, path=app, environ=env
    )
    assert change.file == tmp_path / "org" / "repo" / "dorgu-workspace.yaml"
    assert change.file.read_text() == "registry: ghcr.io/org\n"


def test_writes_through_a_symlinked_global_file_keep_the_link(tmp_path, app, env):
    real = write(tmp_path / "dotfiles" / "dorgu.yaml", "llm:\n  provider: ollama\n")
    link = tmp_path / "xdg" / "dorgu" / "config.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    set_config_value("llm.model", "llama3", layer=LayerName.GLOBAL, path=app, environ=env)
    assert link.is_symlink()
    assert real.read_text() == "llm:\n  provider: ollama\n  model: llama3\n"


def test_unset_removes_keys_and_reports_absent_ones(app, env):
    write(app / ".dorgu.yaml", "namespace: x\nscaling:\n  max_replicas: 3\n")
    assert unset_config_value("scaling.max_replicas", path=app, environ=env).changed
    assert (app / ".dorgu.yaml").read_text() == "namespace: x\n"
    assert not unset_config_value("scaling.max_replicas", path=app, environ=env).changed
    assert not unset_config_value(
        "namespace", layer=LayerName.GLOBAL, path=app, environ=env
    ).changed


def test_create_refuses_to_overwrite_without_force(app, env):
    target = write(app / ".dorgu.yaml", "namespace: old\n")
    with pytest.raises(OutputError) as caught:
        create_config_file(
            target, {"namespace": "new"}, layer=LayerName.APP, header=[], environ=env
        )
    assert ".dorgu.yaml already exists" in str(caught.value)
    assert "--force" in str(caught.value)
    create_config_file(target, {"namespace": "new"}, layer=LayerName.APP, header=["h"], force=True)
    assert target.read_text() == "# h\nnamespace: new\n"


def test_create_validates_before_writing(app, env):
    with pytest.raises(ConfigError):
        create_config_file(
            app / ".dorgu.yaml", {"scaling": {"max_replicas": "x"}}, layer=LayerName.APP, header=[]
        )
    assert not (app / ".dorgu.yaml").exists()


def test_warnings_for_readable_key_files_and_secret_env_in_the_app_file(app, env, tmp_path):
    key_file = write(
        tmp_path / "xdg" / "dorgu" / "config.yaml",
        "llm:\n  api_keys:\n    gemini: abcdefghijklmnop\n",
    )
    os.chmod(key_file, 0o644)
    write(app / ".dorgu.yaml", "env:\n  API_TOKEN: abc\n")
    warnings = load_settings(app, environ=env, stop_at=app).warnings
    assert any("chmod 600" in w for w in warnings)
    assert any("env.API_TOKEN looks like a secret" in w for w in warnings)


def test_repository_is_read_from_git_config_without_credentials(tmp_path, app):
    git = tmp_path / "org" / "repo" / ".git"
    write(
        git / "config", '[remote "origin"]\n\turl = https://user:tok3n@github.com/acme/shop.git\n'
    )
    assert detect_repository(app) == "https://github.com/acme/shop.git"
    write(git / "config", '[remote "origin"]\n\turl = git@github.com:acme/shop.git\n')
    assert detect_repository(app) == "https://github.com/acme/shop.git"


def test_repository_follows_gitdir_files_of_worktrees(tmp_path):
    main_git = tmp_path / "main" / ".git"
    write(main_git / "config", '[remote "origin"]\n\turl = git@gitlab.com:team/app.git\n')
    write(main_git / "worktrees" / "wt" / "commondir", "../..\n")
    worktree = tmp_path / "wt"
    write(worktree / ".git", f"gitdir: {main_git / 'worktrees' / 'wt'}\n")
    assert detect_repository(worktree) == "https://gitlab.com/team/app.git"


def test_no_git_means_no_repository(tmp_path):
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    if any((parent / ".git").exists() for parent in lonely.parents):
        pytest.skip("tmp dir is inside a git checkout")
    assert detect_repository(lonely) is None
