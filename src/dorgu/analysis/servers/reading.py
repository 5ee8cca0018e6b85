"""Reading one component's server configuration: the image's main file when the repository
provides it (its includes are followed), else the files the image reads besides its own
main file (``conf.d/*.conf``, rendered templates, sites).  One parser per server.

Must not: open files; decide what the findings mean for the component (``applying`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from dorgu.analysis.servers.apache import HTTPD_ROOT, parse_apache
from dorgu.analysis.servers.caddy import parse_caddyfile
from dorgu.analysis.servers.configs import Listen, ServerConfig
from dorgu.analysis.servers.envoy import parse_envoy
from dorgu.analysis.servers.haproxy import parse_haproxy
from dorgu.analysis.servers.images import ServerImage
from dorgu.analysis.servers.including import ConfigReader, ConfigText, Mount
from dorgu.analysis.servers.nginx import parse_nginx
from dorgu.analysis.servers.traefik import parse_traefik
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location


def parse_server_config(
    server: str,
    text: str,
    *,
    file: str,
    container_path: str | None = None,
    env: Mapping[str, str] | None = None,
    reader: ConfigReader | None = None,
    server_root: str | None = None,
) -> ServerConfig:
    """One configuration text of ``server`` (nginx, apache, caddy, haproxy, envoy, traefik)
    -> its listen ports, upstreams, static roots and health paths.

    Without a ``reader`` includes are not followed (an info diagnostic says so).  This is the
    entry point for other analysers, e.g. the port of an nginx serving a built frontend.
    """
    return _parse(
        server, text, file, container_path or file, env or {}, reader, server_root
    ).bounded()


def _parse(
    server: str,
    text: str,
    file: str,
    path: str,
    env: Mapping[str, str],
    reader: ConfigReader | None,
    server_root: str | None,
) -> ServerConfig:
    if server == "nginx":
        return parse_nginx(text, file=file, container_path=path, reader=reader)
    if server == "apache":
        return parse_apache(
            text,
            file=file,
            container_path=path,
            reader=reader,
            env=env,
            server_root=server_root or HTTPD_ROOT,
        )
    if server == "caddy":
        return parse_caddyfile(text, file=file, container_path=path, reader=reader, env=env)
    if server == "haproxy":
        return parse_haproxy(text, file=file, env=env)
    if server == "envoy":
        return parse_envoy(text, file=file)
    if server == "traefik":
        return parse_traefik(text, file=file)
    return ServerConfig(server=server, files=[file])


_CONFIG_FLAGS = {
    "nginx": ("-c",),
    "apache": ("-f",),
    "caddy": ("--config", "-config"),
    "haproxy": ("-f",),
    "envoy": ("-c", "--config-path"),
    "traefik": ("--configfile", "--configFile"),
}


def config_from_command(server: str, words: Sequence[str]) -> str | None:
    """The configuration file a command line names (``envoy -c /etc/envoy/custom.yaml``)."""
    flags = _CONFIG_FLAGS.get(server, ())
    for index, word in enumerate(words):
        name, sep, value = word.partition("=")
        if name in flags and sep and value.startswith("/"):
            return value
        if word in flags and index + 1 < len(words) and words[index + 1].startswith("/"):
            return words[index + 1]
    return None


def read_server(
    image: ServerImage,
    mounts: Sequence[Mount],
    tree: SourceTree,
    env: Mapping[str, str],
    command: Sequence[str] = (),
) -> ServerConfig | None:
    """What the repository's files configure for ``image`` (None: it provides none).
    ``command`` is the container's entrypoint and command, which may name the main file."""
    named = config_from_command(image.server, command)
    if named is not None:
        image = replace(image, main=(named, *image.main))
    reader = ConfigReader(mounts=mounts, tree=tree, env=env)
    entries = _entries(image, reader)
    if not entries:
        if reader.diagnostics:  # files were there but could not be read
            return ServerConfig(server=image.server, diagnostics=list(reader.diagnostics)).bounded()
        return None
    result = ServerConfig(server=image.server)
    main_read = any(text.path in image.main for text in entries)
    for text in entries:
        parsed = parse_server_config(
            image.server,
            text.text,
            file=text.file,
            container_path=text.path,
            env=env,
            reader=reader,
            server_root=image.server_root,
        )
        result.extend(parsed)
    result.files = list(dict.fromkeys([*reader.files, *result.files]))
    result.diagnostics[:0] = reader.diagnostics
    own = image.own_site
    # The image's own site is still there and still read: its port counts too.
    active = own and (not main_read or reader.includes_path(own))
    if own and active and image.port and not reader.provides(own):
        # Located at the image's own file: ``applying`` cites the image line instead.
        result.listens.append(Listen(image.port, Location(file=own), http=True))
    return result.bounded()


def _entries(image: ServerImage, reader: ConfigReader) -> list[ConfigText]:
    for main in image.main:
        found = reader.tree_files(main)
        if found:
            container_path, file, render = found[0]
            text = reader.open(container_path, file, cause=None, render=render)
            return [text] if text is not None else []
    texts: list[ConfigText] = []
    for pattern in image.extra:
        for container_path, file, render in reader.tree_files(pattern):
            text = reader.open(container_path, file, cause=None, render=render)
            if text is not None and all(t.file != text.file or t.path != text.path for t in texts):
                texts.append(text)
    return texts
