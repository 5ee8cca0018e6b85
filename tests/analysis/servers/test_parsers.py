"""Server configuration parsers: what each reads, and hostile forms give diagnostics."""

from dorgu.analysis.servers import parse_server_config, server_for_image
from dorgu.analysis.servers.including import ConfigReader, Mount
from dorgu.analysis.servers.reading import read_server
from dorgu.analysis.servers.templating import substitute
from dorgu.analysis.sources import SourceTree

NGINX = """
upstream backend { server api:8080 max_fails=3; }
server {
  listen 80; listen [::]:80;
  root /usr/share/nginx/html;
  location /api/ { proxy_pass http://backend; }
  location /auth { proxy_pass http://auth:9000/; }
  location = /healthz { access_log off; return 200 "ok"; }
  location ~ \\.php$ { fastcgi_pass php:9000; }
  location /x { set $u http://other:7000; proxy_pass $u; }
}
stream { server { listen 5432; proxy_pass db:5432; } }
"""


def _codes(config):
    return {d.code for d in config.diagnostics}


def test_nginx_listens_upstreams_roots_and_health():
    config = parse_server_config("nginx", NGINX, file="n.conf")
    assert config.listen_ports() == [80, 5432]
    targets = {(u.host, u.port, u.path) for u in config.upstreams}
    assert ("api", 8080, "/api/") in targets
    assert ("auth", 9000, "/auth") in targets
    assert ("php", 9000, None) in targets
    assert ("other", 7000, "/x") in targets
    assert ("db", 5432, None) in targets
    assert [r.path for r in config.roots] == ["/usr/share/nginx/html"]
    assert [(h.path, h.port) for h in config.health] == [("/healthz", 80)]


def test_nginx_unresolved_variable_is_a_diagnostic_not_a_port():
    config = parse_server_config("nginx", "server { listen ${PORT}; }", file="n.conf")
    assert config.listen_ports() == []
    assert "servers.unresolved" in _codes(config)


def test_nginx_malformed_syntax_keeps_what_it_can():
    text = "server { listen 8080; location / { root /srv;  }\n}}\nserver { listen 81"
    config = parse_server_config("nginx", text, file="n.conf")
    assert 8080 in config.listen_ports()
    assert "servers.nginx.syntax" in _codes(config)


def test_nginx_deep_nesting_is_bounded():
    text = "http { " + "location / { " * 500 + "}" * 500 + " }"
    config = parse_server_config("nginx", text, file="n.conf")
    assert "servers.nginx.syntax" in _codes(config)


def _reader(files, mounts, env=None):
    tree = SourceTree(paths=tuple(sorted(files)), texts=files)
    return tree, ConfigReader(mounts=mounts, tree=tree, env=env or {})


def test_nginx_include_that_includes_itself_gives_a_diagnostic():
    files = {"conf/nginx.conf": "include /etc/nginx/nginx.conf;\nserver { listen 8081; }"}
    _tree, reader = _reader(files, [Mount("/etc/nginx", "conf", directory=True)])
    config = parse_server_config(
        "nginx",
        files["conf/nginx.conf"],
        file="conf/nginx.conf",
        container_path="/etc/nginx/nginx.conf",
        reader=reader,
    )
    assert config.listen_ports() == [8081]
    assert any(d.code == "servers.include-cycle" for d in reader.diagnostics)


def test_includes_follow_globs_inside_the_tree_only():
    files = {
        "conf/nginx.conf": "http { include conf.d/*.conf; include /etc/passwd; }",
        "conf/conf.d/a.conf": "server { listen 8001; }",
        "conf/conf.d/b.conf": "server { listen 8002; }",
    }
    image = server_for_image("nginx:1.27")
    assert image is not None
    tree, _ = _reader(files, [])
    config = read_server(image, [Mount("/etc/nginx", "conf", directory=True)], tree, {})
    assert config is not None
    assert config.listen_ports() == [8001, 8002]
    assert "servers.include-not-found" in _codes(config)


def test_huge_and_binary_configs_are_refused_with_diagnostics():
    image = server_for_image("nginx")
    assert image is not None
    files = {"big.conf": "#" * (600 * 1024), "bin.conf": "server {\x00}"}
    tree = SourceTree(paths=("big.conf", "bin.conf", "unread.conf"), texts=files)
    mounts = [
        Mount("/etc/nginx/conf.d/big.conf", "big.conf"),
        Mount("/etc/nginx/conf.d/bin.conf", "bin.conf"),
        Mount("/etc/nginx/conf.d/unread.conf", "unread.conf"),
    ]
    config = read_server(image, mounts, tree, {})
    codes = {d.code for d in (config.diagnostics if config else [])}
    assert {"servers.config-too-large", "servers.config-binary"} <= codes
    assert "servers.config-unreadable" in codes


