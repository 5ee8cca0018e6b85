"""CI files: the GitHub Actions workflow (and the GitLab CI file on request)."""

import re
import shutil
import subprocess

import pytest
import yaml

from dorgu.generation import (
    CiProvider,
    FileRoot,
    GenerationOptions,
    GitInfo,
    Layout,
    OutputFormat,
)
from dorgu.generation.ci import RegistryKind, registry_of
from dorgu.generation.rendering import render_files
from dorgu.models.app import Build, Component, ComponentKind, EnvVar, Port

from .builders import generate, settings

SECRET = "s3cr3t-VALUE-never-shown"
API = Component(
    name="api",
    path="api",
    ports=(Port(number=8080),),
    build=Build(context="api", dockerfile="api/Dockerfile.prod", target="runtime"),
    env=(EnvVar(name="API_TOKEN", value=SECRET, secret=True),),
)
WORKER = Component(name="worker", path="worker", build=Build(context="worker"))
REDIS = Component(name="redis", kind=ComponentKind.BACKING, image="redis:7")
GIT = GitInfo(short_sha="0123abc", branch="feature-x", default_branch="main")
LAYOUT = Layout(app_dir="apps/shop", output_dir="apps/shop/k8s")
USES = re.compile(r"^[\w.-]+/[\w.-]+@v\d+$")


def options(**changes: object) -> GenerationOptions:
    values: dict[str, object] = {"git": GIT, "layout": LAYOUT, "argocd": False}
    values.update(changes)
    return GenerationOptions(**values)  # type: ignore[arg-type]


def ci_files(*components: Component, registry: str | None = None, **changes: object) -> dict:
    config = settings(image={"registry": registry} if registry else {})
    result = generate(
        *(components or (API, WORKER, REDIS)), config=config, options=options(**changes)
    )
    return {d.filename: d.text for d in result.documents if d.root is FileRoot.REPOSITORY}


def workflow(*components: Component, registry: str | None = None, **changes: object) -> dict:
    files = ci_files(*components, registry=registry, **changes)
    loaded = yaml.safe_load(files[".github/workflows/dorgu-shop.yaml"])
    assert isinstance(loaded, dict)
    return loaded


def steps(flow: dict, job: str) -> list[dict]:
    return flow["jobs"][job]["steps"]


def logins(flow: dict) -> list[dict]:
    names = ("login", "auth", "aws")
    return [s for s in steps(flow, "build") if any(n in s.get("uses", "") for n in names)]


def test_the_workflow_is_written_at_the_repository_root_and_parses():
    files = ci_files()
    assert list(files) == [".github/workflows/dorgu-shop.yaml"]
    flow = workflow()
    assert flow["name"] == "dorgu shop"
    assert set(flow["jobs"]) == {"validate", "build", "bump"}
    rendered = render_files(generate(API, options=options()))
    ci = [f for f in rendered if f.root is FileRoot.REPOSITORY]
    assert [f.path for f in ci] == [".github/workflows/dorgu-shop.yaml"] and not ci[0].applied


def test_triggers_push_to_the_current_and_default_branch_and_prs_touching_the_app():
    trigger = workflow()["on"]
    assert trigger["push"]["branches"] == ["feature-x", "main"]
    assert trigger["push"]["paths"][0] == "apps/shop/**"
    assert trigger["pull_request"]["paths"] == [
        "apps/shop/**",
        ".github/workflows/dorgu-shop.yaml",
    ]


def test_an_app_at_the_repository_root_triggers_on_any_path():
    flow = workflow(API, layout=Layout(app_dir=".", output_dir="k8s"))
    assert flow["on"]["pull_request"]["paths"][0] == "**"


def test_permissions_are_minimal():
    flow = workflow(registry="docker.io/acme")
    assert flow["permissions"] == {"contents": "read"}
    assert flow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert "permissions" not in flow["jobs"]["validate"]
    assert flow["jobs"]["bump"]["permissions"] == {"contents": "write"}
    ghcr = workflow(registry="ghcr.io/acme")
    assert ghcr["jobs"]["build"]["permissions"] == {"contents": "read", "packages": "write"}


def test_ghcr_logs_in_with_the_workflow_token():
    flow = workflow(registry="ghcr.io/acme")
    (login,) = logins(flow)
    assert login["uses"] == "docker/login-action@v3"
    assert login["with"] == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ secrets.GITHUB_TOKEN }}",
    }
    assert login["if"] == "github.event_name == 'push'"


