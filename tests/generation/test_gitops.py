"""The Argo CD Application: source from git, destination, sync policy, and where it goes."""

import yaml

from dorgu.generation import GenerationOptions, GitInfo, Layout, OutputFormat
from dorgu.generation.gitops import APPLICATION_FILE, without_credentials
from dorgu.generation.rendering import render_files, render_stream
from dorgu.models.app import Component, Port

from .builders import generate, load_all, settings

API = Component(name="api", ports=(Port(number=8080),))
WORKER = Component(name="worker")
GIT = GitInfo(short_sha="0123abc", branch="trunk", remote="https://github.com/acme/shop.git")
LAYOUT = Layout(app_dir="apps/shop", output_dir="apps/shop/deploy/k8s")


def options(**changes: object) -> GenerationOptions:
    values: dict[str, object] = {"git": GIT, "layout": LAYOUT, "ci": frozenset()}
    values.update(changes)
    return GenerationOptions(**values)  # type: ignore[arg-type]


def application(*components: Component, **kwargs: object) -> dict[str, object]:
    result = generate(*(components or (API,)), **kwargs)
    documents = [d for d in result.documents if d.filename == APPLICATION_FILE]
    assert len(documents) == 1, [d.filename for d in result.documents]
    loaded = yaml.safe_load(documents[0].text)
    assert isinstance(loaded, dict)
    return loaded


def codes(*components: Component, **kwargs: object) -> set[str]:
    return {d.code for d in generate(*components, **kwargs).diagnostics}


def test_the_application_deploys_the_output_path_of_the_current_branch():
    app = application(options=options())
    assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
    assert app["metadata"]["name"] == "shop"
    assert app["metadata"]["namespace"] == "argocd"
    assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert app["spec"]["project"] == "default"
    assert app["spec"]["source"] == {
        "repoURL": "https://github.com/acme/shop.git",
        "targetRevision": "trunk",
        "path": "apps/shop/deploy/k8s",
    }
    assert app["spec"]["destination"]["server"] == "https://kubernetes.default.svc"


def test_the_namespace_is_the_destination_and_is_created():
    app = application(config=settings(namespace="shop"), options=options())
    assert app["spec"]["destination"]["namespace"] == "shop"
    assert app["spec"]["syncPolicy"] == {"syncOptions": ["CreateNamespace=true"]}


def test_without_a_namespace_there_is_no_sync_policy_at_all():
    app = application(options=options())
    assert app["spec"]["destination"]["namespace"] == "default"
    assert "syncPolicy" not in app["spec"]


def test_automated_sync_only_on_request():
    app = application(options=options(argocd_auto_sync=True))
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}


def test_project_and_application_namespace_are_configurable():
    app = application(options=options(argocd_project="payments", argocd_namespace="gitops"))
    assert app["spec"]["project"] == "payments"
    assert app["metadata"]["namespace"] == "gitops"


def test_the_environment_is_part_of_the_name():
    app = application(config=settings(environment="prod"), options=options())
    assert app["metadata"]["name"] == "shop-prod"


def test_configured_repository_wins_over_the_git_remote():
    config = settings(app={"name": "shop", "repository": "git@gitlab.example.com:acme/shop.git"})
    app = application(config=config, options=options())
    assert app["spec"]["source"]["repoURL"] == "git@gitlab.example.com:acme/shop.git"


def test_credentials_never_reach_the_application():
    config = settings(app={"name": "shop", "repository": "https://bot:s3cr3t@github.com/a/b.git"})
    result = generate(API, config=config, options=options())
    text = "".join(d.text for d in result.documents if d.filename == APPLICATION_FILE)
    assert "s3cr3t" not in text and "bot" not in text
    assert "https://github.com/a/b.git" in text
    assert "generate.argocd-repository-credentials" in {d.code for d in result.diagnostics}
    remote = GitInfo(branch="main", remote="https://x-token:ghp_abc@github.com/a/b.git")
    assert "ghp_abc" not in "".join(
        d.text for d in generate(API, options=options(git=remote)).documents
    )


def test_stripping_credentials_keeps_ssh_user_names():
    assert without_credentials("https://u:p@h.example/r.git") == ("https://h.example/r.git", True)
    assert without_credentials("https://tok@h.example/r.git") == ("https://h.example/r.git", True)
    assert without_credentials("ssh://git:pw@h.example/r.git") == (
        "ssh://git@h.example/r.git",
        True,
    )
    assert without_credentials("ssh://git@h.example/r.git") == ("ssh://git@h.example/r.git", False)
    assert without_credentials("git@h.example:o/r.git") == ("git@h.example:o/r.git", False)


def test_a_detached_head_tracks_head_with_a_warning():
    git = GitInfo(short_sha="0123abc", remote="https://github.com/acme/shop.git")
    app = application(options=options(git=git))
    assert app["spec"]["source"]["targetRevision"] == "HEAD"
    assert "generate.argocd-no-branch" in codes(API, options=options(git=git))


def test_no_repository_means_no_application_and_a_warning():
    result = generate(API, options=options(git=GitInfo(branch="main")))
    assert APPLICATION_FILE not in {d.filename for d in result.documents}
    assert "generate.argocd-no-repository" in {d.code for d in result.diagnostics}


def test_skip_argocd_turns_it_off_silently():
    result = generate(API, options=options(argocd=False, git=GitInfo()))
    assert APPLICATION_FILE not in {d.filename for d in result.documents}
    assert not any(d.code.startswith("generate.argocd") for d in result.diagnostics)


def test_the_application_is_a_file_but_not_in_the_kustomization_or_the_stream():
    result = generate(API, WORKER, options=options())
    files = render_files(result)
    application_file = next(f for f in files if f.path == APPLICATION_FILE)
    assert not application_file.applied and application_file.note
    kustomization = yaml.safe_load(files[-1].text)
    assert APPLICATION_FILE not in kustomization["resources"]
    streamed = load_all(render_stream(result, documents=True))
    assert "Application" not in {d["kind"] for d in streamed}  # type: ignore[index]


def test_plain_yaml_output_excludes_what_must_not_be_applied():
    app = application(API, WORKER, options=options(output_format=OutputFormat.YAML))
    directory = app["spec"]["source"]["directory"]
    assert directory["recurse"] is True
    assert APPLICATION_FILE in directory["exclude"]
    assert "*.template.yaml" in directory["exclude"]
    assert "*applicationpersona.yaml" in directory["exclude"]
    kustomized = application(API, WORKER, options=options())
    assert "directory" not in kustomized["spec"]["source"]
