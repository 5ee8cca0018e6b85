"""The chart's notification values: credentials from a Secret through envFrom (never in the
args or values), the channel and routing Secret as flags, and get on that one Secret only."""

from __future__ import annotations

from tests.deploy.charting import render


def _container(objects):
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_notifications_are_off_by_default():
    objects = render()
    container = _container(objects)
    assert not [a for a in container["args"] if a.startswith("--notify-")]
    assert "envFrom" not in container
    assert not [o for o in objects if o["metadata"]["name"].endswith("-notify")]


def test_credentials_come_from_a_secret_and_the_routing_secret_alone_is_readable():
    objects = render("notifications.credentialsSecret=dorgu-notify-credentials",
                     "notifications.slackChannel=#incidents",
                     "notifications.routingSecret=dorgu-notify-routing")  # fmt: skip
    container = _container(objects)
    assert container["envFrom"] == [
        {"secretRef": {"name": "dorgu-notify-credentials", "optional": True}}
    ]
    assert "--notify-slack-channel=#incidents" in container["args"]
    assert "--notify-routing-secret=dorgu-notify-routing" in container["args"]
    [role] = [o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "dorgu-notify"]
    assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"],
                              "resourceNames": ["dorgu-notify-routing"], "verbs": ["get"]}]  # fmt: skip
    [binding] = [
        o for o in objects if o["kind"] == "RoleBinding" and o["metadata"]["name"] == "dorgu-notify"
    ]
    assert binding["roleRef"]["name"] == "dorgu-notify"


NOTIFY_VALUES = (
    "notifications.credentialsSecret=dorgu-notify-credentials",
    "notifications.slackChannel=#incidents",
    "notifications.routingSecret=dorgu-notify-routing",
)


def test_helm_lint_and_kubeconform_pass_with_notifications(tmp_path):
    import yaml

    from tests.deploy.charting import CHART, chart_crds, run, tool
    from tests.judges import kubeconform, write_kubeconform_schemas

    helm = tool("helm")
    done = run(helm, "lint", "--strict", str(CHART), *(f"--set={v}" for v in NOTIFY_VALUES))
    assert done.returncode == 0, done.stdout + done.stderr
    location = write_kubeconform_schemas(tmp_path / "schemas", crds=chart_crds())
    target = tmp_path / "rendered.yaml"
    target.write_text(yaml.safe_dump_all(render(*NOTIFY_VALUES)))
    problems = kubeconform([target], schema_location=location, skip=("ClusterKopfPeering",))
    assert problems == [], [(p.get("kind"), p.get("name"), p.get("msg")) for p in problems]
