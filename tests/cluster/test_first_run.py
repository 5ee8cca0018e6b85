"""The README's first run, in real processes: `dorgu dev up` (an empty cluster: no CRDs, no
dorgu-system namespace), every cluster command against it (each must succeed or fail in one
line, never exit 70), the same commands as a user without rights (403), then
`dorgu cluster init` and `dorgu operator run`, which must find everything it needs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from lightkube import Client, KubeConfig
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ServiceAccount
from lightkube.types import PatchType

from tests.cli.running import EXAMPLES

EXIT_INTERNAL = 70


@dataclass(frozen=True)
class DevCluster:
    env: dict[str, str]
    kubeconfig: Path
    work: Path


def _dorgu(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dorgu.cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def dev_cluster(testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:  # type: ignore[no-untyped-def]
    """`dorgu dev up` in a home of its own: a fresh, empty control plane."""
    work = tmp_path_factory.mktemp("first-run")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DORGU_") and not k.endswith(("_API_KEY", "_BASE_URL"))
    }
    env.update(
        DORGU_DEV_HOME=str(work / "dev"),
        HOME=str(work / "home"),
        XDG_CONFIG_HOME=str(work / "xdg"),
        KUBEBUILDER_ASSETS=os.environ.get(
            "KUBEBUILDER_ASSETS", str(testbed.plane.binaries.directory)
        ),
    )
    up = _dorgu("dev", "up", env=env, cwd=work, timeout=300)
    assert up.returncode == 0, up.stderr
    kubeconfig = work / "dev" / "kubeconfig"
    env["KUBECONFIG"] = str(kubeconfig)
    app = work / "orders"
    shutil.copytree(EXAMPLES / "python-fastapi", app)
    try:
        yield DevCluster(env=env, kubeconfig=kubeconfig, work=work)
    finally:
        down = _dorgu("dev", "down", env=env, cwd=work, timeout=120)
        assert down.returncode == 0, down.stderr


COMMANDS: tuple[tuple[str, ...], ...] = (
    ("persona", "list"),
    ("persona", "list", "-A"),
    ("persona", "list", "-o", "json"),
    ("persona", "get", "orders"),
    ("persona", "status", "orders"),
    ("persona", "status", "orders", "-o", "yaml"),
    ("persona", "delete", "orders"),
    ("persona", "delete", "orders", "--dry-run"),
    ("persona", "pull", "orders", "pulled"),
    ("persona", "apply", "orders"),
    ("persona", "apply", "orders", "--dry-run"),
    ("persona", "apply", "orders", "--diff"),
    ("persona", "list", "-n", "no-such-namespace"),
    ("cluster", "status"),
    ("cluster", "status", "-o", "json"),
    ("cluster", "status", "--name", "nothing"),
    ("cluster", "init", "--dry-run"),
    ("operator", "run", "--no-webhook", "--metrics-port", "-1"),
    ("dev", "status"),
    ("dev", "env"),
    ("dev", "backfill", "--pods"),
)


def _assert_one_line_outcome(
    result: subprocess.CompletedProcess[str], args: tuple[str, ...]
) -> None:
    shown = f"dorgu {' '.join(args)} -> {result.returncode}: {result.stderr}"
    assert result.returncode != EXIT_INTERNAL, shown
    assert "Traceback" not in result.stderr, shown
    assert "internal error" not in result.stderr, shown
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        if args[0] == "operator":  # a running process: its warnings are log lines before the end
            assert all(line.startswith("WARNING ") for line in lines[:-1]), shown
        else:
            assert len(lines) == 1, shown
        assert lines[-1].startswith("error: "), shown


def test_every_cluster_command_on_an_empty_cluster_succeeds_or_fails_in_one_line(
    dev_cluster: DevCluster,
) -> None:
    outcomes = {}
    for args in COMMANDS:
        result = _dorgu(*args, env=dev_cluster.env, cwd=dev_cluster.work)
        _assert_one_line_outcome(result, args)
        outcomes[args] = result
    # What the user is told to do next, for the commands that cannot work yet.
    for args in (("persona", "list"), ("cluster", "status"), ("persona", "apply", "orders")):
        assert "dorgu cluster init" in outcomes[args].stderr, outcomes[args].stderr
    operator = outcomes[("operator", "run", "--no-webhook", "--metrics-port", "-1")]
    assert operator.returncode == 6
    assert "namespace 'dorgu-system' does not exist" in operator.stderr
    assert "dorgu cluster init" in operator.stderr
    assert outcomes[("cluster", "init", "--dry-run")].returncode == 0


def _token_kubeconfig(dev_cluster: DevCluster) -> Path:
    """A kubeconfig for a ServiceAccount with no rights at all."""
    config = KubeConfig.from_file(dev_cluster.kubeconfig)
    with Client(config, field_manager="dorgu-tests", trust_env=False) as kube:
        kube.create(ServiceAccount(metadata=ObjectMeta(name="nobody")), namespace="default")
        token = kube.create(
            ServiceAccount.Token(
                metadata=ObjectMeta(name="nobody", namespace="default"),
                spec=TokenRequestSpec(audiences=[], expirationSeconds=600),
            ),
            "nobody",
            namespace="default",
        ).status.token
    document = yaml.safe_load(dev_cluster.kubeconfig.read_text(encoding="utf-8"))
    document["users"][0]["user"] = {"token": token}
    path = dev_cluster.work / "nobody.kubeconfig"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_user_without_rights_gets_one_line_403s(dev_cluster: DevCluster) -> None:
    env = {**dev_cluster.env, "KUBECONFIG": str(_token_kubeconfig(dev_cluster))}
    forbidden = 0
    for args in (*COMMANDS, ("cluster", "init")):
        if args[0] == "dev":
            continue
        result = _dorgu(*args, env=env, cwd=dev_cluster.work)
        _assert_one_line_outcome(result, args)
        forbidden += "forbidden (403)" in result.stderr
    assert forbidden >= 10


def test_readme_order_cluster_init_then_operator_run(dev_cluster: DevCluster) -> None:
    init = _dorgu("cluster", "init", env=dev_cluster.env, cwd=dev_cluster.work)
    assert init.returncode == 0, init.stderr
    assert "namespace/dorgu-system applied" in init.stdout
    assert "customresourcedefinition/clusterkopfpeerings.kopf.dev applied" in init.stdout
    again = _dorgu("cluster", "init", env=dev_cluster.env, cwd=dev_cluster.work)
    assert again.returncode == 0, again.stderr  # idempotent

    missing = _dorgu("operator", "run", "-n", "elsewhere", "--no-webhook", "--metrics-port", "-1",
                     env=dev_cluster.env, cwd=dev_cluster.work)  # fmt: skip
    assert missing.returncode == 6, missing.stderr
    assert missing.stderr.strip().splitlines() == [
        f"error: the operator's namespace 'elsewhere' does not exist in the cluster at "
        f"{_server(dev_cluster)} (create it with dorgu cluster init, or pass -n NAMESPACE)"
    ]

    log = dev_cluster.work / "operator.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "dorgu.cli.main", "operator", "run", "-v",
             "--webhook-port", "0", "--metrics-port", "0",
             "--webhook-configuration", "dorgu-first-run"],
            env=dev_cluster.env, cwd=dev_cluster.work, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while "running (priority" not in log.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        assert process.poll() is None, log.read_text()[-3000:]
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "peering is unavailable" not in text
    assert "internal error" not in text and "Traceback" not in text


def test_a_field_conflict_is_one_line_409(dev_cluster: DevCluster) -> None:
    """After init: another field manager takes a field dorgu applies; apply without --force is
    a one-line 409 naming --force, and --force takes it back."""
    env, cwd = dev_cluster.env, dev_cluster.work
    init = _dorgu("cluster", "init", env=env, cwd=cwd)
    assert init.returncode == 0, init.stderr
    first = _dorgu("persona", "apply", "orders", env=env, cwd=cwd)
    assert first.returncode == 0, first.stderr
    personas = create_namespaced_resource(
        "dorgu.io", "v1", "ApplicationPersona", "applicationpersonas"
    )
    with Client(KubeConfig.from_file(dev_cluster.kubeconfig), trust_env=False) as kube:
        kube.patch(
            personas, "orders",
            {"apiVersion": "dorgu.io/v1", "kind": "ApplicationPersona",
             "metadata": {"name": "orders"}, "spec": {"tier": "critical"}},
            namespace="default", patch_type=PatchType.APPLY, field_manager="someone-else",
            force=True,
        )  # fmt: skip
    conflict = _dorgu("persona", "apply", "orders", env=env, cwd=cwd)
    _assert_one_line_outcome(conflict, ("persona", "apply", "orders"))
    assert conflict.returncode == 6
    assert "conflict (409)" in conflict.stderr and "--force" in conflict.stderr
    forced = _dorgu("persona", "apply", "orders", "--force", env=env, cwd=cwd)
    assert forced.returncode == 0, forced.stderr


def _server(dev_cluster: DevCluster) -> str:
    document = yaml.safe_load(dev_cluster.kubeconfig.read_text(encoding="utf-8"))
    return str(document["clusters"][0]["cluster"]["server"])