def test_templates_are_rendered_with_the_service_environment_only():
    text = "server { listen ${PORT}; location / { proxy_pass http://$host; } }"
    assert substitute(text, {"PORT": "8080"}, syntax="envsubst").startswith("server { listen 8080;")
    assert "$host" in substitute(text, {"PORT": "8080"}, syntax="envsubst")


def test_cyclic_variables_are_expanded_once():
    assert substitute("${A}", {"A": "${B}", "B": "${A}"}, syntax="braces") == "${B}"


def test_apache_listen_proxypass_balancer_and_fcgi():
    text = """
Define APP_PORT 8080
Listen ${APP_PORT}
<VirtualHost *:8080>
  DocumentRoot "/var/www/html"
  ProxyPass /api/ http://backend:3000/api/
  ProxyPass /static !
  <Proxy "balancer://cluster">
    BalancerMember http://app1:9000
  </Proxy>
  ProxyPass /b balancer://cluster/
  <FilesMatch \\.php$>
    SetHandler "proxy:fcgi://php-fpm:9000"
  </FilesMatch>
  RewriteRule ^/old/(.*) http://legacy:8000/$1 [P,L]
</VirtualHost>
<Location /unclosed>
"""
    config = parse_server_config("apache", text, file="h.conf")
    assert config.listen_ports() == [8080]
    hosts = {(u.host, u.port) for u in config.upstreams}
    assert hosts == {("backend", 3000), ("app1", 9000), ("php-fpm", 9000), ("legacy", 8000)}
    assert "servers.apache.syntax" in _codes(config)


def test_caddy_sites_reverse_proxy_and_health():
    text = """
{
  http_port 8080
}
:{$PORT:8080} {
  root * /srv
  reverse_proxy /api/* api:8000
  handle /healthz {
    respond "ok" 200
  }
}
"""
    config = parse_server_config("caddy", text, file="Caddyfile")
    assert config.listen_ports() == [8080]
    assert [(u.host, u.port, u.path) for u in config.upstreams] == [("api", 8000, "/api/*")]
    assert [h.path for h in config.health] == ["/healthz"]


def test_haproxy_binds_backends_routes_and_monitor_uri():
    text = """
frontend fe
  bind *:80
  bind "${BIND}"
  monitor-uri /healthz
  acl is_api path_beg /api
  use_backend api if is_api
backend api
  server a1 api:8080 check
"""
    config = parse_server_config("haproxy", text, file="haproxy.cfg")
    assert config.listen_ports() == [80]
    assert [(u.host, u.port, u.path) for u in config.upstreams] == [("api", 8080, "/api")]
    assert "servers.unresolved" in _codes(config)


def test_envoy_listeners_clusters_and_admin():
    text = """
admin: {address: {socket_address: {address: 0.0.0.0, port_value: 9901}}}
static_resources:
  listeners:
  - address: {socket_address: {address: 0.0.0.0, port_value: 10000}}
    filter_chains: [{filters: [{typed_config: {route_config: {virtual_hosts: [
      {routes: [{match: {prefix: /api}, route: {cluster: api}}]}]}}}]}]
  clusters:
  - name: api
    load_assignment:
      cluster_name: api
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: api, port_value: 8080}}}}]}]
"""
    config = parse_server_config("envoy", text, file="envoy.yaml")
    assert config.listen_ports() == [10000, 9901]
    assert [(u.host, u.port, u.path) for u in config.upstreams] == [("api", 8080, "/api")]


def test_envoy_invalid_yaml_and_alias_bombs_are_diagnostics():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    for text in ("a: [1, 2", bomb):
        config = parse_server_config("envoy", text, file="envoy.yaml")
        assert "servers.config-invalid" in _codes(config)


def test_traefik_static_file():
    text = "entryPoints:\n  web:\n    address: ':8000'\nping: {}\n"
    config = parse_server_config("traefik", text, file="traefik.yml")
    assert config.listen_ports() == [8000, 8080]
    assert [(h.path, h.port) for h in config.health] == [("/ping", 8080)]


