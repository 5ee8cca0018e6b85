"""``dorgu generate [PATH]``: write Kubernetes manifests for an app (default into PATH/k8s),
its persona, an Argo CD Application, and CI files at the repository root.

Prints the files written and one line per warning on stderr; with ``--stdout`` (alias
``--dry-run``) prints every applied object and the persona as one YAML stream on stdout and
writes nothing; with ``--diff`` prints a unified diff against the files on disk (stale
generated files as deleted) and writes nothing.  Stale files an earlier run generated are
removed with ``--force``, else listed in the summary with how to remove them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dorgu.cli.explain import llm_flags
from dorgu.models.patterns import LazyPattern

if TYPE_CHECKING:
    from dorgu.models.app import AppModel
    from dorgu.models.config import EffectiveSettings
    from dorgu.services.generating import GenerateOutcome

_DNS_LABEL = LazyPattern(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


@click.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output directory, relative to PATH (default: k8s).",
)
@click.option(
    "--stdout",
    "--dry-run",
    "stdout",
    is_flag=True,
    help="Print the manifests as one YAML stream; write nothing.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print a unified diff against the existing files; write nothing.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["kustomize", "yaml"]),
    default="kustomize",
    show_default=True,
    help="kustomize: with kustomization.yaml; yaml: the plain files only.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite existing files (output and CI files) and remove stale generated files.",
)
@click.option("--name", help="App name (setting app.name; default: the directory name).")
@click.option("--namespace", help="Namespace for every object (setting namespace).")
@click.option("--env", "environment", help="Environment, e.g. production (setting environment).")
@click.option("--image-tag", help="Image tag to deploy (default: git tag, else short commit sha).")
@click.option(
    "--registry", help="Image registry and org, e.g. ghcr.io/acme (setting image.registry)."
)
@click.option(
    "--ingress/--no-ingress",
    default=None,
    help="Expose HTTP components with an Ingress (setting ingress.enabled).",
)
@click.option("--host", help="Ingress host; sanitised to DNS rules.")
@click.option(
    "--tls/--no-tls", default=None, help="Terminate TLS on the Ingress (setting ingress.tls)."
)
@click.option("--ingress-class", help="IngressClass name (setting ingress.class_name).")
@click.option(
    "--gateway-api", is_flag=True, help="Generate Gateway API HTTPRoutes instead of Ingresses."
)
@click.option(
    "--gateway",
    default="gateway",
    show_default=True,
    metavar="[NAMESPACE/]NAME",
    help="Parent Gateway of the HTTPRoutes.",
)
@click.option(
    "--network-policy",
    is_flag=True,
    help="Generate NetworkPolicies from the declared dependencies.",
)
@click.option(
    "--external-secrets", is_flag=True, help="Generate ExternalSecrets instead of Secret templates."
)
@click.option(
    "--secret-store", metavar="NAME", help="ClusterSecretStore the ExternalSecrets read from."
)
@click.option(
    "--storage-size", default="1Gi", show_default=True, help="Size of each generated volume claim."
)
@click.option(
    "--profile", "profiles", multiple=True, help="Compose profile to enable (repeatable)."
)
@click.option(
    "--descriptors",
    type=click.Choice(["keep", "evidence", "ignore"]),
    help="Deployment descriptions in the repo (k8s manifests, kustomize, Helm, skaffold, "
    "Procfile): keep what they state, use them as evidence only, or ignore them "
    "(default: descriptors setting, else keep).",
)
@click.option(
    "--llm-provider",
    type=click.Choice(["openai", "anthropic", "gemini", "ollama"]),
    help="Enhance the analysis with this LLM provider before generating (default: llm.provider).",
)
@click.option("--llm-model", help="Model name for the provider (default: per provider).")
@click.option("--llm-base-url", help="Endpoint override (proxy, Azure, vLLM, LM Studio, ollama).")
@click.option("--no-llm", is_flag=True, help="Never call an LLM: rule-based only, no network.")
@click.option(
    "--persona/--no-persona",
    " /--skip-persona",
    default=True,
    show_default=True,
    help="Write applicationpersona.yaml and PERSONA.md for each app component.",
)
@click.option(
    "--anomaly-rules/--no-anomaly-rules",
    default=True,
    show_default=True,
    help="Write monitoring/anomaly-rules.yaml (a PrometheusRule) and the same rules as a plain "
    "rules file for each long-running app component (docs/generation.md).",
)
@click.option(
    "--observability/--no-observability",
    default=True,
    show_default=True,
    help="Write monitoring/: a ServiceMonitor or PodMonitor and SLO burn-rate rules (with "
    "promtool unit tests) when the app exposes metrics, and health alerts, a Grafana "
    "dashboard and Alertmanager routing for each long-running app component "
    "(docs/observability.md).",
)
@click.option("--skip-argocd", is_flag=True, help="Do not write argocd-application.yaml.")
@click.option(
    "--argocd-project",
    default="default",
    show_default=True,
    metavar="NAME",
    help="Argo CD project of the Application.",
)
@click.option(
    "--argocd-namespace",
    default="argocd",
    show_default=True,
    metavar="NS",
    help="Namespace of the Application (where Argo CD runs).",
)
@click.option(
    "--argocd-auto-sync",
    is_flag=True,
    help="Let Argo CD sync automatically (prune and self-heal).",
)
@click.option("--skip-ci", is_flag=True, help="Do not write CI files.")
@click.option(
    "--ci",
    "ci_providers",
    multiple=True,
    type=click.Choice(["github", "gitlab"]),
    help="CI files to write at the repository root (repeatable; default: github).",
)
@click.option("--gitlab-ci", is_flag=True, help="Also write a GitLab CI file (like --ci gitlab).")
@click.option(
    "--export",
    "exports",
    multiple=True,
    type=click.Choice(["backstage", "score"]),
    help="Also write a Backstage catalog-info.yaml or a Score score.yaml (repeatable).",
)
def generate(
    path: Path,
    output: Path | None,
    stdout: bool,
    show_diff: bool,
    output_format: str,
    force: bool,
    name: str | None,
    namespace: str | None,
    environment: str | None,
    image_tag: str | None,
    registry: str | None,
    ingress: bool | None,
    host: str | None,
    tls: bool | None,
    ingress_class: str | None,
    gateway_api: bool,
    gateway: str,
    network_policy: bool,
    external_secrets: bool,
    secret_store: str | None,
    storage_size: str,
    profiles: tuple[str, ...],
    descriptors: str | None,
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
    no_llm: bool,
    persona: bool,
    anomaly_rules: bool,
    observability: bool,
    skip_argocd: bool,
    argocd_project: str,
    argocd_namespace: str,
    argocd_auto_sync: bool,
    skip_ci: bool,
    ci_providers: tuple[str, ...],
    gitlab_ci: bool,
    exports: tuple[str, ...],
) -> None:
    """Generate Kubernetes manifests for the app at PATH (default: .)."""
    from dorgu.cli.helm import TestbedHelm
    from dorgu.errors import UsageError
    from dorgu.generation import CiProvider, GenerationOptions, OutputFormat
    from dorgu.models.kubesyntax import quantity_value
    from dorgu.services.generating import GenerateRequest, diagnostic_line
    from dorgu.services.generating import generate as run_generate

    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path}: not a directory", hint="pass the app directory, not a file inside it"
        )
    try:
        quantity_value(storage_size)
    except ValueError as e:
        raise UsageError(f"--storage-size: {e}") from e
    if stdout and show_diff:
        raise UsageError("--diff and --stdout/--dry-run exclude each other", hint="pass one")
    if skip_ci and (ci_providers or gitlab_ci):
        raise UsageError("--skip-ci excludes --ci and --gitlab-ci", hint="pass one")
    for flag, value in (
        ("--argocd-project", argocd_project),
        ("--argocd-namespace", argocd_namespace),
    ):
        if not _DNS_LABEL.fullmatch(value):
            raise UsageError(f"{flag}: {value!r} is not a valid name", hint="use [a-z0-9-]")
    providers = {CiProvider(p) for p in ci_providers} or {CiProvider.GITHUB}
    if gitlab_ci:
        providers.add(CiProvider.GITLAB)
    flags: dict[str, object] = {
        "app.name": name,
        "namespace": namespace,
        "environment": environment,
        "image.tag": image_tag,
        "image.registry": registry,
        "ingress.enabled": True if host and ingress is None and not gateway_api else ingress,
        "ingress.tls": tls,
        "ingress.class_name": ingress_class,
        "descriptors": descriptors,
        **llm_flags(llm_provider, llm_model, llm_base_url),
    }
    options = GenerationOptions(
        host=host,
        gateway_api=gateway_api,
        gateway=gateway,
        network_policy=network_policy,
        external_secrets=external_secrets,
        secret_store=secret_store,
        storage_size=storage_size,
        persona=persona,
        exports=frozenset(exports),
        output_format=OutputFormat(output_format),
        argocd=not skip_argocd,
        argocd_project=argocd_project,
        argocd_namespace=argocd_namespace,
        argocd_auto_sync=argocd_auto_sync,
        ci=frozenset() if skip_ci else frozenset(providers),
        anomaly_rules=anomaly_rules,
        observability=observability,
    )
    request = GenerateRequest(
        path=path,
        output=output,
        flags=flags,
        options=options,
        force=force,
        dry_run=stdout,
        diff=show_diff,
        profiles=profiles,
    )
    outcome = run_generate(
        request, enhance=None if no_llm else _llm_enhancer(path), charts=TestbedHelm()
    )
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    root = str(path)
    for diagnostic in outcome.diagnostics:
        click.echo(diagnostic_line(diagnostic, root=root), err=True)
    if stdout:
        click.echo(outcome.stream, nl=False)
        return
    if show_diff:
        if outcome.diff:
            click.echo(outcome.diff, nl=False)
        else:
            click.echo("no changes", err=True)
        _report_kept(outcome)
        return
    _summarize(outcome)


def _summarize(outcome: GenerateOutcome) -> None:
    from dorgu.generation import FileRoot

    shown = _display(outcome.output_dir)
    applied = sum(1 for r in outcome.result.resources if not r.template)
    outputs = [f for f in outcome.files if f.root is FileRoot.OUTPUT]
    click.echo(f"wrote {len(outcome.written)} files ({applied} objects) to {shown}/", err=True)
    for file in outputs:
        note = f"  ({file.note})" if file.note else ""
        click.echo(f"  {shown}/{file.path}{note}", err=True)
    for file in outcome.files:
        if file.root is FileRoot.REPOSITORY:
            note = f"  ({file.note})" if file.note else ""
            click.echo(f"  {_display(outcome.target(file))}{note}", err=True)
    _report_stale(outcome)
    if any(f.path == "kustomization.yaml" for f in outputs):
        click.echo(f"apply with: kubectl apply -k {shown}", err=True)
    else:
        files = " ".join(f"-f {shown}/{f.path}" for f in outputs if f.applied)
        click.echo(f"apply with: kubectl apply {files}", err=True)
    if any(f.path == "argocd-application.yaml" for f in outputs):
        click.echo(
            f"with Argo CD: commit and push, then kubectl apply -f {shown}/argocd-application.yaml",
            err=True,
        )


def _report_stale(outcome: GenerateOutcome) -> None:
    """Stale files an earlier run generated: those removed (``--force``), those kept with how
    to remove them, those the user changed (kept for good)."""
    if outcome.removed:
        count = _files(len(outcome.removed))
        click.echo(f"removed {count} an earlier run generated and this one does not:", err=True)
        for target in outcome.removed:
            click.echo(f"  {_display(target)}", err=True)
    removed = set(outcome.removed)
    kept = [s for s in outcome.stale if s.removable and s.target not in removed]
    if kept:
        count = _files(len(kept))
        click.echo(
            f"kept {count} an earlier run generated and this one does not "
            "(not in kustomization.yaml):",
            err=True,
        )
        for stale in kept:
            click.echo(f"  {_display(stale.target)}", err=True)
        click.echo(
            "remove them with --force (it removes only unchanged files dorgu generated), "
            "or delete them",
            err=True,
        )
    _report_kept(outcome)


def _report_kept(outcome: GenerateOutcome) -> None:
    for stale in outcome.stale:
        if not stale.removable:
            click.echo(
                f"kept {_display(stale.target)}: no longer generated, but {stale.kept_because}; "
                "dorgu leaves it to you (delete it if it is not needed)",
                err=True,
            )


def _files(count: int) -> str:
    return f"{count} stale file" + ("" if count == 1 else "s")


def _llm_enhancer(path: Path) -> Callable[[AppModel, EffectiveSettings], AppModel]:
    """The optional LLM step: a no-op (and no import, no network) without a provider."""

    def enhance(model: AppModel, settings: EffectiveSettings) -> AppModel:
        from dorgu.models.config import LlmProvider

        if settings.llm.provider is LlmProvider.NONE:
            return model
        from dorgu.services.enhancing import enhance_app

        outcome = enhance_app(model, settings=settings, root=path)
        if outcome.warning:
            click.echo(f"warning: {outcome.warning}", err=True)
        return outcome.model

    return enhance


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
