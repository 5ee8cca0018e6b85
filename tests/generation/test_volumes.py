from dorgu.generation import ComponentInput, MountedFile
from dorgu.models.app import Component, ComponentKind, Volume, VolumeKind
from dorgu.settings import sanitize_name

from .builders import container, find, generate, pod_spec


def _input(component, files):
    return ComponentInput(component=component, name="shop-db", service_name="db", files=files)


DB = Component(
    name="db",
    kind=ComponentKind.BACKING,
    image="postgres:16",
    volumes=(
        Volume(
            target="/docker-entrypoint-initdb.d/init.sql",
            kind=VolumeKind.BIND,
            source="db/init.sql",
            read_only=True,
        ),
        Volume(target="/etc/app/creds.json", kind=VolumeKind.BIND, source="db/creds.json"),
        Volume(target="/src", kind=VolumeKind.BIND, source="src"),
        Volume(target="/cache", kind=VolumeKind.TMPFS),
    ),
)


def test_bind_mounted_files_become_config_maps_or_secret_placeholders():
    files = (
        MountedFile(source="db/init.sql", text="CREATE TABLE t (id int);\n"),
        MountedFile(source="db/creds.json", text=None, secret=True),
    )
    api = Component(name="api")
    result = generate(api, inputs=[_input(DB, files)])
    assert find(result, "ConfigMap", "shop-db-init-sql")["data"] == {
        "init.sql": "CREATE TABLE t (id int);\n"
    }
    secret = next(r for r in result.resources if r.kind == "Secret")
    assert secret.template and secret.manifest["stringData"] == {"creds.json": "REPLACE_ME"}
    mounts = {
        m["mountPath"]: m for m in container(find(result, "Deployment", "shop-db"))["volumeMounts"]
    }
    assert mounts["/docker-entrypoint-initdb.d/init.sql"]["subPath"] == "init.sql"
    assert "/src" not in mounts
    volumes = {v["name"]: v for v in pod_spec(find(result, "Deployment", "shop-db"))["volumes"]}
    assert volumes["cache"] == {"name": "cache", "emptyDir": {"medium": "Memory"}}
    codes = {d.code for d in result.diagnostics}
    assert {"generate.file-placeholder", "generate.bind-mount-skipped"} <= codes
    assert sanitize_name("init.sql") == "init-sql"


NGINX = Component(
    name="web",
    kind=ComponentKind.IMAGE,
    image="nginx:1.27",
    volumes=(
        Volume(target="/etc/nginx/templates", kind=VolumeKind.BIND, source="conf/templates"),
        Volume(target="/srv", kind=VolumeKind.BIND, source="mixed"),
    ),
)


def test_a_copied_config_directory_becomes_one_config_map_and_templates_get_their_output_dir():
    files = (
        MountedFile(source="conf/templates/a.conf.template", text="server { listen 80; }\n"),
        MountedFile(source="conf/templates/b.conf.template", text="server { listen 81; }\n"),
        MountedFile(source="mixed/ok.txt", text="ok\n"),
        MountedFile(source="mixed/key.pem", text=None, secret=True),
    )
    inputs = [ComponentInput(component=NGINX, name="shop-web", service_name="web", files=files)]
    result = generate(Component(name="api"), inputs=inputs)
    config = find(result, "ConfigMap", "shop-web-templates")
    assert sorted(config["data"]) == ["a.conf.template", "b.conf.template"]
    mounts = {
        m["mountPath"]: m for m in container(find(result, "Deployment", "shop-web"))["volumeMounts"]
    }
    assert "subPath" not in mounts["/etc/nginx/templates"]
    assert "/srv" not in mounts  # a directory with a secret-looking file is never copied
    for writable in ("/etc/nginx/conf.d", "/var/cache/nginx", "/var/run"):
        assert writable in mounts
