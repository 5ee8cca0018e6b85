from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.ruby import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind
from tests.analysis.languages.reports import analyzer_of, hostile_files
from tests.analysis.languages.reports import routes as _routes

_analyze = analyzer_of(ANALYZER)


RAILS_APP = {
    "Gemfile": (
        'source "https://rubygems.org"\n'
        'ruby "3.2.2"\n'
        'gem "rails", "~> 7.1"\n'
        'gem "pg"\n'
        'gem "puma"\n'
        'gem "sidekiq"\n'
        "group :development, :test do\n"
        '  gem "sqlite3"\n'
        "end\n"
    ),
    "Gemfile.lock": "",
    "config/application.rb": (
        "module Shop\n  class Application < Rails::Application\n    config.load_defaults 7.1\n"
        "  end\nend\n"
    ),
    "config/puma.rb": 'threads 5, 5\nport ENV.fetch("PORT") { 3000 }\n',
    "config/database.yml": "default: &default\n  adapter: postgresql\n  host: <%= ENV['DB_HOST'] %>\n",
    "config/routes.rb": (
        "Rails.application.routes.draw do\n"
        '  # get "/commented", to: "x#y"\n'
        '  get "up" => "rails/health#show", as: :rails_health_check\n'
        '  root "home#index"\n'
        "  resources :orders\n"
        "  namespace :api do\n"
        "    namespace :v1 do\n"
        "      resources :products, only: [:index, :show] do\n"
        "        resources :reviews, only: %i[index create]\n"
        "        member do\n"
        "          post :publish\n"
        "        end\n"
        "        collection do\n"
        "          get :search\n"
        "        end\n"
        "      end\n"
        "    end\n"
        "  end\n"
        "  resource :profile, only: [:show]\n"
        '  scope "/admin" do\n'
        '    get "stats", to: "admin#stats"\n'
        "  end\n"
        '  mount Sidekiq::Web => "/sidekiq"\n'
        '  match "/legacy", to: "legacy#any", via: [:get, :post]\n'
        "end\n"
    ),
    "app/models/order.rb": 'class Order\n  KEY = ENV["STRIPE_API_KEY"]\n  # ENV["NOT_READ"]\nend\n',
}


def test_rails_app_detection_version_and_worker() -> None:
    report = _analyze(RAILS_APP)
    assert report.framework == "rails"
    assert report.language == "ruby"
    assert report.language_version == "3.2.2"
    assert report.build_tool == "bundler"
    assert report.app_type == "web"
    assert report.extras == {"worker": "sidekiq"}
    assert report.confidence >= 0.9


def test_rails_resources_expand_to_rest_routes() -> None:
    routes = _routes(_analyze(RAILS_APP))
    assert {
        ("GET", "/orders"),
        ("POST", "/orders"),
        ("GET", "/orders/new"),
        ("GET", "/orders/{id}"),
        ("GET", "/orders/{id}/edit"),
        ("PATCH", "/orders/{id}"),
        ("PUT", "/orders/{id}"),
        ("DELETE", "/orders/{id}"),
    } <= routes


def test_rails_namespaces_nesting_member_and_collection_routes() -> None:
    routes = _routes(_analyze(RAILS_APP))
    assert {
        ("GET", "/api/v1/products"),
        ("GET", "/api/v1/products/{id}"),
        ("GET", "/api/v1/products/{product_id}/reviews"),
        ("POST", "/api/v1/products/{product_id}/reviews"),
        ("POST", "/api/v1/products/{id}/publish"),
        ("GET", "/api/v1/products/search"),
        ("GET", "/profile"),
        ("GET", "/admin/stats"),
        ("ANY", "/sidekiq"),
        ("GET", "/legacy"),
        ("POST", "/legacy"),
        ("GET", "/"),
        ("GET", "/up"),
    } <= routes
    assert ("DELETE", "/api/v1/products/{id}") not in routes
    assert ("GET", "/commented") not in routes


def test_rails_health_route_is_the_only_endpoint() -> None:
    report = _analyze(RAILS_APP)
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.HEALTH, "/up")]


