"""The GitLab CI file ``.gitlab/ci/dorgu-<app>.gitlab-ci.yml`` (opt-in: ``--ci gitlab``).

A file of its own, to be included from ``.gitlab-ci.yml`` (``include: - local: ...``), so it
never takes over a project's pipeline and several apps of a monorepo do not collide: every
job is prefixed ``dorgu-<app>-`` and only the default stages are used (``build``, ``deploy``).

Jobs: ``validate`` (``pip install dorgu``, ``dorgu validate``), one kaniko build per component
built from source (no privileged docker:dind; ``--no-push`` in merge requests), tagged with
``$CI_COMMIT_SHORT_SHA``, and ``bump`` on the default branch (``kustomize edit set image``,
commit, push with the ``GITOPS_TOKEN`` variable: a project access token with
``write_repository``).  Registry credentials are CI/CD variable references only.

Must not read anything but the ``CiPlan``.
"""

from __future__ import annotations

import json
import re

from dorgu.generation.ci import BuildTarget, CiPlan, RegistryKind, bump_commands
from dorgu.generation.manifests import Manifest
from dorgu.generation.rendering import render_manifest

KANIKO = "gcr.io/kaniko-project/executor:v1.23.2-debug"
PYTHON = "python:3.12-slim"
ALPINE = "alpine:3.20"
DOCKER_CONFIG = "/kaniko/.docker/config.json"
_PASSWORDS = {
    RegistryKind.GITLAB: ("CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"),
    RegistryKind.DOCKER_HUB: ("DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"),
    RegistryKind.GHCR: ("GHCR_USERNAME", "GHCR_TOKEN"),
}
_HELPERS = {RegistryKind.ECR: "ecr-login", RegistryKind.GCP: "gcr"}
_BUILTIN = {"CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"}


def gitlab_ci_path(app: str) -> str:
    return f".gitlab/ci/dorgu-{app}.gitlab-ci.yml"


def _rules(ci: CiPlan, *, default_branch_only: bool = False) -> list[object]:
    app_paths = "**/*" if ci.app_dir == "." else f"{ci.app_dir}/**/*"
    changes = [app_paths, gitlab_ci_path(ci.app)]
    if default_branch_only:
        return [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "changes": list(changes)}]
    rules: list[object] = [
        {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "changes": list(changes)}
    ]
    rules += [{"if": f'$CI_COMMIT_BRANCH == "{b}"', "changes": list(changes)} for b in ci.branches]
    return rules


def _auth_lines(target: BuildTarget) -> list[str]:
    registry = target.registry
    lines = ["mkdir -p /kaniko/.docker"]
    helper = _HELPERS.get(registry.kind)
    if helper:
        config = json.dumps({"credHelpers": {registry.host: helper}}, separators=(",", ":"))
        return [*lines, f"printf '%s' '{config}' > {DOCKER_CONFIG}"]
    user, password = _PASSWORDS.get(registry.kind, ("REGISTRY_USERNAME", "REGISTRY_PASSWORD"))
    host = (
        "https://index.docker.io/v1/" if registry.kind is RegistryKind.DOCKER_HUB else registry.host
    )
    return [
        *lines,
        f'AUTH="$(printf \'%s:%s\' "${{{user}}}" "${{{password}}}" | base64 | tr -d \'\\n\')"',
        f'printf \'{{"auths":{{"%s":{{"auth":"%s"}}}}}}\' \'{host}\' "${{AUTH}}" > {DOCKER_CONFIG}',
    ]


def _project_path(path: str) -> str:
    return "${CI_PROJECT_DIR}" if path == "." else "${CI_PROJECT_DIR}/" + path


def _build_job(ci: CiPlan, target: BuildTarget, validate: str) -> Manifest:
    executor = [
        "/kaniko/executor",
        f'--context "{_project_path(target.context)}"',
        f'--dockerfile "{_project_path(target.dockerfile)}"',
        f'--destination "{target.image}:${{CI_COMMIT_SHORT_SHA}}"',
    ]
    if target.target:
        executor.append(f'--target "{target.target}"')
    executor.append("${PUSH}")
    return {
        "stage": "build",
        "needs": [validate],
        "image": {"name": KANIKO, "entrypoint": [""]},
        "rules": _rules(ci),
        "script": [
            *_auth_lines(target),
            'PUSH=""; if [ "$CI_PIPELINE_SOURCE" = "merge_request_event" ]; '
            'then PUSH="--no-push"; fi',
            " ".join(executor),
        ],
    }


def _bump_job(ci: CiPlan, builds: list[str]) -> Manifest:
    remote = "https://oauth2:${GITOPS_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git"
    return {
        "stage": "deploy",
        "needs": list(builds),
        "image": ALPINE,
        "resource_group": f"dorgu-{ci.app}-gitops",
        "rules": _rules(ci, default_branch_only=True),
        "script": [
            "apk add --no-cache git kustomize",
            'TAG="${CI_COMMIT_SHORT_SHA}"',
            *bump_commands(ci, tag="${TAG}"),
            'cd "${CI_PROJECT_DIR}"',
            'git config user.name "dorgu-bot"',
            'git config user.email "dorgu-bot@${CI_SERVER_HOST}"',
            f'git add -A "{ci.output_dir}"',
            'if git diff --cached --quiet; then echo "nothing to bump"; exit 0; fi',
            f'git commit -m "deploy({ci.app}): images ${{TAG}} [skip ci]"',
            f'git pull --rebase "{remote}" "${{CI_COMMIT_BRANCH}}"',
            f'git push "{remote}" "HEAD:${{CI_COMMIT_BRANCH}}"',
        ],
    }


def render_gitlab_ci(ci: CiPlan) -> tuple[str, str]:
    prefix = f"dorgu-{ci.app}"
    validate = f"{prefix}-validate"
    jobs: Manifest = {
        validate: {
            "stage": "build",
            "image": PYTHON,
            "rules": _rules(ci),
            "script": ["pip install dorgu", f'dorgu validate "{ci.output_dir}"'],
        }
    }
    builds = []
    for target in ci.targets:
        name = f"{prefix}-build-{target.component}"
        jobs[name] = _build_job(ci, target, validate)
        builds.append(name)
    jobs[f"{prefix}-bump"] = _bump_job(ci, builds)
    body = render_manifest(jobs)
    variables = sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", body)) - _BUILTIN)
    variables = [
        v for v in variables if not v.startswith("CI_") and v not in ("TAG", "PUSH", "AUTH")
    ]
    path = gitlab_ci_path(ci.app)
    header = [
        f"# Generated by dorgu for {ci.app}. Include it from .gitlab-ci.yml:",
        "#   include:",
        f"#     - local: {path}",
        f"# CI/CD variables it needs: {', '.join(variables)}.",
    ]
    helpers = sorted({t.registry.kind for t in ci.targets if t.registry.kind in _HELPERS})
    if RegistryKind.ECR in helpers:
        header.append("# ECR: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION.")
    if RegistryKind.GCP in helpers:
        header.append("# Google: set GOOGLE_APPLICATION_CREDENTIALS as a file variable.")
    return path, "\n".join(header) + "\n" + body
