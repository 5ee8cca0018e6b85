"""``dorgu analyze``: show the application model with its evidence."""

from __future__ import annotations

from pathlib import Path

import click

from dorgu.cli.explain import LLM_PROVIDERS, llm_flags, render_changes
from dorgu.cli.options import parse_pairs


@click.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--json", "as_json", is_flag=True, help="Print the model as JSON.")
@click.option("--name", help="App name (default: the directory name).")
@click.option(
    "--build-arg",
    "build_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Dockerfile build argument (repeatable).",
)
@click.option("--target", help="Dockerfile stage to analyse (default: the last stage).")
@click.option(
    "--profile", "profiles", multiple=True, help="Compose profile to enable (repeatable)."
)
@click.option(
    "--descriptors",
    type=click.Choice(["keep", "evidence", "ignore"]),
    help="Deployment descriptions in the repo (k8s manifests, kustomize, Helm, skaffold, "
    "Procfile): keep, evidence or ignore (default: descriptors setting, else keep).",
)
@click.option("--no-evidence", is_flag=True, help="Hide the evidence table in text output.")
@click.option(
    "--llm-provider",
    type=click.Choice(LLM_PROVIDERS),
    help="Enhance the analysis with this LLM provider (default: llm.provider setting).",
)
@click.option("--llm-model", help="Model name for the provider (default: per provider).")
@click.option("--llm-base-url", help="Endpoint override (proxy, Azure, vLLM, LM Studio, ollama).")
@click.option("--no-llm", is_flag=True, help="Never call an LLM: rule-based only, no network.")
@click.option("--explain", "explain", is_flag=True, help="Show what the LLM changed and why.")
def analyze(
    path: Path,
    as_json: bool,
    name: str | None,
    build_args: tuple[str, ...],
    target: str | None,
    profiles: tuple[str, ...],
    descriptors: str | None,
    no_evidence: bool,
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
    no_llm: bool,
    explain: bool,
) -> None:
    """Analyse PATH (default: .) and show what dorgu understands, with evidence."""
    from dorgu.cli.helm import TestbedHelm
    from dorgu.cli.rendering import render_model
    from dorgu.errors import UsageError
    from dorgu.models.config import LlmProvider
    from dorgu.services.analyzing import analyze_path
    from dorgu.services.configuring import load_settings

    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path}: not a directory", hint="pass the app directory, not a file inside it"
        )
    pairs = parse_pairs(build_args, flag="--build-arg")
    flags = {
        "app.name": name,
        "descriptors": descriptors,
        **llm_flags(llm_provider, llm_model, llm_base_url),
    }
    settings = load_settings(path, flags=flags)
    for warning in settings.warnings:
        click.echo(f"warning: {warning}", err=True)
    model = analyze_path(
        path,
        name=name,
        build_args=pairs,
        target=target,
        profiles=profiles,
        settings=settings,
        charts=TestbedHelm(),
    )
    outcome = None
    off = "disabled (--no-llm)" if no_llm else "no LLM provider configured"
    if not no_llm and settings.settings.llm.provider is not LlmProvider.NONE:
        from dorgu.services.enhancing import enhance_app  # the LLM layer only when asked for

        outcome = enhance_app(model, settings=settings.settings, root=path)
        if outcome.warning:
            click.echo(f"warning: {outcome.warning}", err=True)
        model = outcome.model
    if as_json:
        click.echo(model.model_dump_json(indent=2, exclude_none=True))
    else:
        click.echo(render_model(model, show_evidence=not no_evidence), nl=False)
    if explain:
        report = render_changes(outcome, off_reason=off)
        click.echo(report if as_json else "\n" + report, nl=False, err=as_json)
