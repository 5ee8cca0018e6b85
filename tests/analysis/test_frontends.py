"""Frontends: framework, bundler, output folder and mode from package.json and build config;
how they are served (static web server image, static file server command, dev server)."""

from __future__ import annotations

import json

import pytest

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.frontends import static_server_image
from dorgu.analysis.languages.node import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppType, EndpointKind, FrontendMode
from tests.analysis.languages.reports import analyzer_of

_analyze = analyzer_of(ANALYZER)


def package(deps: dict[str, str], dev_deps: dict[str, str] | None = None, **scripts: str) -> str:
    data = {
        "name": "web",
        "dependencies": deps,
        "devDependencies": dev_deps or {},
        "scripts": scripts,
    }
    return json.dumps(data, indent=2)


CASES = {
    "react-vite": (
        {
            "package.json": package({"react": "18", "react-dom": "18"}, {"vite": "5"}),
            "vite.config.ts": "export default defineConfig({ build: { outDir: 'public-build' } })",
        },
        ("react", "vite", FrontendMode.STATIC, "public-build"),
    ),
    "react-cra": (
        {"package.json": package({"react-dom": "18", "react-scripts": "5"})},
        ("react", "react-scripts", FrontendMode.STATIC, "build"),
    ),
    "vue": (
        {"package.json": package({"vue": "3"}, {"vite": "5"})},
        ("vue", "vite", FrontendMode.STATIC, "dist"),
    ),
    "angular": (
        {
            "package.json": package({"@angular/core": "18"}, {"@angular/cli": "18"}),
            "angular.json": json.dumps(
                {"projects": {"a": {"architect": {"build": {"options": {"outputPath": "dist/a"}}}}}}
            ),
        },
        ("angular", "angular-cli", FrontendMode.STATIC, "dist/a"),
    ),
    "sveltekit-static": (
        {
            "package.json": package({}, {"@sveltejs/kit": "2", "svelte": "4"}),
            "svelte.config.js": "import adapter from '@sveltejs/adapter-static';\n",
        },
        ("svelte", "sveltekit", FrontendMode.STATIC, "build"),
    ),
    "sveltekit-node": (
        {
            "package.json": package({}, {"@sveltejs/kit": "2"}),
            "svelte.config.js": "import adapter from '@sveltejs/adapter-node';\n",
        },
        ("svelte", "sveltekit", FrontendMode.SSR, "build"),
    ),
    "next-export": (
        {
            "package.json": package({"next": "14", "react": "18", "react-dom": "18"}),
            "next.config.mjs": "const nextConfig = { output: 'export' };\nexport default nextConfig;\n",
        },
        ("nextjs", "next", FrontendMode.STATIC, "out"),
    ),
    "next-ssr": (
        {"package.json": package({"next": "14", "react-dom": "18"}, start="next start")},
        ("nextjs", "next", FrontendMode.SSR, ".next"),
    ),
    "nuxt-generate": (
        {"package.json": package({"nuxt": "3"}, generate="nuxt generate")},
        ("nuxt", "nuxt", FrontendMode.STATIC, ".output/public"),
    ),
    "nuxt-spa": (
        {"package.json": package({"nuxt": "3"}), "nuxt.config.ts": "export default { ssr: false }"},
        ("nuxt", "nuxt", FrontendMode.STATIC, ".output/public"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_frontend_framework_bundler_mode_and_output(case):
    files, (framework, bundler, mode, output) = CASES[case]
    report = _analyze(files)
    assert report.framework == framework and report.app_type == "web"
    assert report.frontend is not None
    found = report.frontend
    assert (found.framework, found.bundler, found.mode, found.output_dir) == (
        framework, bundler, mode, output,
    )  # fmt: skip
    assert found.location is not None and found.location.file == "package.json"


def test_a_server_framework_wins_over_a_frontend_dependency():
    report = _analyze({"package.json": package({"express": "4", "react-dom": "18"})})
    assert report.framework == "express" and report.frontend is None


def test_a_broken_angular_json_falls_back_to_dist():
    report = _analyze(
        {"package.json": package({"@angular/core": "18"}), "angular.json": "{ not json"}
    )
    assert report.frontend is not None and report.frontend.output_dir == "dist"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx:1.27-alpine", ("nginx", 80)),
        ("docker.io/library/nginx", ("nginx", 80)),
        ("nginxinc/nginx-unprivileged:stable", ("nginx", 8080)),
        ("caddy:2", ("caddy", 80)),
        ("httpd:2.4@sha256:abc", ("httpd", 80)),
        ("node:20", None),
        ("mynginx", None),
    ],
)
def test_static_server_images(image, expected):
    assert static_server_image(image) == expected


WEB = {
    "web/package.json": package(
        {"react-dom": "18"}, {"vite": "5"}, dev="vite", start="npm run dev"
    ),
    "web/src/main.tsx": "import React from 'react'\n",
}


def analyze(files: dict[str, str]):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    model = analyze_tree(tree, name="shop", root=".")
    return model, model.component("web")


def test_multi_stage_build_served_by_nginx_is_static_on_80_with_probe_on_root():
    files = dict(WEB)
    files["web/Dockerfile"] = (
        "FROM node:20 AS build\nRUN npm ci && npm run build\n"
        "FROM nginx:alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n"
    )
    model, web = analyze(files)
    assert web.frontend is not None and web.frontend.mode is FrontendMode.STATIC
    assert web.frontend.server == "nginx"
    assert [p.number for p in web.ports] == [80]
    assert web.type is AppType.WEB
    assert [(e.kind, e.path) for e in web.endpoints] == [(EndpointKind.HEALTH, "/")]
    rules = {e.rule for e in model.evidence if e.field.startswith("components.web.")}
    # the servers pass owns the port (the image's default here: nothing configures one)
    assert {"frontend.static-image", "servers.default-port", "frontend.index"} <= rules
    assert "frontend.nginx.default-port" not in rules


def test_expose_beats_the_server_default():
    files = dict(WEB)
    files["web/Dockerfile"] = "FROM nginxinc/nginx-unprivileged\nEXPOSE 8081\n"
    _, web = analyze(files)
    assert [p.number for p in web.ports] == [8081]


def test_a_static_file_server_command_is_static():
    files = dict(WEB)
    files["web/Dockerfile"] = (
        'FROM node:20\nRUN npm run build\nCMD ["npx", "serve", "-s", "dist"]\n'
    )
    _, web = analyze(files)
    assert web.frontend is not None and web.frontend.server == "serve"
    assert [p.number for p in web.ports] == [3000]


def test_npm_start_through_scripts_to_vite_is_development_mode():
    files = dict(WEB)
    files["web/Dockerfile"] = 'FROM node:20\nCMD ["npm", "start"]\n'
    model, web = analyze(files)
    assert web.frontend is not None and web.frontend.mode is FrontendMode.DEV
    assert [p.number for p in web.ports] == [5173]
    assert "frontend.dev-server" in {d.code for d in model.diagnostics}


def test_self_referencing_npm_scripts_do_not_loop():
    files = {
        "web/package.json": package({"react-dom": "18"}, start="npm run start"),
        "web/Dockerfile": 'FROM node:20\nCMD ["npm", "start"]\n',
    }
    _, web = analyze(files)
    assert web.frontend is not None and web.frontend.mode is FrontendMode.STATIC
    assert web.frontend.server is None


def test_a_backend_that_bundles_its_assets_with_a_frontend_toolchain_stays_a_backend():
    files = {
        "web/requirements.txt": "django==5.0\ngunicorn\n",
        "web/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x.settings')\n"
        "from django.core.management import execute_from_command_line\n",
        "web/x/settings.py": "from django.conf import settings\nINSTALLED_APPS = []\n",
        "web/package.json": package({"react-dom": "18"}, {"vite": "5"}, dev="vite"),
        "web/Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "x.wsgi", "-b", "0.0.0.0:8000"]\n',
    }
    _, web = analyze(files)
    assert web.framework == "django"
    assert web.frontend is None


def test_a_compose_command_running_the_dev_server_is_development_mode():
    files = dict(WEB)
    files["web/Dockerfile"] = "FROM node:20\nRUN npm ci\n"
    files["compose.yaml"] = (
        "services:\n  web:\n    build: ./web\n    command: npm run dev -- --host\n"
        "    ports: ['5173:5173']\n"
    )
    _, web = analyze(files)
    assert web.frontend is not None and web.frontend.mode is FrontendMode.DEV
    assert web.frontend.bundler == "vite"
    assert [(p.number, p.published) for p in web.ports] == [(5173, 5173)]
