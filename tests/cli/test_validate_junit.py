"""`dorgu validate -f junit` and `--fail-on`."""

from xml.etree import ElementTree as ET

import yaml
from click.testing import CliRunner

from dorgu.cli.main import cli
from dorgu.errors import UsageError

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:latest"}]},
        },
    },
}


def run(tmp_path, *args):
    target = tmp_path / "web.yaml"
    target.write_text(yaml.safe_dump(DEPLOYMENT))
    return CliRunner().invoke(cli, ["validate", *args, str(target)])


def test_junit_report_has_a_failure_per_error_finding(tmp_path):
    result = run(tmp_path, "-f", "junit")
    assert result.exit_code == 1
    xml = result.stdout[result.stdout.index("<?xml") :]
    root = ET.fromstring(xml.split("\n", 1)[1])
    assert root.tag == "testsuites"
    failures = root.findall(".//failure")
    assert any("latest" in f.get("message", "") for f in failures)
    assert int(root.get("failures")) == len(failures)
    assert int(root.get("tests")) >= len(failures)
    names = {case.get("name") for case in root.iter("testcase")}
    assert "reliability.image-tag Deployment/shop/web" in names or any(
        n.startswith("reliability.image-tag ") for n in names
    )


def test_fail_on_sets_the_exit_threshold(tmp_path):
    assert run(tmp_path, "--fail-on", "error").exit_code == 1
    fixed = dict(DEPLOYMENT)
    fixed["spec"] = yaml.safe_load(yaml.safe_dump(DEPLOYMENT["spec"]))
    fixed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    (tmp_path / "web.yaml").write_text(yaml.safe_dump(fixed))
    ok = CliRunner().invoke(cli, ["validate", "--fail-on", "error", str(tmp_path / "web.yaml")])
    assert ok.exit_code == 0  # only warnings left
    strict = CliRunner().invoke(
        cli, ["validate", "--fail-on", "warning", str(tmp_path / "web.yaml")]
    )
    assert strict.exit_code == 1


def test_strict_and_a_different_fail_on_conflict(tmp_path):
    result = run(tmp_path, "--strict", "--fail-on", "info")
    assert isinstance(result.exception, UsageError)  # main() prints it as one line, exit 2
    assert "--strict means --fail-on warning" in str(result.exception)
