"""Configuration I/O: find and read the config files, read ``DORGU_*`` from the environment,
build the effective settings, and write config files safely (atomic, secrets only in the
global file with mode 0600).

Files: ``<app>/.dorgu.yaml``; ``dorgu-workspace.yaml`` in the app directory or the nearest
ancestor (up to the filesystem root); ``$XDG_CONFIG_HOME/dorgu/config.yaml`` (default
``~/.config/dorgu/config.yaml``).  Must not print or prompt; the CLI does that.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dorgu.analysis.secrets import looks_secret, strip_url_credentials
from dorgu.errors import ConfigError, DorguError, InputError, OutputError
from dorgu.formats.text import decode_text
from dorgu.formats.yamldocs import YamlDocument
from dorgu.settings import ConfigText, KeyPath, LayerName, ResolvedSettings, build_settings
from dorgu.settings.editing import file_key, header_of, render_config, set_value, unset_value
from dorgu.settings.layering import FILE_MODELS
from dorgu.settings.masking import is_secret_key
from dorgu.settings.parsing import load_config_document, validate_mapping
from dorgu.settings.repositories import parse_git_remotes, preferred_remote, web_url

logger = logging.getLogger(__name__)

APP_FILE = ".dorgu.yaml"
WORKSPACE_FILE = "dorgu-workspace.yaml"
GLOBAL_FILE = "config.yaml"
MAX_CONFIG_FILE_BYTES = 1024 * 1024
SECRET_FILE_MODE = 0o600
DEFAULT_FILE_MODE = 0o644


@dataclass(frozen=True)
class ConfigLocations:
    """The three files for an app path; ``app`` and ``global_`` may not exist yet."""

    app: Path
    workspace: Path | None
    global_: Path

    def path_for(self, layer: LayerName) -> Path | None:
        return {LayerName.APP: self.app, LayerName.WORKSPACE: self.workspace}.get(
            layer, self.global_
        )


@dataclass(frozen=True)
class ConfigChange:
    """What ``config set/unset`` did: the file, the key in that file, and whether it changed."""

    file: Path
    display: str
    key: KeyPath
    value: object
    changed: bool


def global_config_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/dorgu/config.yaml``; a relative XDG_CONFIG_HOME is ignored (XDG spec)."""
    xdg = environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else _home(environ) / ".config"
    return base / "dorgu" / GLOBAL_FILE


def find_workspace_file(start: Path, *, stop_at: Path | None = None) -> Path | None:
    """The nearest ``dorgu-workspace.yaml`` in ``start`` or an ancestor (not above ``stop_at``)."""
    current = start.resolve()
    ceiling = stop_at.resolve() if stop_at is not None else None
    while True:
        candidate = current / WORKSPACE_FILE
        if candidate.is_file():
            return candidate
        if current == ceiling or current.parent == current:
            return None
        current = current.parent


def find_git_root(start: Path) -> Path | None:
    current = start.resolve()
    while True:
        if (current / ".git").exists():
            return current
        if current.parent == current:
            return None
        current = current.parent


def locate_config(
    path: Path, *, environ: Mapping[str, str] | None = None, stop_at: Path | None = None
) -> ConfigLocations:
    env = os.environ if environ is None else environ
    return ConfigLocations(
        app=path / APP_FILE,
        workspace=find_workspace_file(path, stop_at=stop_at),
        global_=global_config_path(env),
    )


def display_path(path: Path, *, environ: Mapping[str, str] | None = None) -> str:
    """``path`` relative to the working directory, or ``~/...``, or absolute: for messages."""
    env = os.environ if environ is None else environ
    if not path.is_absolute():
        return str(path)
    absolute = path.resolve()
    for base, prefix in ((Path.cwd().resolve(), ""), (_home(env).resolve(), "~/")):
        try:
            return prefix + str(absolute.relative_to(base))
        except ValueError:
            continue
    return str(absolute)