def test_docker_hub_logs_in_with_repository_secrets():
    for registry in (None, "docker.io/acme"):
        (login,) = logins(workflow(registry=registry))
        assert login["with"] == {
            "username": "${{ secrets.DOCKERHUB_USERNAME }}",
            "password": "${{ secrets.DOCKERHUB_TOKEN }}",
        }


def test_ecr_uses_oidc_aws_credentials_and_the_ecr_login():
    flow = workflow(registry="123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme")
    credentials, ecr = logins(flow)
    assert credentials["uses"] == "aws-actions/configure-aws-credentials@v4"
    assert credentials["with"]["aws-region"] == "eu-west-1"
    assert credentials["with"]["role-to-assume"] == "${{ secrets.AWS_ROLE_ARN }}"
    assert ecr["uses"] == "aws-actions/amazon-ecr-login@v2"
    assert flow["jobs"]["build"]["permissions"] == {"contents": "read", "id-token": "write"}


def test_google_registries_use_workload_identity():
    for registry in ("europe-docker.pkg.dev/acme/images", "gcr.io/acme"):
        flow = workflow(registry=registry)
        auth, login = logins(flow)
        assert auth["uses"] == "google-github-actions/auth@v2"
        assert auth["with"]["token_format"] == "access_token"
        assert login["with"]["registry"] == registry.split("/")[0]
        assert login["with"]["username"] == "oauth2accesstoken"
        assert login["with"]["password"] == "${{ steps.gcp-auth.outputs.access_token }}"
        assert flow["jobs"]["build"]["permissions"]["id-token"] == "write"


def test_other_registries_log_in_with_generic_secrets():
    (login,) = logins(workflow(registry="registry.example.com/acme"))
    assert login["with"] == {
        "registry": "registry.example.com",
        "username": "${{ secrets.REGISTRY_USERNAME }}",
        "password": "${{ secrets.REGISTRY_PASSWORD }}",
    }


def test_registry_kinds():
    assert registry_of(None).kind is RegistryKind.DOCKER_HUB
    assert registry_of("index.docker.io").kind is RegistryKind.DOCKER_HUB
    assert registry_of("ghcr.io").kind is RegistryKind.GHCR
    ecr = registry_of("1234.dkr.ecr.us-east-2.amazonaws.com")
    assert ecr.kind is RegistryKind.ECR and ecr.region == "us-east-2"
    assert registry_of("us.gcr.io").kind is RegistryKind.GCP
    assert registry_of("registry.gitlab.com").kind is RegistryKind.GITLAB
    assert registry_of("quay.io").kind is RegistryKind.OTHER


def test_every_component_built_from_source_gets_its_context_and_dockerfile():
    flow = workflow(registry="ghcr.io/acme")
    include = flow["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert include == [
        {
            "component": "api",
            "image": "ghcr.io/acme/shop/api",
            "context": "apps/shop/api",
            "dockerfile": "apps/shop/api/Dockerfile.prod",
            "target": "runtime",
        },
        {
            "component": "worker",
            "image": "ghcr.io/acme/shop/worker",
            "context": "apps/shop/worker",
            "dockerfile": "apps/shop/worker/Dockerfile",
            "target": "",
        },
    ]
    build = next(s for s in steps(flow, "build") if "build-push" in s.get("uses", ""))
    assert build["with"]["context"] == "${{ matrix.context }}"
    assert build["with"]["file"] == "${{ matrix.dockerfile }}"
    assert build["with"]["target"] == "${{ matrix.target }}"
    assert build["with"]["push"] == "${{ github.event_name == 'push' }}"
    assert build["with"]["tags"] == "${{ matrix.image }}:${{ steps.tag.outputs.tag }}"
    tag = next(s for s in steps(flow, "build") if s.get("id") == "tag")
    assert "${GITHUB_SHA::7}" in tag["run"]


def test_a_component_without_a_dockerfile_gets_a_warning():
    bare = Component(name="svc", ports=(Port(number=80),))
    result = generate(bare, options=options(layout=Layout(app_dir=".", output_dir="k8s")))
    assert "generate.ci-no-dockerfile" in {d.code for d in result.diagnostics}
    text = next(d.text for d in result.documents if d.root is FileRoot.REPOSITORY)
    assert "dockerfile: Dockerfile" in text


def test_validate_runs_dorgu_validate_on_the_output_directory():
    runs = [s.get("run", "") for s in steps(workflow(), "validate")]
    assert "pip install dorgu" in runs
    assert 'dorgu validate "apps/shop/k8s"' in runs


