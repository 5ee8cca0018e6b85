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
