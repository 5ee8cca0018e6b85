"""A static frontend served by a stock web server gets the port its copied configuration
listens on (one mechanism: the servers pass), with probes on ``/``; hostile configurations
fall back to the image's default with a diagnostic, never a crash."""

from __future__ import annotations

import json

import pytest

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppType, EndpointKind, FrontendMode

PACKAGE = json.dumps(
    {
        "name": "web",
        "scripts": {"build": "vite build"},
        "dependencies": {"react-dom": "18"},
        "devDependencies": {"vite": "5"},
    }
)
BUILD = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n"


def analyze(files: dict[str, str]):
    files = {
        "web/package.json": PACKAGE,
        "web/src/main.tsx": "import React from 'react'\n",
        **files,
    }
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    model = analyze_tree(tree, name="shop", root=".")
    return model, model.component("web")


SERVED = {
    "nginx": (
        "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n",
        "nginx.conf",
        "server {\n  listen 8080;\n  root /usr/share/nginx/html;\n"
        "  location / { try_files $uri /index.html; }\n}\n",
    ),
    "caddy": (
        "FROM caddy:2\nCOPY Caddyfile /etc/caddy/Caddyfile\n"
        "COPY --from=build /app/dist /usr/share/caddy\n",
        "Caddyfile",
        ":8080 {\n  root * /usr/share/caddy\n  try_files {path} /index.html\n  file_server\n}\n",
    ),
    "httpd": (
        "FROM httpd:2.4\nCOPY httpd.conf /usr/local/apache2/conf/httpd.conf\n"
        "COPY --from=build /app/dist /usr/local/apache2/htdocs\n",
        "httpd.conf",
        'Listen 8080\nDocumentRoot "/usr/local/apache2/htdocs"\n',
    ),
}


@pytest.mark.parametrize("server", sorted(SERVED))
def test_the_copied_config_decides_the_port_and_probes_stay_on_root(server):
    stage, name, config = SERVED[server]
    model, web = analyze({"web/Dockerfile": BUILD + stage, f"web/{name}": config})
    assert web.frontend is not None and web.frontend.mode is FrontendMode.STATIC
    assert web.type is AppType.WEB
    assert [p.number for p in web.ports] == [8080]
    assert (EndpointKind.HEALTH, "/") in {(e.kind, e.path) for e in web.endpoints}
    port_rules = {
        (e.rule, e.location.file if e.location else None)
        for e in model.evidence
        if e.field in ("components.web.ports", "components.web.port")
    }
    assert port_rules == {("servers.listen", f"web/{name}")}
    # no competing guess and no warning about a port nobody declared
    codes = {d.code for d in model.diagnostics}
    assert "servers.port-not-listened" not in codes


def test_an_unprivileged_image_without_config_listens_on_its_own_port():
    model, web = analyze(
        {
            "web/Dockerfile": BUILD
            + "FROM nginxinc/nginx-unprivileged:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\n"
        }
    )
    assert [p.number for p in web.ports] == [8080]
    assert "servers.default-port" in {
        e.rule for e in model.evidence if e.field == "components.web.ports"
    }


def test_a_declared_port_the_config_does_not_listen_on_is_warned_about():
    stage, name, config = SERVED["nginx"]
    model, _ = analyze({"web/Dockerfile": BUILD + stage + "EXPOSE 80\n", f"web/{name}": config})
    assert "servers.port-not-listened" in {d.code for d in model.diagnostics}


# case: (config, the port, the diagnostic that says why)
HOSTILE = {
    "includes-itself": (
        "server { listen 8080; include /etc/nginx/conf.d/default.conf; }\n",
        8080,
        "servers.include-cycle",
    ),
    "unbalanced": ("server { listen 8080;\n location / {\n", 8080, "servers.nginx.syntax"),
    "unresolved": ("server { listen ${WEB_PORT}; }\n", 80, "servers.unresolved"),
    "binary": ("\x00\x01\x02nginx\xff\xfe" * 100, 80, "servers.config-binary"),
    "huge": ("# padding\n" * 200_000 + "server { listen 8080; }\n", 80, "servers.config-too-large"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_configs_never_crash(case):
    stage, name, _ = SERVED["nginx"]
    config, port, code = HOSTILE[case]
    model, web = analyze({"web/Dockerfile": BUILD + stage, f"web/{name}": config})
    assert web.frontend is not None and web.type is AppType.WEB
    assert [p.number for p in web.ports] == [port]  # the config's, else the image default
    assert code in {d.code for d in model.diagnostics}