def test_the_bump_job_runs_only_on_the_default_branch_after_the_build():
    bump = workflow()["jobs"]["bump"]
    assert bump["needs"] == "build"
    assert "github.event.repository.default_branch" in bump["if"]
    assert "github.event_name == 'push'" in bump["if"]
    script = "\n".join(s.get("run", "") for s in bump["steps"])
    assert 'cd "apps/shop/k8s"' in script
    assert 'kustomize edit set image "shop/api=shop/api:${TAG}"' in script
    assert "git push" in script and "[skip ci]" in script


def test_actions_are_pinned_to_major_versions():
    flow = workflow(registry="123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme")
    for job in flow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert USES.match(step["uses"]), step["uses"]


def test_no_secret_value_is_ever_inlined():
    for registry in (None, "ghcr.io/a", "quay.io/a", "1.dkr.ecr.eu-west-1.amazonaws.com/a"):
        for text in ci_files(registry=registry, ci=frozenset(CiProvider)).values():
            assert SECRET not in text
            pattern = r"^[\s-]*(password|token|username):\s*(.+)$"
            for key, value in re.findall(pattern, text, re.I | re.M):
                assert value.startswith(("${{", "oauth2accesstoken")), (key, value)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_every_run_script_is_valid_shell():
    flow = workflow(output_format=OutputFormat.YAML)
    for job in flow["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                done = subprocess.run(["bash", "-n"], input=step["run"], text=True, check=False)
                assert done.returncode == 0, step["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_the_plain_yaml_bump_rewrites_the_image_tags(tmp_path):
    flow = workflow(output_format=OutputFormat.YAML, layout=Layout(".", "k8s"))
    script = next(s["run"] for s in steps(flow, "bump") if "TAG=" in s.get("run", ""))
    assert "kustomize" not in script
    (tmp_path / "k8s" / "api").mkdir(parents=True)
    deployment = tmp_path / "k8s" / "api" / "deployment.yaml"
    deployment.write_text(
        "containers:\n- name: api\n  image: shop/api:0123abc\n- image: shop/api-extra:1\n"
    )
    subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={"GITHUB_SHA": "fedcba9876543210", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert deployment.read_text() == (
        "containers:\n- name: api\n  image: shop/api:fedcba9\n- image: shop/api-extra:1\n"
    )


def test_skip_ci_writes_nothing_and_image_only_apps_get_a_warning():
    assert ci_files(ci=frozenset()) == {}
    result = generate(REDIS, options=options())
    assert not [d for d in result.documents if d.root is FileRoot.REPOSITORY]
    assert "generate.ci-nothing-to-build" in {d.code for d in result.diagnostics}


def test_a_detached_head_falls_back_to_main_with_a_warning():
    result = generate(API, options=options(git=GitInfo(short_sha="0123abc")))
    assert "generate.ci-no-branch" in {d.code for d in result.diagnostics}


def test_gitlab_ci_on_request():
    files = ci_files(registry="registry.gitlab.com/acme", ci=frozenset({CiProvider.GITLAB}))
    assert list(files) == [".gitlab/ci/dorgu-shop.gitlab-ci.yml"]
    text = files[".gitlab/ci/dorgu-shop.gitlab-ci.yml"]
    assert "include:" in text.split("\n\n")[0]  # the header says how to include it
    jobs = yaml.safe_load(text)
    assert set(jobs) == {
        "dorgu-shop-validate",
        "dorgu-shop-build-api",
        "dorgu-shop-build-worker",
        "dorgu-shop-bump",
    }
    build = jobs["dorgu-shop-build-api"]
    assert build["image"]["name"].startswith("gcr.io/kaniko-project/executor:")
    executor = build["script"][-1]
    assert '--context "${CI_PROJECT_DIR}/apps/shop/api"' in executor
    assert '--dockerfile "${CI_PROJECT_DIR}/apps/shop/api/Dockerfile.prod"' in executor
    assert '--destination "registry.gitlab.com/acme/shop/api:${CI_COMMIT_SHORT_SHA}"' in executor
    assert any("CI_REGISTRY_PASSWORD" in line for line in build["script"])
    bump = jobs["dorgu-shop-bump"]
    assert bump["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    assert bump["needs"] == ["dorgu-shop-build-api", "dorgu-shop-build-worker"]
    assert any("kustomize edit set image" in line for line in bump["script"])
    assert "GITOPS_TOKEN" in text


def test_both_providers_together():
    files = ci_files(ci=frozenset({CiProvider.GITHUB, CiProvider.GITLAB}))
    assert set(files) == {
        ".github/workflows/dorgu-shop.yaml",
        ".gitlab/ci/dorgu-shop.gitlab-ci.yml",
    }