def test_rails_port_dependencies_and_env() -> None:
    report = _analyze(RAILS_APP)
    assert [p.number for p in report.ports] == [3000]
    deps = {d.name: d.type for d in report.dependencies}
    assert deps == {"postgres": DependencyType.DATABASE, "redis": DependencyType.CACHE}
    env = {e.name: e for e in report.env}
    assert set(env) == {"PORT", "STRIPE_API_KEY"}
    assert env["STRIPE_API_KEY"].secret


def test_api_only_rails_skips_new_and_edit() -> None:
    files = {
        **RAILS_APP,
        "config/application.rb": "class App < Rails::Application\n  config.api_only = true\nend\n",
    }
    report = _analyze(files)
    routes = _routes(report)
    assert report.app_type == "api"
    assert ("GET", "/orders/new") not in routes
    assert ("GET", "/orders/{id}/edit") not in routes
    assert ("GET", "/orders/{id}") in routes


def test_sinatra_routes_namespace_and_port() -> None:
    report = _analyze(
        {
            "Gemfile": "gem 'sinatra'\ngem 'sinatra-contrib'\ngem 'bunny'\n",
            "app.rb": (
                "require 'sinatra'\n"
                "set :port, 4567\n"
                "get '/items/:id' do\n"
                "  ENV.fetch('QUEUE_URL')\n"
                "end\n"
                "namespace '/api' do\n"
                "  post '/orders' do\n"
                "  end\n"
                "end\n"
                "get '/healthz' do\n"
                "  'ok'\n"
                "end\n"
            ),
        }
    )
    assert report.framework == "sinatra"
    assert _routes(report) == {("GET", "/items/{id}"), ("POST", "/api/orders"), ("GET", "/healthz")}
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.HEALTH, "/healthz")]
    assert [p.number for p in report.ports] == [4567]
    assert {d.name for d in report.dependencies} == {"rabbitmq"}
    assert [e.name for e in report.env] == ["QUEUE_URL"]


def test_rack_prometheus_exporter_gives_metrics_endpoint() -> None:
    report = _analyze(
        {
            "config.ru": "require_relative 'app'\nuse Prometheus::Middleware::Exporter\nrun App\n",
            "app.rb": "class App\nend\n",
        }
    )
    assert [(e.kind, e.path) for e in report.endpoints] == [(EndpointKind.METRICS, "/metrics")]


def test_procfile_port_and_ruby_version_file() -> None:
    report = _analyze(
        {
            "Gemfile": "gem 'rails'\n",
            ".ruby-version": "ruby-3.3.0\n",
            "Procfile": "web: bundle exec rails server -p 5000\nworker: bundle exec sidekiq\n",
        }
    )
    assert report.language_version == "3.3.0"
    assert [p.number for p in report.ports] == [5000]


def test_wants_and_detect() -> None:
    assert ANALYZER.wants("Gemfile")
    assert ANALYZER.wants("config/routes.rb")
    assert ANALYZER.wants("config/database.yml")
    assert not ANALYZER.wants("spec/models/order_spec.rb")
    assert not ANALYZER.wants("vendor/bundle/ruby/x.rb")
    assert ANALYZER.detect(SourceTree(paths=("Gemfile",)))
    assert not ANALYZER.detect(SourceTree(paths=("main.go",)))


_PATHS = ("Gemfile", "config/routes.rb", "app.rb", "config/puma.rb", "config.ru", ".ruby-version")
_TOKENS = st.sampled_from(
    [
        "resources :orders do\n",
        "namespace :api do\n",
        "member do\n",
        "end\n",
        "get '/x/:id' do\n",
        "scope '/v1' do\n",
        "only: [:index]",
        "=begin\n",
        "=end\n",
        "#",
        '"',
        "'",
        'port ENV.fetch("PORT") { ',
        "gem 'rails'\n",
        "group :test do\n",
        "\x00",
    ]
)


@settings(max_examples=60, deadline=None)
@given(hostile_files(_PATHS, _TOKENS, max_files=4))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = _analyze(files)
    assert 0.0 <= report.confidence <= 1.0
