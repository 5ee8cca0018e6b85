"""Elixir analyser: mix deps, Phoenix config ports, routers (scopes, resources), metrics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.elixir import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind

MIX = """defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", elixir: "~> 1.15", deps: deps()]
  end

  defp deps do
    [
      {:phoenix, "~> 1.7.10"},
      {:ecto_sql, "~> 3.10"},
      {:postgrex, ">= 0.0.0"},
      # {:redix, "~> 1.0"},
      {:broadway_rabbitmq, "~> 0.8"},
      {:prom_ex, "~> 1.9"},
      {:floki, ">= 0.30.0", only: :test}
    ]
  end
end
"""
RUNTIME = """import Config

if config_env() == :prod do
  port = String.to_integer(System.get_env("PORT") || "4000")

  config :shop, ShopWeb.Endpoint,
    http: [ip: {0, 0, 0, 0, 0, 0, 0, 0}, port: port],
    secret_key_base: secret_key_base
end
"""
ROUTER = """defmodule ShopWeb.Router do
  use ShopWeb, :router

  pipeline :api do
    plug :accepts, ["json"]
  end

  scope "/api", ShopWeb do
    pipe_through :api

    get "/health", HealthController, :index
    resources "/users", UserController, only: [:index, :show] do
      resources "/posts", PostController, except: [:new, :edit, :delete]
    end
    post "/orders/:id/pay", OrderController, :pay
  end

  # get "/hidden", HiddenController, :index
end
"""


def analyze(files: dict[str, str]) -> LanguageReport:
    return ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))


def test_mix_framework_version_and_runtime_dependencies() -> None:
    report = analyze({"mix.exs": MIX})
    assert ANALYZER.detect(SourceTree(paths=("mix.exs",)))
    assert ANALYZER.wants("lib/shop_web/router.ex")
    assert ANALYZER.wants("config/runtime.exs")
    assert (report.language, report.framework, report.language_version) == (
        "elixir",
        "phoenix",
        "1.15",
    )
    assert report.build_tool == "mix"
    assert {d.kind: d.type for d in report.dependencies} == {
        "postgres": DependencyType.DATABASE,
        "rabbitmq": DependencyType.QUEUE,
    }


def test_runtime_port_with_env_fallback_beats_dev_config() -> None:
    dev = "import Config\nconfig :shop, ShopWeb.Endpoint, http: [ip: {127, 0, 0, 1}, port: 4001]\n"
    report = analyze({"mix.exs": MIX, "config/runtime.exs": RUNTIME, "config/dev.exs": dev})
    assert [p.number for p in report.ports] == [4000]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.location is not None
    assert port.location.file == "config/runtime.exs"
    assert [e.name for e in report.env] == ["PORT"]


def test_get_env_with_default_argument() -> None:
    config = (
        "config :shop, ShopWeb.Endpoint,\n"
        '  http: [port: System.get_env("HTTP_PORT", "8088") |> String.to_integer()]\n'
    )
    assert [p.number for p in analyze({"mix.exs": MIX, "config/prod.exs": config}).ports] == [8088]


def test_phoenix_default_port_only_with_endpoint_config() -> None:
    assert analyze({"mix.exs": MIX}).ports == ()
    config = 'import Config\nconfig :shop, ShopWeb.Endpoint, url: [host: "localhost"]\n'
    report = analyze({"mix.exs": MIX, "config/config.exs": config})
    assert [p.number for p in report.ports] == [4000]
    assert next(e for e in report.evidence if e.field == "port").confidence < 0.5


def test_router_scopes_resources_only_except_and_nesting() -> None:
    report = analyze({"mix.exs": MIX, "lib/shop_web/router.ex": ROUTER})
    routes = {(r.method, r.path) for r in report.routes}
    assert routes == {
        ("GET", "/api/health"),
        ("GET", "/api/users"),
        ("GET", "/api/users/{id}"),
        ("GET", "/api/users/{user_id}/posts"),
        ("POST", "/api/users/{user_id}/posts"),
        ("GET", "/api/users/{user_id}/posts/{id}"),
        ("PATCH", "/api/users/{user_id}/posts/{id}"),
        ("PUT", "/api/users/{user_id}/posts/{id}"),
        ("POST", "/api/orders/{id}/pay"),
    }
    assert report.app_type == "api"
    assert (EndpointKind.HEALTH, "/api/health") in {(e.kind, e.path) for e in report.endpoints}


def test_full_resources_and_browser_pipeline() -> None:
    router = """defmodule AppWeb.Router do
  use Phoenix.Router
  scope "/", AppWeb do
    pipe_through :browser
    resources "/photos", PhotoController
    live "/dashboard", DashboardLive
  end
end
"""
    report = analyze({"mix.exs": MIX, "lib/app_web/router.ex": router})
    routes = {(r.method, r.path) for r in report.routes}
    assert routes == {
        ("GET", "/photos"),
        ("GET", "/photos/new"),
        ("POST", "/photos"),
        ("GET", "/photos/{id}"),
        ("GET", "/photos/{id}/edit"),
        ("PATCH", "/photos/{id}"),
        ("PUT", "/photos/{id}"),
        ("DELETE", "/photos/{id}"),
        ("GET", "/dashboard"),
    }
    assert report.app_type == "web"


def test_prom_ex_metrics_endpoint_only_when_plugged() -> None:
    assert analyze({"mix.exs": MIX}).endpoints == ()
    endpoint = """defmodule ShopWeb.Endpoint do
  use Phoenix.Endpoint, otp_app: :shop
  plug PromEx.Plug, prom_ex_module: Shop.PromEx, path: "/internal/metrics"
end
"""
    report = analyze({"mix.exs": MIX, "lib/shop_web/endpoint.ex": endpoint})
    assert [(e.kind, e.path) for e in report.endpoints] == [
        (EndpointKind.METRICS, "/internal/metrics")
    ]


def test_plug_router_with_bandit_port() -> None:
    mix = 'defmodule A.MixProject do\n  defp deps, do: [{:bandit, "~> 1.0"}]\nend\n'
    app = """defmodule A.Application do
  def start(_type, _args) do
    children = [{Bandit, plug: A.Router, scheme: :http, port: 4040}]
    Supervisor.start_link(children, strategy: :one_for_one)
  end
end
"""
    router = """defmodule A.Router do
  use Plug.Router
  plug :match
  plug :dispatch
  get "/hello/:name" do
    send_resp(conn, 200, "hi")
  end
  match _ do
    send_resp(conn, 404, "no")
  end
end
"""
    report = analyze({"mix.exs": mix, "lib/a/application.ex": app, "lib/a/router.ex": router})
    assert report.framework == "plug"
    assert [p.number for p in report.ports] == [4040]
    assert [(r.method, r.path) for r in report.routes] == [("GET", "/hello/{name}")]


_NAMES = st.sampled_from(["mix.exs", "config/runtime.exs", "lib/a_web/router.ex", "lib/a.ex"])


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        _NAMES,
        st.text(alphabet='{}[]()"/:,#| \ndoendscoperesourcesgetport0123use:router', max_size=400),
        max_size=3,
    )
)
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    analyze(files)
