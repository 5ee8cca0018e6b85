"""Server components in whole-app analysis: compose mounts, Dockerfile copies, templates,
upstream dependencies with ports, Traefik labels, defaults from the image."""

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import AppType, ComponentKind, DependencyType, EndpointKind


def _analyze(files: dict[str, str]):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    return analyze_tree(tree, name="app", root="app")


API = {
    "api/Dockerfile": "FROM python:3.12-slim\nCOPY app.py .\nEXPOSE 9000\nCMD python app.py\n",
    "api/app.py": "print('hi')\n",
}


def test_mounted_nginx_conf_follows_includes_and_links_upstreams_with_ports():
    files = {
        "compose.yaml": (
            "services:\n"
            "  web:\n"
            "    image: nginx:1.27\n"
            "    ports: ['80:8080']\n"
            "    volumes:\n"
            "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n"
            "      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n"
            "  api:\n"
            "    build: ./api\n"
        ),
        "nginx/nginx.conf": "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
        "nginx/conf.d/site.conf": (
            "server {\n  listen 8080;\n  location /api/ { proxy_pass http://api:7000/; }\n"
            "  location = /ping { return 200; }\n}\n"
        ),
        **API,
    }
    model = _analyze(files)
    web = model.component("web")
    assert web.framework == "nginx" and web.type is AppType.WEB
    assert [p.number for p in web.ports] == [8080]
    dep = next(d for d in web.dependencies if d.component == "api")
    assert dep.port == 7000 and dep.type is DependencyType.SERVICE
    assert [(e.kind, e.path, e.port) for e in web.endpoints] == [
        (EndpointKind.HEALTH, "/ping", 8080)
    ]
    # the proxy reaches api on 7000, so api serves 7000 besides its own EXPOSE
    assert {p.number for p in model.component("api").ports} == {9000, 7000}
    upstream = next(e for e in model.evidence if e.rule == "servers.upstream")
    assert upstream.location is not None and upstream.location.file == "nginx/conf.d/site.conf"
    assert upstream.location.line == 3


def test_nginx_template_is_rendered_with_the_service_environment():
    files = {
        "compose.yaml": (
            "services:\n"
            "  web:\n"
            "    image: nginx:alpine\n"
            "    environment: {PORT: '8088', UP: api}\n"
            "    volumes: ['./t:/etc/nginx/templates']\n"
            "  api:\n"
            "    build: ./api\n"
        ),
        "t/default.conf.template": "server { listen ${PORT}; location / { proxy_pass http://${UP}:9000; } "
        "location /x { proxy_pass http://${MISSING}; } }\n",
        **API,
    }
    model = _analyze(files)
    web = model.component("web")
    assert [p.number for p in web.ports] == [8088]
    assert any(d.component == "api" and d.port == 9000 for d in web.dependencies)
    unresolved = [d for d in model.diagnostics if d.code == "servers.unresolved"]
    assert unresolved and "MISSING" in unresolved[0].message


def test_image_default_port_when_nothing_configures_one():
    files = {"compose.yaml": "services:\n  web:\n    image: httpd:2.4\n"}
    web = _analyze(files).component("web")
    assert web.kind is ComponentKind.IMAGE and web.framework == "apache"
    assert [p.number for p in web.ports] == [80]


def test_built_on_a_server_image_uses_the_from_line_and_the_copied_config():
    files = {
        "Dockerfile": (
            "FROM node:20 AS build\nCOPY . .\nRUN npm run build\n"
            "FROM nginx:1.27-alpine\nCOPY deploy/nginx.conf /etc/nginx/conf.d/default.conf\n"
            "COPY --from=build /app/dist /usr/share/nginx/html\n"
        ),
        "deploy/nginx.conf": "server { listen 8080; root /usr/share/nginx/html; }\n",
        "package.json": '{"name": "spa", "scripts": {"build": "vite build"}}\n',
        "server.js": "require('http').createServer().listen(3000)\n",
    }
    model = _analyze(files)
    app = model.components[0]
    assert [p.number for p in app.ports] == [8080]  # not the 3000 the code names
    port_evidence = [e for e in model.evidence if e.rule == "servers.listen"]
    assert port_evidence and port_evidence[0].location.file == "deploy/nginx.conf"


def test_php_apache_base_image_listens_on_80_with_the_from_line_as_evidence():
    files = {
        "Dockerfile": "FROM php:8.3-apache\nCOPY src/ /var/www/html/\n",
        "src/index.php": "<?php echo 1;\n",
    }
    model = _analyze(files)
    app = model.components[0]
    assert [p.number for p in app.ports] == [80]
    default = next(e for e in model.evidence if e.rule == "servers.default-port")
    assert default.location is not None
    assert (default.location.file, default.location.line) == ("Dockerfile", 1)


def test_traefik_routes_come_from_other_services_labels():
    files = {
        "compose.yaml": (
            "services:\n"
            "  proxy:\n"
            "    image: traefik:v3\n"
            "    command: ['--entrypoints.web.address=:8000', '--ping=true']\n"
            "  api:\n"
            "    build: ./api\n"
            "    labels:\n"
            "      traefik.http.routers.api.rule: PathPrefix(`/api`)\n"
            "      traefik.http.services.api.loadbalancer.server.port: '9000'\n"
            "  hidden:\n"
            "    image: busybox\n"
            "    labels: {traefik.enable: 'false'}\n"
        ),
        **API,
    }
    model = _analyze(files)
    proxy = model.component("proxy")
    assert [p.number for p in proxy.ports] == [8000, 8080]
    assert [(d.component, d.port) for d in proxy.dependencies] == [("api", 9000)]
    route = next(e for e in model.evidence if e.rule == "servers.upstream")
    assert route.location is not None and route.location.line == 8
    assert not any(d.code == "servers.traefik-docker-provider" for d in model.diagnostics)


