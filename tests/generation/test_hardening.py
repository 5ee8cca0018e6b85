from dorgu.models.app import (
    AppType,
    Build,
    Component,
    ComponentKind,
    Port,
    SecurityHints,
    Volume,
)

from .builders import container, find, generate, pod_spec, settings


def deployment(component, **kwargs):
    result = generate(component, **kwargs)
    return result, find(result, "Deployment")


def test_containers_are_hardened_by_default():
    _, manifest = deployment(Component(name="shop", type=AppType.API, ports=(Port(number=80),)))
    context = container(manifest)["securityContext"]
    assert context == {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    pod = pod_spec(manifest)["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}


def test_a_numeric_image_user_becomes_run_as_user():
    hints = SecurityHints(user="10001", uid=10001, runs_as_root=False)
    result, manifest = deployment(Component(name="shop", security=hints))
    assert pod_spec(manifest)["securityContext"]["runAsUser"] == 10001
    assert not [d for d in result.diagnostics if "root" in d.code]


def test_a_known_image_user_name_becomes_its_uid():
    hints = SecurityHints(user="nonroot:nonroot", runs_as_root=False)
    _, manifest = deployment(Component(name="shop", security=hints))
    assert pod_spec(manifest)["securityContext"]["runAsUser"] == 65532


def test_an_image_running_as_root_gets_a_warning_and_a_non_root_uid():
    hints = SecurityHints(user="root", uid=0, runs_as_root=True)
    result, manifest = deployment(Component(name="shop", security=hints))
    assert pod_spec(manifest)["securityContext"]["runAsUser"] == 10001
    warning = next(d for d in result.diagnostics if d.code == "generate.runs-as-root")
    assert "root" in warning.message


def test_an_unverifiable_user_name_gets_a_warning():
    hints = SecurityHints(user="app", runs_as_root=False)
    result, _ = deployment(Component(name="shop", security=hints))
    assert any(d.code == "generate.user-not-numeric" for d in result.diagnostics)


def test_tmp_framework_dirs_and_declared_volumes_are_writable_empty_dirs():
    component = Component(
        name="shop",
        framework="nextjs",
        workdir="/app",
        volumes=(Volume(target="/var/cache/app"),),
    )
    _, manifest = deployment(component)
    mounts = {m["mountPath"] for m in container(manifest)["volumeMounts"]}
    assert mounts == {"/tmp", "/app/.next/cache", "/var/cache/app"}
    assert all("emptyDir" in v for v in pod_spec(manifest)["volumes"])


def test_security_settings_are_honoured():
    config = settings(security={"read_only_root_filesystem": False, "run_as_non_root": False})
    _, manifest = deployment(Component(name="shop"), config=config)
    assert container(manifest)["securityContext"]["readOnlyRootFilesystem"] is False
    assert "runAsNonRoot" not in pod_spec(manifest)["securityContext"]


def test_compose_privileged_and_extra_capabilities_are_refused_with_warnings():
    hints = SecurityHints(
        user="1000", uid=1000, privileged=True, cap_add=("NET_ADMIN", "NET_BIND_SERVICE")
    )
    result, manifest = deployment(Component(name="shop", security=hints))
    caps = container(manifest)["securityContext"]["capabilities"]
    assert caps == {"drop": ["ALL"]}
    codes = {d.code for d in result.diagnostics}
    assert {
        "generate.privileged-dropped",
        "generate.capabilities-dropped",
        "generate.bind-capability-replaced",
    } <= codes


def _root_fix(component: Component) -> str:
    result, _ = deployment(component)
    warning = next(d for d in result.diagnostics if d.code == "generate.runs-as-root")
    return warning.message


def test_the_runs_as_root_fix_names_a_dockerfile_only_when_there_is_one():
    root = SecurityHints(user="root", uid=0, runs_as_root=True)
    built = Component(name="shop", security=root, build=Build(dockerfile="Dockerfile"))
    assert "to the Dockerfile" in _root_fix(built)
    mounted = Component(name="shop", base_image="python:3.12-slim")  # code on a stock runtime
    assert "Dockerfile you write for it on python:3.12-slim" in _root_fix(mounted)
    plugin = Component(name="shop", build_tool="maven")  # Jib, buildpacks, a Procfile
    assert "Dockerfile" not in _root_fix(plugin)
    assert "build set a numeric non-root user" in _root_fix(plugin)
    stock = Component(name="shop", kind=ComponentKind.IMAGE, image="example/tool:1")
    assert "Dockerfile" not in _root_fix(stock)