def read_config_text(path: Path, *, display: str) -> str | None:
    """The text of a config file (None if it does not exist); size-limited, UTF-8."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(f"{display}: cannot read: {e.strerror}") from e
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{display}: not a regular file", hint="config files must be plain files")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_FILE_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{display}: cannot read: {e.strerror}") from e
    if len(data) > MAX_CONFIG_FILE_BYTES:
        raise ConfigError(f"{display}: larger than {MAX_CONFIG_FILE_BYTES // 1024} KiB")
    try:
        return decode_text(data, file=display)
    except InputError as e:
        raise ConfigError(e.message, hint=e.hint) from e


def load_settings(
    path: Path = Path("."),
    *,
    flags: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    stop_at: Path | None = None,
    app_file: bool = True,
) -> ResolvedSettings:
    """The effective settings for the app at ``path``: flag > ``DORGU_*`` > .dorgu.yaml >
    workspace > global > default.  Build once per command and pass it down.

    ``flags`` maps setting keys to values (None: flag not given); ``environ`` defaults to
    ``os.environ``; ``app_file=False`` leaves out .dorgu.yaml (what the app inherits);
    ``stop_at`` bounds the upward workspace search (tests).  ``warnings`` of the result
    (unknown ``DORGU_*`` variables, secrets in the app file, readable key files) are for the
    caller to show; nothing is logged here.
    """
    env = os.environ if environ is None else environ
    locations = locate_config(path, environ=env, stop_at=stop_at)
    texts: dict[LayerName, ConfigText | None] = {}
    for layer in (LayerName.APP, LayerName.WORKSPACE, LayerName.GLOBAL):
        file = locations.path_for(layer) if app_file or layer is not LayerName.APP else None
        display = display_path(file, environ=env) if file is not None else ""
        text = read_config_text(file, display=display) if file is not None else None
        texts[layer] = ConfigText(display, text) if text is not None else None
    resolved = build_settings(
        app=texts[LayerName.APP],
        workspace=texts[LayerName.WORKSPACE],
        global_=texts[LayerName.GLOBAL],
        environ=env,
        flags=flags,
    )
    warnings = (*resolved.warnings, *_file_warnings(locations, resolved))
    return replace(resolved, warnings=warnings)


def _file_warnings(locations: ConfigLocations, resolved: ResolvedSettings) -> list[str]:
    warnings: list[str] = []
    for key, value in resolved.settings.env.items():
        origin = resolved.origin_of(("env", key))
        if looks_secret(key, value) and origin.layer is LayerName.APP:
            warnings.append(f"{origin.file}: env.{key} looks like a secret; move it to a Secret")
    keys = [path for path, origin in resolved.origins.items() if origin.layer is LayerName.GLOBAL]
    if any(is_secret_key(path) for path in keys):
        try:
            mode = locations.global_.stat().st_mode
        except OSError:
            return warnings
        if mode & 0o077:
            warnings.append(
                f"{locations.global_} holds API keys but others can read it (chmod 600)"
            )
    return warnings


# -- writing --------------------------------------------------------------------------------


def _target_file(layer: LayerName, path: Path, locations: ConfigLocations) -> Path:
    found = locations.path_for(layer)
    if found is not None:
        return found
    return (find_git_root(path) or path.resolve()) / WORKSPACE_FILE  # a new workspace file


def _load_document(file: Path, display: str) -> tuple[YamlDocument, list[str]]:
    text = read_config_text(file, display=display) or ""
    return load_config_document(text, file=display), header_of(text)


def set_config_value(
    key: str,
    value: str,
    *,
    layer: LayerName = LayerName.APP,
    path: Path = Path("."),
    environ: Mapping[str, str] | None = None,
) -> ConfigChange:
    """Set ``key`` in ``layer``'s file (created if missing), keeping the other keys."""
    env = os.environ if environ is None else environ
    file = _target_file(layer, path, locate_config(path, environ=env))
    display = display_path(file, environ=env)
    file_path = file_key(layer, key)
    document, header = _load_document(file, display)
    data = set_value(document, layer, file_path, value)
    if layer is LayerName.APP:
        check_no_secrets(data, display=display)
    write_config_text(file, render_config(data, header=header), layer=layer, display=display)
    new_value = _lookup(data, file_path)
    return ConfigChange(
        file, display, file_path, new_value, _lookup(document.data, file_path) != new_value
    )