def test_a_published_port_the_server_does_not_listen_on_is_a_warning():
    files = {
        "compose.yaml": (
            "services:\n  web:\n    image: caddy:2\n    ports: ['80:80']\n"
            "    volumes: ['./Caddyfile:/etc/caddy/Caddyfile']\n"
        ),
        "Caddyfile": ":8080 {\n  respond /health 200\n}\n",
    }
    model = _analyze(files)
    assert any(d.code == "servers.port-not-listened" for d in model.diagnostics)
    assert {p.number for p in model.component("web").ports} == {80, 8080}


def test_a_config_that_includes_itself_is_a_diagnostic_in_the_model():
    files = {
        "compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: ['./n:/etc/nginx']\n",
        "n/nginx.conf": "http { include nginx.conf; server { listen 81; } }\n",
    }
    model = _analyze(files)
    assert any(d.code == "servers.include-cycle" for d in model.diagnostics)
    assert [p.number for p in model.component("web").ports] == [81]


def test_a_config_file_named_on_the_command_line_is_the_main_one():
    files = {
        "compose.yaml": (
            "services:\n  mesh:\n    image: envoyproxy/envoy:v1.31-latest\n"
            "    command: ['-c', '/config/front.yaml']\n"
            "    volumes: ['./envoy:/config']\n"
        ),
        "envoy/front.yaml": (
            "static_resources:\n  listeners:\n  - address:\n      socket_address:\n"
            "        address: 0.0.0.0\n        port_value: 8443\n"
        ),
    }
    mesh = _analyze(files).component("mesh")
    assert mesh.framework == "envoy"
    assert [p.number for p in mesh.ports] == [8443]


def test_a_tcp_proxy_in_front_of_a_database_gives_a_typed_dependency():
    files = {
        "compose.yaml": (
            "services:\n  lb:\n    image: nginx\n    volumes: ['./n.conf:/etc/nginx/nginx.conf']\n"
            "  db:\n    image: postgres:16\n"
        ),
        "n.conf": "stream { server { listen 5432; proxy_pass db:5432; } }\n",
    }
    lb = _analyze(files).component("lb")
    assert [(d.component, d.type, d.kind, d.port) for d in lb.dependencies] == [
        ("db", DependencyType.DATABASE, "postgres", 5432)
    ]


def test_a_pure_tcp_proxy_is_not_a_web_component():
    files = {
        "compose.yaml": "services:\n  lb:\n    image: haproxy:2.9\n    volumes: ['./h.cfg:/usr/local/etc/haproxy/haproxy.cfg']\n",
        "h.cfg": "defaults\n  mode tcp\nfrontend f\n  bind :5432\n",
    }
    lb = _analyze(files).component("lb")
    assert lb.type is None and [(p.number, p.purpose) for p in lb.ports] == [(5432, None)]


def test_the_image_default_site_still_listens_when_only_another_site_is_mounted():
    files = {
        "compose.yaml": (
            "services:\n  web:\n    image: nginx:1.27\n    ports: ['9000:9000']\n"
            "    volumes: ['./api.conf:/etc/nginx/conf.d/api.conf']\n"
        ),
        "api.conf": "server { listen 9000; }\n",
    }
    model = _analyze(files)
    assert {p.number for p in model.component("web").ports} == {80, 9000}
    assert not any(d.code == "servers.port-not-listened" for d in model.diagnostics)
    site = next(e for e in model.evidence if e.rule == "servers.image-site")
    assert site.location is not None and site.location.file == "compose.yaml"


def test_an_expose_the_copied_config_does_not_listen_on_is_a_warning():
    files = {
        "Dockerfile": "FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/default.conf\nEXPOSE 80\n",
        "site.conf": "server { listen 8080; }\n",
    }
    model = _analyze(files)
    assert {p.number for p in model.components[0].ports} == {80, 8080}
    warning = next(d for d in model.diagnostics if d.code == "servers.port-not-listened")
    assert "port 80 is declared" in warning.message


def test_caddy_configured_on_the_command_line():
    files = {
        "compose.yaml": (
            "services:\n  web:\n    image: caddy:2\n"
            "    command: caddy reverse-proxy --from :8080 --to api:9000\n"
            "  api:\n    build: ./api\n"
        ),
        **API,
    }
    web = _analyze(files).component("web")
    assert [p.number for p in web.ports] == [8080]
    assert [(d.component, d.port) for d in web.dependencies] == [("api", 9000)]


def test_compose_configs_are_read_like_mounted_files():
    files = {
        "compose.yaml": (
            "services:\n  web:\n    image: haproxy:2.9\n"
            "    configs:\n      - source: lb\n        target: /usr/local/etc/haproxy/haproxy.cfg\n"
            "configs:\n  lb:\n    file: ./lb.cfg\n"
        ),
        "lb.cfg": "frontend f\n  bind :8443\n",
    }
    model = _analyze(files)
    web = model.component("web")
    assert [p.number for p in web.ports] == [8443]
    assert any(v.source == "lb.cfg" and v.read_only for v in web.volumes)
