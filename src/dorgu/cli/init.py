"""``dorgu init [PATH]`` and ``dorgu init --global``: write a starting config file.

Prompts only on a terminal (or with ``--interactive``); ``--yes`` or a non-terminal stdin means
no prompts.  Values come from flags, then analysis and git (app name, type, description,
repository), then the inherited workspace/global settings.  Never overwrites without ``--force``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from dorgu.errors import ConfigError, DorguError, UsageError
from dorgu.models.app import AppModel, AppType, ComponentKind
from dorgu.models.config import EffectiveSettings, LlmProvider
from dorgu.services.configuring import (
    APP_FILE,
    create_config_file,
    detect_repository,
    global_config_path,
    load_settings,
)
from dorgu.services.schema_files import schema_header
from dorgu.settings import LayerName

logger = logging.getLogger(__name__)

Prompt = Callable[[str, str | None, list[str] | None], str | None]
_KEY_PROVIDERS = ("openai", "anthropic", "gemini")
_GLOBAL_DEFAULTS = (
    ("registry", "Default image registry"),
    ("namespace", "Default namespace"),
    ("team", "Default team"),
    ("environment", "Default environment"),
)


@click.command()
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False), default=".")
@click.option("--global", "global_", is_flag=True, help="Write the global config file instead.")
@click.option("-y", "--yes", is_flag=True, help="Accept the defaults; never prompt.")
@click.option(
    "--interactive/--no-interactive",
    default=None,
    help="Prompt for values (default: only when stdin is a terminal).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--no-analyze", is_flag=True, help="Do not analyse the app to pre-fill values.")
@click.option("--name", help="App name (default: from analysis or the directory).")
@click.option("--description", help="One-line description.")
@click.option("--team", help="Owning team.")
@click.option("--owner", help="Owning person or group.")
@click.option("--type", "app_type", type=click.Choice([t.value for t in AppType]), help="App type.")
@click.option("--repository", help="Repository URL (default: the git remote, credentials removed).")
@click.option("--environment", help="Environment, e.g. production.")
@click.option("--namespace", help="Kubernetes namespace.")
@click.option("--registry", help="Image registry, e.g. ghcr.io/acme.")
@click.option(
    "--provider", type=click.Choice([p.value for p in LlmProvider]), help="LLM provider (--global)."
)
@click.option("--model", help="LLM model (--global).")
@click.option("--base-url", help="LLM endpoint override (--global).")
def init(
    path: Path,
    global_: bool,
    yes: bool,
    interactive: bool | None,
    force: bool,
    no_analyze: bool,
    **values: str | None,
) -> None:
    """Write PATH/.dorgu.yaml (default: .), or the global config with --global."""
    stdin_is_tty = sys.stdin is not None and sys.stdin.isatty()
    ask = (stdin_is_tty if interactive is None else interactive) and not yes
    prompt: Prompt = _prompt if ask else _no_prompt
    _check_flag_targets(values, global_=global_)
    if global_:
        _init_global(values, prompt=prompt, force=force, ask=ask)
    else:
        _init_app(path, values, prompt=prompt, force=force, analyze=not no_analyze)


def _init_app(
    path: Path, flags: dict[str, str | None], *, prompt: Prompt, force: bool, analyze: bool
) -> None:
    target = path / APP_FILE
    if target.exists() and not force:  # fail before asking anything
        create_config_file(target, {}, layer=LayerName.APP, header=[], force=False)
    inherited = _inherited_settings(path)
    model = _analyze(path) if analyze else None
    guessed = _guesses(path, model)
    app: dict[str, object] = {}
    for key, label, choices in (
        ("name", "App name", None),
        ("type", "App type", [t.value for t in AppType]),
        ("description", "Description", None),
        ("team", "Team", None),
        ("owner", "Owner", None),
        ("repository", "Repository URL", None),
    ):
        flag = flags["app_type" if key == "type" else key]
        inherited_value = inherited.app.team if key == "team" else None
        default = guessed.get(key) or inherited_value
        value = flag if flag is not None else prompt(label, default, choices)
        if value and (flag is not None or value != inherited_value):
            app[key] = value
    data: dict[str, object] = {"version": 1, "app": app}
    for key, label, current in (
        ("environment", "Environment", inherited.environment),
        ("namespace", "Namespace", inherited.namespace),
        ("registry", "Image registry", inherited.image.registry),
    ):
        flag = flags[key]
        value = flag if flag is not None else prompt(label, current, None)
        if value and (flag is not None or value != current):
            if key == "registry":
                data["image"] = {"registry": value}
            else:
                data[key] = value
    header = [schema_header(LayerName.APP), "# dorgu app configuration: docs/configuration.md"]
    shown = create_config_file(target, data, layer=LayerName.APP, header=header, force=force)
    click.echo(f"wrote {shown}")


def _init_global(flags: dict[str, str | None], *, prompt: Prompt, force: bool, ask: bool) -> None:
    target = global_config_path(os.environ)
    if target.exists() and not force:
        create_config_file(target, {}, layer=LayerName.GLOBAL, header=[], force=False)
    choices = [p.value for p in LlmProvider]
    provider = flags["provider"] or prompt("LLM provider", LlmProvider.NONE.value, choices)
    llm: dict[str, object] = {"provider": provider or LlmProvider.NONE.value}
    model = flags["model"] or (
        prompt("LLM model (empty: provider default)", "", None) if provider != "none" else None
    )
    if model:
        llm["model"] = model
    if flags["base_url"]:
        llm["base_url"] = flags["base_url"]
    if ask and provider in _KEY_PROVIDERS:
        key = click.prompt(
            f"{provider} API key (empty: use the environment)",
            default="",
            show_default=False,
            hide_input=True,
        )
        if key:
            llm["api_keys"] = {provider: key}
    defaults: dict[str, object] = {}
    for key, label in _GLOBAL_DEFAULTS:
        value = flags[key] or prompt(label, "", None)
        if value:
            defaults[key] = value
    data: dict[str, object] = {"version": 1, "llm": llm}
    if defaults:
        data["defaults"] = defaults
    header = [
        schema_header(LayerName.GLOBAL),
        "# dorgu global configuration (mode 0600: may hold API keys)",
    ]
    shown = create_config_file(target, data, layer=LayerName.GLOBAL, header=header, force=force)
    click.echo(f"wrote {shown}")


_APP_ONLY = ("name", "description", "owner", "app_type", "repository")
_GLOBAL_ONLY = ("provider", "model", "base_url")


def _check_flag_targets(values: dict[str, str | None], *, global_: bool) -> None:
    wrong = [k for k in (_APP_ONLY if global_ else _GLOBAL_ONLY) if values[k] is not None]
    if wrong:
        flags = ", ".join(
            "--" + ("type" if k == "app_type" else k.replace("_", "-")) for k in wrong
        )
        where = "the app file" if global_ else "the global file (--global)"
        raise UsageError(f"{flags} only appl{'y' if len(wrong) > 1 else 'ies'} to {where}")


def _prompt(label: str, default: str | None, choices: list[str] | None) -> str | None:
    """Ask on the terminal; Enter keeps the default, an empty answer leaves the value out."""
    suffix = f" ({'/'.join(choices)})" if choices else ""
    while True:
        answer = str(
            click.prompt(label + suffix, default=default or "", show_default=bool(default))
        )
        answer = answer.strip()
        if not choices or not answer or answer in choices:
            return answer or None
        click.echo(f"Error: choose one of {', '.join(choices)}", err=True)


def _no_prompt(label: str, default: str | None, choices: list[str] | None) -> str | None:
    return default or None


def _inherited_settings(path: Path) -> EffectiveSettings:
    """Workspace, global and env settings (the app file is about to be replaced)."""
    try:
        return load_settings(path, app_file=False).settings
    except ConfigError as e:
        click.echo(f"warning: ignoring inherited settings: {e}", err=True)
        return EffectiveSettings()


def _analyze(path: Path) -> AppModel | None:
    try:
        from dorgu.services.analyzing import analyze_path
    except ImportError:  # pragma: no cover - the analysis service is always installed
        return None
    try:
        return analyze_path(path)
    except DorguError as e:
        click.echo(f"warning: analysis failed, not pre-filling from it: {e}", err=True)
        return None


def _guesses(path: Path, model: AppModel | None) -> dict[str, str]:
    guesses: dict[str, str] = {"name": path.resolve().name}
    if model is not None:
        guesses["name"] = model.name
        apps = [c for c in model.components if c.kind is ComponentKind.APP]
        if len(apps) == 1:
            if apps[0].type is not None:
                guesses["type"] = apps[0].type.value
            if apps[0].description:
                guesses["description"] = apps[0].description
    repository = detect_repository(path)
    if repository:
        guesses["repository"] = repository
    return guesses
