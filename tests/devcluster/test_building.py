from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from dorgu.devcluster import building, extras, simulating, versions
from dorgu.errors import ToolchainError

# A stand-in for the go command: enough of `go env`, `go list` and `go build` for the cache
# logic.  FAKE_GO_FAIL makes builds whose targets mention it fail; each build is counted.
FAKE_GO = r"""#!/bin/sh
case "$1" in
  env) echo go1.26.0 ;;
  list)
    case "$*" in
      *-f*) echo "$FAKE_KWOK_DIR" ;;
      *) echo '{"Time": "2026-01-01T00:00:00Z"}' ;;
    esac ;;
  build)
    echo build >> "$FAKE_GO_COUNT"
    sleep "${FAKE_GO_SLEEP:-0}"
    out=""; prev=""; targets=""
    for arg in "$@"; do
      if [ "$prev" = "-o" ]; then out="$arg"; fi
      case "$arg" in
        k8s.io/*|helm.sh/*|github.com/*|sigs.k8s.io/*|.) targets="$targets $arg" ;;
      esac
      prev="$arg"
    done
    for t in $targets; do
      if [ -n "$FAKE_GO_FAIL" ] && echo "$t" | grep -q "$FAKE_GO_FAIL"; then
        echo "$t: undefined: boom (compile error)"; exit 2
      fi
    done
    case "$out" in
      */) for t in $targets; do touch "$out$(basename "$t")"; done ;;
      *) touch "$out" ;;
    esac ;;
  *) exit 3 ;;
esac
"""
CORE = [t.name for t in versions.CORE_TOOLS]
# Stand-ins for apt-get download (FAKE_DEB_VERSION picks the version offered, FAKE_APT_FAIL makes
# it fail) and dpkg-deb -x (unpacks the binaries the package lists); each download is counted.
FAKE_APT = r"""#!/bin/sh
echo download >> "$FAKE_APT_COUNT"
if [ -n "$FAKE_APT_FAIL" ]; then echo "E: Unable to locate package $3" >&2; exit 100; fi
case "$3" in
  prometheus-alertmanager) echo "prometheus-alertmanager" > "$3_0.25.0-1+b4_amd64.deb" ;;
  *) echo "prometheus promtool" > "$3_${FAKE_DEB_VERSION:-2.42.0+ds-5+deb12u1}_amd64.deb" ;;
esac
"""
FAKE_DPKG_DEB = r"""#!/bin/sh
mkdir -p "$3/usr/bin" "$3/usr/share/prometheus/alertmanager"
for binary in $(cat "$2"); do
  printf '#!/bin/sh\n# reads /usr/share/prometheus/alertmanager/default.tmpl\n' > "$3/usr/bin/$binary"
done
for t in default email; do echo "{{ define \"$t\" }}" > "$3/usr/share/prometheus/alertmanager/$t.tmpl"; done
"""