def test_server_images_are_identified_by_name_and_tag():
    cases = {
        "nginx:1.27-alpine": ("nginx", 80),
        "nginxinc/nginx-unprivileged:stable": ("nginx", 8080),
        "php:8.3-apache": ("apache", 80),
        "httpd:2.4": ("apache", 80),
        "envoyproxy/envoy:v1.31-latest": ("envoy", 10000),
        "tomcat:10-jdk21": ("tomcat", 8080),
        "caddy:2": ("caddy", 80),
    }
    for image, (server, port) in cases.items():
        found = server_for_image(image)
        assert found is not None and (found.server, found.port) == (server, port), image
    assert server_for_image("php:8.3-cli") is None
    assert server_for_image("acme/nginx-config-tool-not-a-server:1") is None


def test_apache_alias_to_a_health_script_is_a_health_path():
    config = parse_server_config("apache", "Alias /healthz /srv/health.php\n", file="a.conf")
    assert [h.path for h in config.health] == ["/healthz"]


def test_apache_virtualhost_port_counts_when_no_listen_is_read():
    text = "<VirtualHost *:8080>\n  DocumentRoot /srv\n</VirtualHost>\n"
    assert parse_server_config("apache", text, file="a.conf").listen_ports() == [8080]
    both = "Listen 9090\n" + text
    assert parse_server_config("apache", both, file="a.conf").listen_ports() == [9090]


def test_tcp_proxying_listens_are_not_http():
    nginx = parse_server_config("nginx", "stream { server { listen 5432; } }", file="n.conf")
    assert [(x.port, x.http) for x in nginx.listens] == [(5432, False)]
    text = (
        "defaults\n  mode tcp\nfrontend db\n  bind :5432\nfrontend web\n  mode http\n  bind :80\n"
    )
    haproxy = parse_server_config("haproxy", text, file="h.cfg")
    assert [(x.port, x.http) for x in haproxy.listens] == [(5432, False), (80, True)]


def test_include_chains_are_bounded_in_depth_and_in_files():
    chain = {f"c/{i}.conf": f"include /etc/nginx/{i + 1}.conf;\n" for i in range(20)}
    chain["c/20.conf"] = "server { listen 8080; }\n"
    _tree, reader = _reader(chain, [Mount("/etc/nginx", "c", directory=True)])
    config = parse_server_config(
        "nginx",
        chain["c/0.conf"],
        file="c/0.conf",
        container_path="/etc/nginx/0.conf",
        reader=reader,
    )
    assert config.listen_ports() == []  # the listen sits past the depth bound
    assert any(d.code == "servers.include-depth" for d in reader.diagnostics)

    many = {f"d/{i:03}.conf": "server { listen 80; }\n" for i in range(100)}
    many["d/main.conf"] = "include /etc/nginx/*.conf;\n"
    _tree, reader = _reader(many, [Mount("/etc/nginx", "d", directory=True)])
    parse_server_config(
        "nginx",
        many["d/main.conf"],
        file="d/main.conf",
        container_path="/etc/nginx/main.conf",
        reader=reader,
    )
    assert any(d.code == "servers.too-many-files" for d in reader.diagnostics)
    assert len(reader.files) <= 64


def test_includes_never_leave_the_mounted_files():
    files = {"n/nginx.conf": "include ../../etc/passwd;\ninclude /etc/shadow;\n", "secret.txt": "x"}
    _tree, reader = _reader(files, [Mount("/etc/nginx/nginx.conf", "n/nginx.conf")])
    parse_server_config(
        "nginx",
        files["n/nginx.conf"],
        file="n/nginx.conf",
        container_path="/etc/nginx/nginx.conf",
        reader=reader,
    )
    assert reader.files == ["n/nginx.conf"]


def test_a_mounted_repository_root_is_searched_only_where_the_pattern_points():
    files = {"nginx.conf": "", "conf.d/a.conf": "", "conf.d/sub/b.conf": "", "src/x.conf": ""}
    _tree, reader = _reader(files, [Mount("/etc/nginx", ".", directory=True)])
    assert [f for _p, f, _r in reader.tree_files("/etc/nginx/conf.d/*.conf")] == ["conf.d/a.conf"]
    assert [f for _p, f, _r in reader.tree_files("/etc/nginx/nginx.conf")] == ["nginx.conf"]
    assert [f for _p, f, _r in reader.tree_files("/etc/*/conf.d/*/*.conf")] == ["conf.d/sub/b.conf"]
    assert reader.tree_files("/usr/share/nginx/html/*") == []
