from dorgu.generation.privileged_ports import UNPRIVILEGED_PORT_SYSCTL
from dorgu.models.app import AppType, Component, ComponentKind, Port, SecurityHints

from .builders import container, find, generate, pod_spec, settings

SYSCTL = {"name": UNPRIVILEGED_PORT_SYSCTL, "value": "0"}


def _workload(component, **kwargs):
    result = generate(component, **kwargs)
    return next(r.manifest for r in result.resources if r.kind in ("Deployment", "StatefulSet"))


def _pod(component, **kwargs):
    return None, pod_spec(_workload(component, **kwargs))


def test_a_non_root_server_on_port_80_gets_the_unprivileged_port_sysctl():
    nginx = Component(
        name="web",
        kind=ComponentKind.IMAGE,
        image="nginx:1.27",
        type=AppType.WEB,
        ports=(Port(number=80),),
        security=SecurityHints(uid=101, gid=101, runs_as_root=False),
    )
    workload = _workload(nginx)
    pod = pod_spec(workload)
    assert pod["securityContext"]["runAsUser"] == 101
    assert pod["securityContext"]["sysctls"] == [SYSCTL]
    caps = container(workload)["securityContext"]["capabilities"]
    assert caps == {"drop": ["ALL"]}, "NET_BIND_SERVICE does not help a non-root process"


def test_ports_from_1024_up_need_no_sysctl():
    app = Component(name="api", type=AppType.API, ports=(Port(number=1024), Port(number=8080)))
    _, pod = _pod(app)
    assert "sysctls" not in pod["securityContext"]


def test_any_privileged_port_among_several_counts_udp_too():
    dns = Component(
        name="dns", type=AppType.API, ports=(Port(number=5353), Port(number=53, protocol="UDP"))
    )
    _, pod = _pod(dns)
    assert pod["securityContext"]["sysctls"] == [SYSCTL]


def test_compose_net_bind_service_is_replaced_by_the_sysctl_with_a_note():
    hints = SecurityHints(uid=33, runs_as_root=False, cap_add=("CAP_NET_BIND_SERVICE",))
    result = generate(Component(name="web", ports=(Port(number=80),), security=hints))
    manifest = find(result, "Deployment")
    assert "add" not in container(manifest)["securityContext"]["capabilities"]
    assert pod_spec(manifest)["securityContext"]["sysctls"] == [SYSCTL]
    codes = {d.code for d in result.diagnostics}
    assert "generate.bind-capability-replaced" in codes
    assert "generate.capabilities-dropped" not in codes


def test_images_known_to_need_root_get_a_warning_when_run_as_non_root():
    for image in ("lscr.io/linuxserver/nextcloud:28", "gitlab/gitlab-ce", "docker:27-dind"):
        result = generate(Component(name="svc", kind=ComponentKind.IMAGE, image=image))
        found = [d for d in result.diagnostics if d.code == "generate.image-needs-root"]
        assert len(found) == 1, image
        assert image in found[0].message


def test_ordinary_images_get_no_root_warning():
    for image in ("nginx:1.27", "docker:27-cli", "linuxserverx/thing:1", "gitlab/gitlab-runner"):
        result = generate(Component(name="svc", kind=ComponentKind.IMAGE, image=image))
        assert not [d for d in result.diagnostics if d.code == "generate.image-needs-root"]


def test_the_sysctl_follows_the_run_as_non_root_setting_and_uid():
    config = settings(security={"run_as_non_root": False})
    app = Component(name="api", type=AppType.API, ports=(Port(number=80),))
    _, pod = _pod(app, config=config)
    # the pod still gets a non-root uid (10001), so it still needs the sysctl
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["sysctls"] == [SYSCTL]


def test_the_official_httpd_image_gets_its_pid_directory_writable():
    httpd = Component(
        name="site", kind=ComponentKind.IMAGE, image="httpd:2.4", ports=(Port(number=80),)
    )
    workload = _workload(httpd)
    mounts = {m["mountPath"] for m in container(workload)["volumeMounts"]}
    assert "/usr/local/apache2/logs" in mounts
    assert pod_spec(workload)["securityContext"]["sysctls"] == [SYSCTL]
