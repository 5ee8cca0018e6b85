"""The GitHub Actions workflow ``.github/workflows/dorgu-<app>.yaml``.

Jobs: ``validate`` (``pip install dorgu`` then ``dorgu validate <output dir>``), ``build`` (a
matrix with one entry per component built from source: buildx, the registry's login, then
build-push-action with the component's context and Dockerfile, tagged with the short sha;
pushed only on push events), and ``bump`` (default branch only: set the new tags in the output
directory with ``kustomize edit set image`` and commit, so Argo CD deploys them).

Permissions are minimal: ``contents: read`` for the workflow; ``packages: write`` only for
ghcr.io, ``id-token: write`` only for OIDC logins (ECR, Google); ``contents: write`` only in
the bump job.  Actions are pinned to major versions.  Credentials are ``${{ secrets.X }}``
references only.  Must not read anything but the ``CiPlan``.
"""

from __future__ import annotations

from dorgu.generation.ci import CiPlan, Registry, RegistryKind, bump_commands
from dorgu.generation.manifests import Manifest
from dorgu.generation.rendering import render_manifest

CHECKOUT = "actions/checkout@v4"
SETUP_PYTHON = "actions/setup-python@v5"
SETUP_BUILDX = "docker/setup-buildx-action@v3"
LOGIN = "docker/login-action@v3"
BUILD_PUSH = "docker/build-push-action@v6"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@v4"
ECR_LOGIN = "aws-actions/amazon-ecr-login@v2"
GOOGLE_AUTH = "google-github-actions/auth@v2"
PYTHON_VERSION = "3.12"
ON_PUSH = "github.event_name == 'push'"
ON_DEFAULT_BRANCH = (
    "github.event_name == 'push' && "
    "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
)
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


def workflow_path(app: str) -> str:
    return f".github/workflows/dorgu-{app}.yaml"


def _secret(name: str) -> str:
    return "${{ secrets." + name + " }}"


def _login_steps(registry: Registry, *, condition: str, index: int) -> list[Manifest]:
    """The steps that log docker in to ``registry`` (``index`` keeps step ids unique)."""
    suffix = f"-{index}" if index else ""
    if registry.kind is RegistryKind.GHCR:
        user, password = "${{ github.actor }}", _secret("GITHUB_TOKEN")
    elif registry.kind is RegistryKind.DOCKER_HUB:
        user, password = _secret("DOCKERHUB_USERNAME"), _secret("DOCKERHUB_TOKEN")
    elif registry.kind is RegistryKind.ECR:
        credentials: Manifest = {
            "role-to-assume": _secret("AWS_ROLE_ARN"),
            "aws-region": registry.region or "us-east-1",
        }
        return [
            {
                "name": "AWS credentials",
                "if": condition,
                "uses": AWS_CREDENTIALS,
                "with": credentials,
            },
            {"name": f"Log in to {registry.host}", "if": condition, "uses": ECR_LOGIN},
        ]
    elif registry.kind is RegistryKind.GCP:
        auth_id = f"gcp-auth{suffix}"
        auth: Manifest = {
            "workload_identity_provider": _secret("GCP_WORKLOAD_IDENTITY_PROVIDER"),
            "service_account": _secret("GCP_SERVICE_ACCOUNT"),
            "token_format": "access_token",
        }
        login: Manifest = {
            "registry": registry.host,
            "username": "oauth2accesstoken",
            "password": "${{ steps." + auth_id + ".outputs.access_token }}",
        }
        return [
            {
                "name": "Google credentials",
                "id": auth_id,
                "if": condition,
                "uses": GOOGLE_AUTH,
                "with": auth,
            },
            {"name": f"Log in to {registry.host}", "if": condition, "uses": LOGIN, "with": login},
        ]
    else:
        user, password = _secret("REGISTRY_USERNAME"), _secret("REGISTRY_PASSWORD")
    settings: Manifest = (
        {} if registry.kind is RegistryKind.DOCKER_HUB else {"registry": registry.host}
    )
    settings.update({"username": user, "password": password})
    return [
        {"name": f"Log in to {registry.host}", "if": condition, "uses": LOGIN, "with": settings}
    ]