@pytest.fixture
def fake_env(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    for name, text in (("apt-get", FAKE_APT), ("dpkg-deb", FAKE_DPKG_DEB)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    kwok_module = tmp_path / "kwok-module"
    for source in simulating.KWOK_STAGE_SOURCES:
        (kwok_module / source).parent.mkdir(parents=True, exist_ok=True)
        (kwok_module / source).write_text(f"kind: Stage\nmetadata: {{name: {Path(source).stem}}}\n")
    return {
        "FAKE_KWOK_DIR": str(kwok_module),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DORGU_TESTBED_CACHE": str(tmp_path / "cache"),
        "FAKE_GO_COUNT": str(tmp_path / "count"),
        "FAKE_APT_COUNT": str(tmp_path / "apt-count"),
    }


def _builds(env: dict[str, str]) -> int:
    path = Path(env["FAKE_GO_COUNT"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_kubebuilder_assets_are_used_without_building(tmp_path: Path) -> None:
    for name in ("etcd", "kube-apiserver", "kubectl"):
        (tmp_path / name).touch()

    found = building.ensure_binaries(env={"KUBEBUILDER_ASSETS": str(tmp_path), "PATH": ""})

    assert found.from_assets
    assert found.directory == tmp_path
    assert found.path("kube-controller-manager") is None


def test_incomplete_kubebuilder_assets_say_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "etcd").touch()

    with pytest.raises(ToolchainError, match="lacks kube-apiserver"):
        building.find_binaries(env={"KUBEBUILDER_ASSETS": str(tmp_path)})


def test_missing_go_is_a_toolchain_error_with_a_hint(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "DORGU_TESTBED_CACHE": str(tmp_path / "cache")}

    with pytest.raises(ToolchainError) as raised:
        building.ensure_binaries(env=env)

    assert "Go toolchain" in str(raised.value)
    assert "KUBEBUILDER_ASSETS" in str(raised.value)
    assert raised.value.exit_code == 7


def test_build_fills_the_version_cache_once(fake_env: dict[str, str]) -> None:
    first = building.ensure_binaries(env=fake_env)
    builds = _builds(fake_env)
    second = building.ensure_binaries(env=fake_env)

    assert first.directory == Path(fake_env["DORGU_TESTBED_CACHE"]) / versions.KUBERNETES
    assert set(CORE) <= set(first.available())
    assert _builds(fake_env) == builds  # the second call found the cache
    assert second.directory == first.directory
    assert not [p for p in first.directory.parent.iterdir() if p.name.startswith(".build-")]


def test_kwok_stages_are_collected_from_its_module(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env=fake_env)

    stages = (found.directory / simulating.STAGES_FILE).read_text()
    assert stages.count("kind: Stage") == len(simulating.KWOK_STAGE_SOURCES)
    assert "kwok" not in found.failed
    assert "kwok" in found.available()


def test_kwok_without_stage_definitions_counts_as_not_built(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env={**fake_env, "FAKE_KWOK_DIR": "/nonexistent"})

    assert "stage definitions not found" in found.failed["kwok"]
    assert found.path("kwok") is None


def test_failed_optional_tools_are_recorded_not_fatal(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env={**fake_env, "FAKE_GO_FAIL": "kwok"})

    assert "kwok" in found.failed
    assert "boom" in found.failed["kwok"]
    assert found.path("kwok") is None
    assert found.path("kube-apiserver") is not None


def test_failed_core_build_shows_the_log_tail(fake_env: dict[str, str]) -> None:
    with pytest.raises(ToolchainError) as raised:
        building.ensure_binaries(env={**fake_env, "FAKE_GO_FAIL": "kube-apiserver"})

    message = str(raised.value)
    assert "undefined: boom" in message
    assert "build-failed.log" in message
    assert building.find_binaries(env=fake_env) is None


def test_concurrent_builds_build_once(fake_env: dict[str, str]) -> None:
    env = {**fake_env, "FAKE_GO_SLEEP": "0.1"}
    results: list[building.Binaries] = []
    threads = [
        threading.Thread(target=lambda: results.append(building.ensure_binaries(env=env)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 3
    groups = len({t.module_dir for t in versions.CORE_TOOLS}) + len(versions.EXTRA_TOOLS)
    assert _builds(env) == groups


def test_forced_rebuild_replaces_the_cache(fake_env: dict[str, str]) -> None:
    building.ensure_binaries(env=fake_env)
    before = _builds(fake_env)

    found = building.ensure_binaries(env=fake_env, force=True, extras=False)

    assert _builds(fake_env) > before
    assert found.path("helm") is None  # extras skipped this time
    assert os.access(found.directory / "testbed.json", os.R_OK)


def test_missing_extras_are_built_without_rebuilding_the_core(fake_env: dict[str, str]) -> None:
    building.ensure_binaries(env=fake_env, extras=False)
    core_builds = _builds(fake_env)

    found = extras.add_missing_extras(env=fake_env)

    assert _builds(fake_env) == core_builds + len(versions.EXTRA_TOOLS)
    assert all(found.path(t.name) is not None for t in versions.EXTRA_TOOLS)
    assert all(found.path(name) is not None for name in CORE)
    extras.add_missing_extras(env=fake_env)
    assert _builds(fake_env) == core_builds + len(versions.EXTRA_TOOLS)  # nothing left to do


def test_an_extra_at_another_version_is_rebuilt_and_failures_are_recorded(
    fake_env: dict[str, str],
) -> None:
    found = building.ensure_binaries(env=fake_env)
    manifest_path = found.directory / "testbed.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["extras"]["kompose"] = "v0.0.1"
    manifest_path.write_text(json.dumps(manifest))
    before = _builds(fake_env)

    found = extras.add_missing_extras(env={**fake_env, "FAKE_GO_FAIL": "kompose"})

    assert _builds(fake_env) == before + 1
    assert "undefined: boom" in found.failed["kompose"]
    assert found.path("kompose") is None  # not the binary of the other version
    assert found.path("kube-apiserver") is not None
    extras.add_missing_extras(env={**fake_env, "FAKE_GO_FAIL": "kompose"})
    assert _builds(fake_env) == before + 1  # a failure at the pinned version is not retried


def test_a_failed_extra_is_not_retried_until_forced(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env={**fake_env, "FAKE_GO_FAIL": "actionlint"})
    assert "actionlint" in found.failed and found.path("actionlint") is None
    before = _builds(fake_env)

    extras.add_missing_extras(env=fake_env)

    assert _builds(fake_env) == before


def _downloads(env: dict[str, str]) -> int:
    path = Path(env["FAKE_APT_COUNT"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_prometheus_and_promtool_come_from_the_debian_package(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env=fake_env)

    assert found.path("prometheus") is not None and found.path("promtool") is not None
    assert {"prometheus", "promtool"} <= set(found.available())
    manifest = json.loads((found.directory / "testbed.json").read_text())
    assert manifest["extras"]["prometheus"] == "2.42.0"
    assert not list(found.directory.glob(".deb-*"))  # the scratch directory is gone


def test_a_cache_without_prometheus_gets_it_without_rebuilding(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env=fake_env)
    (found.directory / "prometheus").unlink()
    manifest_path = found.directory / "testbed.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["extras"]["prometheus"]
    manifest_path.write_text(json.dumps(manifest))
    builds, downloads = _builds(fake_env), _downloads(fake_env)

    found = extras.add_missing_extras(env=fake_env)

    assert found.path("prometheus") is not None
    assert (_builds(fake_env), _downloads(fake_env)) == (builds, downloads + 1)
    extras.add_missing_extras(env=fake_env)
    assert _downloads(fake_env) == downloads + 1  # warm: nothing fetched again


def test_a_cache_without_alertmanager_gets_only_it(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env=fake_env)
    assert found.path("prometheus-alertmanager") is not None
    (found.directory / "prometheus-alertmanager").unlink()
    manifest_path = found.directory / "testbed.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["extras"]["prometheus-alertmanager"]
    manifest_path.write_text(json.dumps(manifest))
    builds, downloads = _builds(fake_env), _downloads(fake_env)

    found = extras.add_missing_extras(env=fake_env)

    binary = found.path("prometheus-alertmanager")
    assert binary is not None
    # its template path is relocated into the cache directory, and the templates are there
    assert b"reads ./alertmanager-data///////////////" in binary.read_bytes()
    assert b"/usr/share" not in binary.read_bytes()
    assert (found.directory / "alertmanager-data" / "default.tmpl").is_file()
    assert found.path("prometheus") is not None  # untouched
    assert b"/usr/share/prometheus/alertmanager" in found.path("prometheus").read_bytes()
    assert (_builds(fake_env), _downloads(fake_env)) == (builds, downloads + 1)
    extras.add_missing_extras(env=fake_env)
    assert _downloads(fake_env) == downloads + 1  # warm: nothing fetched again


def test_another_upstream_prometheus_is_refused_and_recorded(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env={**fake_env, "FAKE_DEB_VERSION": "2.53.0+ds-1"})

    assert found.path("prometheus") is None
    assert "2.53.0+ds-1, not 2.42.0" in found.failed["promtool"]
    assert found.path("kube-apiserver") is not None


def test_an_unavailable_package_is_an_optional_failure(fake_env: dict[str, str]) -> None:
    found = building.ensure_binaries(env={**fake_env, "FAKE_APT_FAIL": "1"})

    assert "Unable to locate package prometheus" in found.failed["prometheus"]
    assert found.path("kube-apiserver") is not None


def test_debian_versions_match_their_upstream_release() -> None:
    from dorgu.devcluster import packages

    assert packages.debian_version("prometheus_2.42.0+ds-5+deb12u1_amd64.deb") == (
        "2.42.0+ds-5+deb12u1"
    )
    assert packages.upstream_matches("2.42.0+ds-5+deb12u1", "2.42.0")
    assert not packages.upstream_matches("2.42.01-1", "2.42.0")
    assert not packages.upstream_matches("2.53.0+ds-1", "2.42.0")
