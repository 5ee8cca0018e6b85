"""``dorgu generate [PATH]``: write Kubernetes manifests for an app (default into PATH/k8s).

Prints the files written and one line per warning on stderr; with ``--stdout`` (alias
``--dry-run``) prints every applied object as one YAML stream on stdout and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dorgu.cli.explain import llm_flags

if TYPE_CHECKING:
    from dorgu.models.app import AppModel
    from dorgu.models.config import EffectiveSettings


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
@click.option("--force", is_flag=True, help="Overwrite existing files in the output directory.")
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
    "--llm-provider",
    type=click.Choice(["openai", "anthropic", "gemini", "ollama"]),
    help="Enhance the analysis with this LLM provider before generating (default: llm.provider).",
)
@click.option("--llm-model", help="Model name for the provider (default: per provider).")
@click.option("--llm-base-url", help="Endpoint override (proxy, Azure, vLLM, LM Studio, ollama).")
@click.option("--no-llm", is_flag=True, help="Never call an LLM: rule-based only, no network.")
@click.option(
    "--persona/--no-persona",
    default=True,
    show_default=True,
    help="Write applicationpersona.yaml and PERSONA.md for each app component.",
)
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
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
    no_llm: bool,
    persona: bool,
    exports: tuple[str, ...],
) -> None:
    """Generate Kubernetes manifests for the app at PATH (default: .)."""
    from dorgu.errors import UsageError
    from dorgu.generation import GenerationOptions
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
    flags: dict[str, object] = {
        "app.name": name,
        "namespace": namespace,
        "environment": environment,
        "image.tag": image_tag,
        "image.registry": registry,
        "ingress.enabled": True if host and ingress is None and not gateway_api else ingress,
        "ingress.tls": tls,
        "ingress.class_name": ingress_class,
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
    )
    request = GenerateRequest(
        path=path,
        output=output,
        flags=flags,
        options=options,
        force=force,
        dry_run=stdout,
        profiles=profiles,
    )
    outcome = run_generate(request, enhance=None if no_llm else _llm_enhancer(path))
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    root = str(path)
    for diagnostic in outcome.diagnostics:
        click.echo(diagnostic_line(diagnostic, root=root), err=True)
    if stdout:
        click.echo(outcome.stream, nl=False)
        return
    shown = _display(outcome.output_dir)
    applied = sum(1 for r in outcome.result.resources if not r.template)
    click.echo(f"wrote {len(outcome.written)} files ({applied} objects) to {shown}/", err=True)
    for file in outcome.files:
        note = f"  ({file.note})" if file.note else ""
        click.echo(f"  {shown}/{file.path}{note}", err=True)
    click.echo(f"apply with: kubectl apply -k {shown}", err=True)


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
