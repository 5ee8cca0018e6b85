"""Persona services with the fake client: building like generate, reading files, applying,
diffing, listing, deleting, and pulling back into .dorgu.yaml."""

import shutil
from pathlib import Path

import pytest
import yaml

from dorgu.clients import APPLICATION_PERSONAS, FakeKube
from dorgu.errors import ClusterError, InputError, OutputError, UsageError
from dorgu.models.config import AppConfig
from dorgu.models.personas import ApplicationPersona, dump_wire
from dorgu.services.generating import GenerateRequest, generate
from dorgu.services.personas import (
    apply_personas,
    delete_persona,
    get_persona,
    list_personas,
    load_personas,
    persona_config,
    pull_persona,
    read_persona_file,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    target = tmp_path / "orders"
    shutil.copytree(EXAMPLES / "python-fastapi", target)
    return target


def _generated_personas(path: Path) -> list[dict[str, object]]:
    outcome = generate(GenerateRequest(path=path, dry_run=True), environ={})
    found = [
        yaml.safe_load(f.text) for f in outcome.files if f.path.endswith("applicationpersona.yaml")
    ]
    return sorted(found, key=lambda p: str(p["metadata"]["name"]))


def test_directory_builds_the_same_persona_as_generate(app: Path) -> None:
    personas = load_personas(app, environ={})
    assert [dump_wire(p) for p in personas] == _generated_personas(app)
    assert personas[0].metadata.name == "orders"


def test_multi_component_app_gives_one_persona_per_app_component(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "compose-shop", shop)
    personas = load_personas(shop, namespace="shop", environ={})
    assert sorted(p.metadata.name or "" for p in personas) == ["shop-api", "shop-worker"]
    assert {p.metadata.namespace for p in personas} == {"shop"}
    built = sorted(load_personas(shop, environ={}), key=lambda p: p.metadata.name or "")
    assert [dump_wire(p) for p in built] == _generated_personas(shop)


def test_file_is_read_and_its_namespace_must_match_the_flag(tmp_path: Path, app: Path) -> None:
    persona = load_personas(app, environ={})[0]
    body = dump_wire(persona) | {"metadata": {"name": "orders", "namespace": "shop"}}
    file = tmp_path / "persona.yaml"
    file.write_text("kind: ConfigMap\n---\n" + yaml.safe_dump(body))
    assert [p.metadata.name for p in read_persona_file(file)] == ["orders"]
    assert load_personas(file, namespace="shop")[0].metadata.namespace == "shop"
    with pytest.raises(UsageError, match="in namespace shop, not other"):
        load_personas(file, namespace="other")


def test_invalid_persona_file_names_file_line_and_field(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(
        "apiVersion: dorgu.io/v1\nkind: ApplicationPersona\nmetadata:\n  name: x\n"
        "spec:\n  name: x\n  type: mainframe\n"
    )
    with pytest.raises(InputError, match=r"bad.yaml:7: spec.type: "):
        read_persona_file(file)
    empty = tmp_path / "empty.yaml"
    empty.write_text("kind: ConfigMap\n")
    with pytest.raises(InputError, match="no ApplicationPersona"):
        read_persona_file(empty)


def test_apply_creates_then_configures_and_dry_run_and_diff_change_nothing(app: Path) -> None:
    kube = FakeKube(namespace="shop")
    personas = load_personas(app, environ={})
    [dry] = apply_personas(personas, client=kube, dry_run=True)
    assert dry.created and dry.dry_run
    assert kube.list(APPLICATION_PERSONAS) == []
    [first] = apply_personas(personas, client=kube)
    assert first.created and first.namespace == "shop"
    [again] = apply_personas(personas, client=kube)
    assert not again.created
    stored = kube.get(APPLICATION_PERSONAS, first.name)
    assert stored is not None and "status" not in stored
    changed = personas[0].model_copy(
        update={"spec": personas[0].spec.model_copy(update={"version": "9.9.9"})}
    )
    [diffed] = apply_personas([changed], client=kube, diff=True)
    assert "-  version: 0.1.0" in diffed.diff and "+  version: 9.9.9" in diffed.diff
    assert "managedFields" not in diffed.diff
    assert get_persona(first.name, client=kube).spec.version == "0.1.0"
    assert all(dry_run for _, dry_run, _ in kube.applied[:1])


def test_get_list_delete(app: Path) -> None:
    kube = FakeKube()
    apply_personas(load_personas(app, environ={}), client=kube)
    assert [p.metadata.name for p in list_personas(client=kube)] == ["orders"]
    assert list_personas(client=kube, namespace="elsewhere") == []
    delete_persona("orders", client=kube)
    with pytest.raises(ClusterError, match="no ApplicationPersona 'orders' in namespace default"):
        get_persona("orders", client=kube)
    with pytest.raises(ClusterError, match="dorgu persona list -A"):
        delete_persona("orders", client=kube)


def test_pulled_config_is_a_valid_app_file_that_generates_the_same_sizing(app: Path) -> None:
    persona = load_personas(app, namespace="shop", environ={})[0]
    data, skipped = persona_config(persona)
    AppConfig.model_validate(data)
    assert data["namespace"] == "shop"
    assert "policies" in skipped and "api" in skipped
    fresh = app.parent / "fresh"
    shutil.copytree(app, fresh)
    kube = FakeKube(namespace="shop")
    apply_personas([persona], client=kube)
    outcome = pull_persona("orders", fresh, client=kube, environ={})
    assert outcome.file.endswith(".dorgu.yaml")
    rebuilt = load_personas(fresh, environ={})[0]
    for section in ("resources", "scaling", "health", "dependencies", "type"):
        assert getattr(rebuilt.spec, section) == getattr(persona.spec, section), section
    assert rebuilt.metadata.namespace == "shop"


def test_pull_never_overwrites_without_force(app: Path) -> None:
    kube = FakeKube()
    apply_personas(load_personas(app, environ={}), client=kube)
    (app / ".dorgu.yaml").write_text("version: 1\n")
    with pytest.raises(OutputError, match="already exists"):
        pull_persona("orders", app, client=kube, environ={})
    assert (app / ".dorgu.yaml").read_text() == "version: 1\n"
    pull_persona("orders", app, client=kube, force=True, environ={})
    assert "pulled from ApplicationPersona default/orders" in (app / ".dorgu.yaml").read_text()


def test_persona_status_is_read_back_from_the_cluster(app: Path) -> None:
    kube = FakeKube()
    [outcome] = apply_personas(load_personas(app, environ={}), client=kube)
    kube.apply({**outcome.result, "status": {"phase": "Active"}}, status=True)
    assert (
        ApplicationPersona.model_validate(
            kube.get(APPLICATION_PERSONAS, "orders")
        ).status.phase.value
        == "Active"
    )  # type: ignore[union-attr]