def unset_config_value(
    key: str,
    *,
    layer: LayerName = LayerName.APP,
    path: Path = Path("."),
    environ: Mapping[str, str] | None = None,
) -> ConfigChange:
    """Remove ``key`` from ``layer``'s file; ``changed`` is False if it was not set there."""
    env = os.environ if environ is None else environ
    file = locate_config(path, environ=env).path_for(layer)
    file_path = file_key(layer, key)
    if file is None or not file.exists():
        shown = display_path(file, environ=env) if file is not None else WORKSPACE_FILE
        return ConfigChange(file or Path(WORKSPACE_FILE), shown, file_path, None, False)
    display = display_path(file, environ=env)
    document, header = _load_document(file, display)
    data, removed = unset_value(document, layer, file_path)
    if removed:
        write_config_text(file, render_config(data, header=header), layer=layer, display=display)
    return ConfigChange(file, display, file_path, None, removed)


def create_config_file(
    file: Path,
    data: Mapping[str, object],
    *,
    layer: LayerName,
    header: list[str],
    force: bool = False,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Validate and write a new config file (``dorgu init``); returns its display name.

    Raises ``OutputError`` if it exists and ``force`` is False; nothing is written on error.
    """
    display = display_path(file, environ=environ)
    if (file.exists() or file.is_symlink()) and not force:
        raise OutputError(f"{display} already exists", hint="pass --force to overwrite it")
    validate_mapping(dict(data), FILE_MODELS[layer], locate=lambda loc: display)
    if layer is LayerName.APP:
        check_no_secrets(data, display=display)
    write_config_text(file, render_config(data, header=header), layer=layer, display=display)
    return display


def check_no_secrets(data: Mapping[str, object], *, display: str) -> None:
    """Refuse secret-looking values in the app file, which is meant to be committed."""
    for name, value in _string_leaves(data, ""):
        env_name = name.removeprefix("env.") if name.startswith("env.") else ""
        if looks_secret(env_name, value):
            raise ConfigError(
                f"{display}: {name} looks like a secret; the app file is committed with the code",
                hint="keep secrets in a Kubernetes Secret or the environment, not in .dorgu.yaml",
            )


def _string_leaves(data: object, prefix: str) -> list[tuple[str, str]]:
    if isinstance(data, Mapping):
        found: list[tuple[str, str]] = []
        for key, value in data.items():
            found.extend(_string_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(data, list):
        return [leaf for item in data for leaf in _string_leaves(item, prefix)]
    return [(prefix, data)] if isinstance(data, str) else []


def write_config_text(file: Path, text: str, *, layer: LayerName, display: str) -> None:
    """Write atomically (temp file + rename in the same directory); the global file is 0600."""
    target = file.resolve() if file.is_symlink() else file
    secret = layer is LayerName.GLOBAL
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if secret else 0o777)
        mode = SECRET_FILE_MODE if secret else _existing_mode(target)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {display}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as e:
        _remove_quietly(temp)
        raise OutputError(f"cannot write {display}: {e.strerror}") from e
    except BaseException:
        _remove_quietly(temp)
        raise


def _existing_mode(file: Path) -> int:
    try:
        return stat.S_IMODE(file.stat().st_mode)
    except OSError:
        return DEFAULT_FILE_MODE


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _lookup(data: object, path: KeyPath) -> object:
    for segment in path:
        if not isinstance(data, dict):
            return None
        data = data.get(segment)
    return data


def _home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME")
    return Path(home) if home else Path.home()


# -- git ------------------------------------------------------------------------------------


def detect_repository(path: Path) -> str | None:
    """The app's git remote as an https URL without credentials, or None."""
    root = find_git_root(path)
    if root is None:
        return None
    try:
        git = root / ".git"
        if git.is_file():
            pointer = decode_text(git.read_bytes()[:4096], file=".git").strip()
            git = (root / pointer.removeprefix("gitdir:").strip()).resolve()
            common = git / "commondir"
            if common.is_file():
                git = (git / common.read_text(encoding="utf-8").strip()).resolve()
        with (git / "config").open("rb") as handle:
            text = decode_text(handle.read(MAX_CONFIG_FILE_BYTES), file=".git/config")
    except (OSError, DorguError) as e:
        logger.debug("no git remote for %s: %s", path, e)
        return None
    remote = preferred_remote(parse_git_remotes(text))
    url = web_url(remote) if remote else None
    return strip_url_credentials(url) if url else None
