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


def test_a_dockerfile_beside_the_csproj_below_the_service_folder_takes_the_service_name():
    from dorgu.analysis.discovering import service_name

    t = SourceTree(
        paths=(
            "src/cart/src/Dockerfile",
            "src/cart/src/cart.csproj",
            "src/cart/tests/cart.tests.csproj",
        ),
        texts={
            "src/cart/src/cart.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>',
            "src/cart/tests/cart.tests.csproj": (
                '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>'
                '<PackageReference Include="Microsoft.NET.Test.Sdk" /></ItemGroup></Project>'
            ),
        },
    )
    assert find_app_dirs(t) == ["src/cart/src"]
    assert service_name("src/cart/src", "x") == "cart"
    assert service_name("services/api", "x") == "api"
    assert service_name("src", "shop") == "shop"
    assert service_name(".", "shop") == "shop"


def test_a_dockerfile_in_a_packaging_folder_belongs_to_the_service_folder():
    from dorgu.analysis.discovering import AppDir, find_apps

    t = tree("svc/docker/Dockerfile", "svc/package.json", "svc/server.js", "web/Dockerfile")
    assert find_apps(t) == [AppDir("svc", "svc/docker/Dockerfile"), AppDir("web")]
    # not lifted: a Dockerfile folder with its own build file, or a folder that is no packaging one
    assert find_app_dirs(tree("a/b/Dockerfile", "a/go.mod")) == ["a/b"]


def test_build_file_services_without_a_dockerfile_are_found_and_libraries_are_not():
    t = SourceTree(
        paths=(
            "package.json",
            "docs/requirements.txt",
            "mail/pyproject.toml",
            "mail/mail/main.py",
            "ship/go.mod",
            "ship/main.go",
            "lib/money/go.mod",
            "lib/money/money.go",
            "ui/package.json",
            "crate/Cargo.toml",
            "crate/src/lib.rs",
            "parent/pom.xml",
        ),
        texts={
            "package.json": '{"scripts": {"format": "prettier --write ."}}',
            "docs/requirements.txt": "mkdocs\n",
            "mail/pyproject.toml": "[project]\nname = 'mail'\n",
            "ship/go.mod": "module ship\n",
            "ship/main.go": "package main\n\nfunc main() {}\n",
            "lib/money/go.mod": "module money\n",
            "lib/money/money.go": "package money\n",
            "ui/package.json": '{"scripts": {"start": "vite"}}',
            "crate/Cargo.toml": "[package]\nname = 'c'\n[lib]\n",
            "parent/pom.xml": "<project><packaging>pom</packaging></project>",
        },
    )
    assert find_app_dirs(t) == ["mail", "ship", "ui"]


def test_only_libraries_are_still_analysed_rather_than_nothing():
    t = SourceTree(
        paths=("go.mod", "money.go"), texts={"go.mod": "module m\n", "money.go": "package m\n"}
    )
    assert find_app_dirs(t) == ["."]


def test_unreadable_or_junk_build_files_are_kept_when_in_doubt():
    t = SourceTree(
        paths=("a/package.json", "b/package.json", "c/x.csproj"),
        texts={"b/package.json": "{not json"},
    )
    assert find_app_dirs(t) == ["a", "b", "c"]
