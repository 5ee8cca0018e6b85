from __future__ import annotations

from pathlib import Path

from dorgu.devcluster import locations


def test_cache_defaults_under_home_cache() -> None:
    assert locations.cache_root({}) == Path.home() / ".cache" / "dorgu" / "testbed"


def test_cache_respects_xdg_cache_home(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert locations.version_dir(env, "v1.2.3") == tmp_path / "dorgu" / "testbed" / "v1.2.3"


def test_dorgu_testbed_cache_wins_over_xdg(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": "/elsewhere", "DORGU_TESTBED_CACHE": str(tmp_path)}
    assert locations.cache_root(env) == tmp_path


def test_assets_only_when_kubebuilder_assets_is_set(tmp_path: Path) -> None:
    assert locations.assets_dir({}) is None
    assert locations.assets_dir({"KUBEBUILDER_ASSETS": str(tmp_path)}) == tmp_path


def test_source_dir_is_the_checkout_testbed() -> None:
    assert (locations.source_dir({}) / "kubernetes" / "go.mod").is_file()


def test_dev_home_respects_override_and_xdg_state(tmp_path: Path) -> None:
    assert locations.dev_home({"DORGU_DEV_HOME": str(tmp_path)}) == tmp_path
    assert locations.dev_home({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "dorgu" / "dev"