def _build_job(ci: CiPlan) -> Manifest:
    registries = ci.registries
    several = len(registries) > 1
    with_target = any(t.target for t in ci.targets)
    include: list[object] = []
    for target in ci.targets:
        entry: Manifest = {
            "component": target.component,
            "image": target.image,
            "context": target.context,
            "dockerfile": target.dockerfile,
        }
        if several:
            entry["registry"] = target.registry.host
        if with_target:
            entry["target"] = target.target or ""
        include.append(entry)
    permissions: Manifest = {"contents": "read"}
    if any(r.kind is RegistryKind.GHCR for r in registries):
        permissions["packages"] = "write"
    if any(r.kind in (RegistryKind.ECR, RegistryKind.GCP) for r in registries):
        permissions["id-token"] = "write"
    steps: list[object] = [
        {"uses": CHECKOUT},
        {
            "name": "Image tag (short commit sha)",
            "id": "tag",
            "run": 'echo "tag=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"',
        },
        {"uses": SETUP_BUILDX},
    ]
    for index, registry in enumerate(registries):
        condition = ON_PUSH
        if several:
            condition += f" && matrix.registry == '{registry.host}'"
        steps.extend(_login_steps(registry, condition=condition, index=index))
    build: Manifest = {
        "context": "${{ matrix.context }}",
        "file": "${{ matrix.dockerfile }}",
    }
    if with_target:
        build["target"] = "${{ matrix.target }}"
    build.update(
        {
            "push": "${{ " + ON_PUSH + " }}",
            "tags": "${{ matrix.image }}:${{ steps.tag.outputs.tag }}",
            "cache-from": "type=gha,scope=${{ matrix.component }}",
            "cache-to": "type=gha,mode=max,scope=${{ matrix.component }}",
        }
    )
    steps.append(
        {"name": "Build and push ${{ matrix.component }}", "uses": BUILD_PUSH, "with": build}
    )
    return {
        "name": "Build ${{ matrix.component }}",
        "needs": "validate",
        "runs-on": "ubuntu-latest",
        "permissions": permissions,
        "strategy": {"fail-fast": False, "matrix": {"include": include}},
        "steps": steps,
    }


def _bump_job(ci: CiPlan) -> Manifest:
    bump = ['TAG="${GITHUB_SHA::7}"', *bump_commands(ci, tag="${TAG}")]
    commit = [
        f'git config user.name "{BOT_NAME}"',
        f'git config user.email "{BOT_EMAIL}"',
        f'git add -A "{ci.output_dir}"',
        'if git diff --cached --quiet; then echo "nothing to bump"; exit 0; fi',
        f'git commit -m "deploy({ci.app}): images ${{GITHUB_SHA::7}} [skip ci]"',
        'git pull --rebase origin "${GITHUB_REF_NAME}"',
        'git push origin "HEAD:${GITHUB_REF_NAME}"',
    ]
    return {
        "name": f"Bump image tags in {ci.output_dir}",
        "needs": "build",
        "if": ON_DEFAULT_BRANCH,
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "write"},
        "concurrency": {"group": f"dorgu-{ci.app}-gitops", "cancel-in-progress": False},
        "steps": [
            {"uses": CHECKOUT, "with": {"ref": "${{ github.ref_name }}"}},
            {"name": "Set the new image tags", "run": "\n".join(bump) + "\n"},
            {"name": "Commit and push", "run": "\n".join(commit) + "\n"},
        ],
    }


def _secrets_used(text: str) -> list[str]:
    names = {part.split(" }}")[0] for part in text.split("${{ secrets.")[1:]}
    return sorted(names - {"GITHUB_TOKEN"})


def render_github_workflow(ci: CiPlan) -> tuple[str, str]:
    path = workflow_path(ci.app)
    app_paths = "**" if ci.app_dir == "." else f"{ci.app_dir}/**"
    paths = [app_paths, path]
    workflow: Manifest = {
        "name": f"dorgu {ci.app}",
        "on": {
            "push": {"branches": list(ci.branches), "paths": paths},
            "pull_request": {"paths": list(paths)},
        },
        "permissions": {"contents": "read"},
        "concurrency": {
            "group": f"dorgu-{ci.app}-${{{{ github.ref }}}}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "jobs": {
            "validate": {
                "name": f"Validate {ci.output_dir}",
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": CHECKOUT},
                    {"uses": SETUP_PYTHON, "with": {"python-version": PYTHON_VERSION}},
                    {"name": "Install dorgu", "run": "pip install dorgu"},
                    {"name": "Validate the manifests", "run": f'dorgu validate "{ci.output_dir}"'},
                ],
            },
            "build": _build_job(ci),
            "bump": _bump_job(ci),
        },
    }
    body = render_manifest(workflow)
    secrets = _secrets_used(body)
    header = [
        f"# Generated by dorgu for {ci.app}: validate {ci.output_dir}, build and push the images,",
        "# and on the default branch commit the new image tags for Argo CD to deploy.",
    ]
    if secrets:
        header.append(f"# Repository secrets it needs: {', '.join(secrets)}.")
    return path, "\n".join(header) + "\n" + body
