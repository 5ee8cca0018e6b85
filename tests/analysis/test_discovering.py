from dorgu.analysis.discovering import compose_files, find_app_dirs, is_dockerfile
from dorgu.analysis.sources import SourceTree


def tree(*paths, **texts):
    return SourceTree(
        paths=tuple(sorted(paths)), texts={k.replace("__", "/"): v for k, v in texts.items()}
    )


def test_single_app_at_root():
    assert find_app_dirs(tree("Dockerfile", "main.go", "go.mod")) == ["."]


def test_manifest_dirs_inside_a_containerised_app_are_part_of_it():
    assert find_app_dirs(tree("Dockerfile", "pyproject.toml", "frontend/package.json")) == ["."]


def test_monorepo_apps_are_found_and_the_umbrella_is_not_an_app():
    paths = (
        "package.json",
        "services/orders/go.mod",
        "services/orders/Dockerfile",
        "services/pay/requirements.txt",
        "web/package.json",
        "web/Dockerfile",
    )
    t = SourceTree(paths=paths, texts={"package.json": '{"workspaces": ["web"]}'})
    assert find_app_dirs(t) == ["services/orders", "services/pay", "web"]


def test_workspace_root_without_dockerfiles_is_skipped():
    t = SourceTree(
        paths=("Cargo.toml", "crates/api/Cargo.toml", "crates/cli/Cargo.toml"),
        texts={"Cargo.toml": "[workspace]\nmembers = ['crates/*']\n"},
    )
    assert find_app_dirs(t) == ["crates/api", "crates/cli"]


def test_nothing_recognisable_gives_no_apps():
    assert find_app_dirs(tree("README.md", "docs/index.md")) == []


def test_compose_override_is_merged_after_the_base_file():
    assert compose_files(tree("compose.yaml", "compose.override.yaml")) == [
        "compose.yaml",
        "compose.override.yaml",
    ]
    assert compose_files(tree("docker-compose.yml")) == ["docker-compose.yml"]
    assert compose_files(tree("sub/compose.yaml")) == []


def test_dockerfile_name_variants():
    assert is_dockerfile("Dockerfile")
    assert is_dockerfile("a/Dockerfile.prod")
    assert is_dockerfile("api.Dockerfile")
    assert not is_dockerfile("docker.md")
