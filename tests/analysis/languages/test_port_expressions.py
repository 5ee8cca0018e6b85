"""Each ecosystem's port expressions: the variables read, the defaults, in order."""

import time

import pytest

from dorgu.analysis.languages.dotnet import ANALYZER as DOTNET
from dorgu.analysis.languages.elixir import ANALYZER as ELIXIR
from dorgu.analysis.languages.golang import ANALYZER as GO
from dorgu.analysis.languages.jvm import ANALYZER as JVM
from dorgu.analysis.languages.listen_exprs import chain_of, segment
from dorgu.analysis.languages.node import ANALYZER as NODE
from dorgu.analysis.languages.php import ANALYZER as PHP
from dorgu.analysis.languages.python import ANALYZER as PYTHON
from dorgu.analysis.languages.ruby import ANALYZER as RUBY
from dorgu.analysis.languages.rust import ANALYZER as RUST
from dorgu.analysis.listening.environments import runtime_env
from dorgu.analysis.listening.evaluating import evaluate
from dorgu.models.app import EnvVar
from tests.analysis.languages.reports import analyzer_of


def chains(report):
    return [[str(r) for r in e.chain] for e in report.listen]


def evaluated(report, **values):
    runtime = runtime_env(compose_env=[EnvVar(name=k, value=v) for k, v in values.items()])
    return [evaluate(e, runtime).port for e in report.listen]


FLASK = "from flask import Flask\napp = Flask(__name__)\n"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('app.run(port=int(os.environ.get("PORT", 8080)))', [["env PORT", "'8080'"]]),
        ('app.run(port=os.getenv("APP_PORT", "8081"))', [["env APP_PORT", "'8081'"]]),
        ('app.run(port=int(os.environ["PORT"]))', [["env PORT"]]),
        ('app.run(port=int(os.getenv("PORT") or 5005))', [["env PORT", "'5005'"]]),
        (
            'app.run(port=int(os.environ.get("PORT", os.environ.get("HTTP_PORT", "8082"))))',
            [["env PORT", "env HTTP_PORT", "'8082'"]],
        ),
        (
            'LISTEN = int(os.getenv("SETTING_X", "9000"))\napp.run(port=LISTEN)',
            [["env SETTING_X", "'9000'"]],
        ),
    ],
)
def test_python_port_expressions(code, expected):
    report = analyzer_of(PYTHON)({"app.py": "import os\n" + FLASK + code + "\n"})
    assert chains(report) == expected


def test_python_expression_evaluates_against_the_environment():
    report = analyzer_of(PYTHON)(
        {"app.py": "import os\n" + FLASK + 'app.run(port=int(os.environ.get("APP_PORT", 8080)))\n'}
    )
    assert evaluated(report) == [8080]
    assert evaluated(report, APP_PORT="8081") == [8081]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("app.listen(process.env.PORT || 3000);", [["env PORT", "'3000'"]]),
        ("app.listen(process.env.PORT ?? 3001);", [["env PORT", "'3001'"]]),
        (
            "const port = Number(process.env.HTTP_PORT) || 3002;\napp.listen(port);",
            [["env HTTP_PORT", "'3002'"]],
        ),
        ("app.listen(parseInt(process.env.PORT, 10) || 3003);", [["env PORT", "'3003'"]]),
        ("app.listen(parseInt(process.env.PORT || '3004', 10));", [["env PORT", "'3004'"]]),
        ("app.listen(process.env['PORT']);", [["env PORT"]]),
        (
            "const { env } = process;\nconst port = Number(env.PORT ?? 3005);\napp.listen(port);",
            [["env PORT", "'3005'"]],
        ),
    ],
)
def test_node_port_expressions(code, expected):
    pkg = '{"name": "svc", "dependencies": {"express": "^4"}}'
    report = analyzer_of(NODE)(
        {"package.json": pkg, "server.js": "const app = require('express')();\n" + code + "\n"}
    )
    assert chains(report) == expected


def test_go_getenv_with_fallback_and_flag_defaults():
    code = (
        'package main\nimport ("net/http"; "os"; "flag")\nfunc main() {\n'
        '\tport := os.Getenv("PORT")\n\tif port == "" {\n\t\tport = "8080"\n\t}\n'
        '\taddr := flag.String("addr", ":9000", "listen address")\n'
        '\tmetrics := flag.Int("port", 9100, "port")\n'
        '\thttp.ListenAndServe(":"+port, nil)\n}\n'
    )
    report = analyzer_of(GO)({"go.mod": "module x\n", "main.go": code})
    assert ["env PORT", "'8080'"] in chains(report)
    assert ["flag addr", "'9000'"] in chains(report)
    assert ["flag port", "'9100'"] in chains(report)


def test_ruby_puma_fetch_with_a_block_default():
    puma = 'port ENV.fetch("PORT") { 3000 }\nworkers ENV.fetch("WEB_CONCURRENCY") { 2 }\n'
    report = analyzer_of(RUBY)({"Gemfile": 'gem "rails"\n', "config/puma.rb": puma})
    assert chains(report) == [["env PORT", "'3000'"]]
    assert evaluated(report, PORT="3100") == [3100]


def test_rust_env_var_with_unwrap_or():
    code = (
        'fn main() {\n    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok())'
        ".unwrap_or(8088);\n}\n"
    )
    report = analyzer_of(RUST)({"Cargo.toml": '[package]\nname = "x"\n', "src/main.rs": code})
    assert chains(report) == [["env PORT", "'8088'"]]


def test_php_getenv_with_elvis_default():
    code = "<?php\n$port = getenv('PORT') ?: 8090;\n"
    report = analyzer_of(PHP)({"composer.json": "{}", "server.php": code})
    assert chains(report) == [["env PORT", "'8090'"]]


def test_elixir_runtime_config():
    config = 'import Config\nconfig :app, AppWeb.Endpoint,\n  http: [port: String.to_integer(System.get_env("PORT") || "4001")]\n'
    report = analyzer_of(ELIXIR)({"mix.exs": "defmodule X do\nend\n", "config/runtime.exs": config})
    assert ["env PORT", "'4001'"] in chains(report)


SPRING_POM = (
    "<project><parent><groupId>org.springframework.boot</groupId>"
    "<artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent>"
    "<dependencies><dependency><groupId>org.springframework.boot</groupId>"
    "<artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>"
)


def test_spring_placeholder_and_profiles():
    report = analyzer_of(JVM)(
        {
            "pom.xml": SPRING_POM,
            "src/main/resources/application.properties": "server.port=${PORT:8080}\n",
            "src/main/resources/application-docker.yml": "server:\n  port: 9443\n",
        }
    )
    profiles = {e.profile: e for e in report.listen}
    assert set(profiles) == {None, "docker"}
    assert evaluate(profiles[None], runtime_env()).port == 8080
    runtime = runtime_env(compose_env=[EnvVar(name="PORT", value="8181")])
    assert evaluate(profiles[None], runtime).port == 8181


def test_quarkus_property_with_placeholder_and_relaxed_override():
    quarkus_pom = SPRING_POM.replace("org.springframework.boot", "io.quarkus").replace(
        "spring-boot-starter-web", "quarkus-rest"
    )
    report = analyzer_of(JVM)(
        {
            "pom.xml": quarkus_pom,
            "src/main/resources/application.properties": "quarkus.http.port=${HTTP_PORT:8086}\n",
        }
    )
    assert report.framework == "quarkus"
    assert [e.text for e in report.listen] == ["quarkus.http.port=${HTTP_PORT:8086}"]
    assert evaluate(report.listen[0], runtime_env()).port == 8086
    runtime = runtime_env(compose_env=[EnvVar(name="HTTP_PORT", value="8088")])
    assert evaluate(report.listen[0], runtime).port == 8088
    runtime = runtime_env(compose_env=[EnvVar(name="QUARKUS_HTTP_PORT", value="8087")])
    assert evaluate(report.listen[0], runtime).port == 8087


def test_ktor_application_conf_optional_substitution():
    gradle = 'plugins { kotlin("jvm") }\ndependencies { implementation("io.ktor:ktor-server-netty:2.3.0") }\n'
    conf = "ktor {\n  deployment {\n    port = 8080\n    port = ${?PORT}\n  }\n}\n"
    report = analyzer_of(JVM)(
        {"build.gradle.kts": gradle, "src/main/resources/application.conf": conf}
    )
    assert report.framework == "ktor"
    assert chains(report) == [["env PORT", "'8080'"]]


def test_dotnet_reports_no_expression_the_conventions_cover_it():
    csproj = '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>'
    report = analyzer_of(DOTNET)(
        {"Api.csproj": csproj, "Program.cs": "var app = WebApplication.Create();\napp.Run();\n"}
    )
    assert report.framework == "aspnetcore"
    assert [p.number for p in report.ports] == [8080]


def test_segment_and_chain_are_bounded_on_hostile_text():
    code = "process.env.PORT" + " || (" * 5000 + "3000"
    fragment = segment(code, 0)
    assert len(fragment) <= 300
    assert chain_of("(" * 10_000, "node") == []
    started = time.monotonic()
    files = {
        "package.json": '{"dependencies": {"express": "^4"}}',
        "big.js": "x = process.env.PORT || 3000;\n" * 20_000,
    }
    report = analyzer_of(NODE)(files)
    assert len(report.listen) <= 32
    assert time.monotonic() - started < 10


def test_micronaut_property():
    pom = SPRING_POM.replace("org.springframework.boot", "io.micronaut").replace(
        "spring-boot-starter-web", "micronaut-http-server-netty"
    )
    yml = "micronaut:\n  server:\n    port: ${MN_PORT:8095}\n"
    report = analyzer_of(JVM)({"pom.xml": pom, "src/main/resources/application.yml": yml})
    assert report.framework == "micronaut"
    assert evaluate(report.listen[0], runtime_env()).port == 8095
    runtime = runtime_env(compose_env=[EnvVar(name="MICRONAUT_SERVER_PORT", value="8096")])
    assert evaluate(report.listen[0], runtime).port == 8096


def test_start_scripts_and_procfiles_read_port_variables_through_the_shell():
    script = "#!/bin/sh\nexec gunicorn -b 0.0.0.0:${PORT:-8001} app:app\n"
    report = analyzer_of(PYTHON)({"app.py": "import os\n" + FLASK, "start.sh": script})
    assert ["env PORT", "'8001'"] in chains(report)
    procfile = "web: gunicorn --bind 0.0.0.0:$PORT app:app\n"
    report = analyzer_of(PYTHON)({"app.py": "import os\n" + FLASK, "Procfile": procfile})
    assert ["env PORT"] in chains(report)
    pkg = '{"name": "web", "scripts": {"start": "next start -p ${PORT:-3100}"}, "dependencies": {"next": "14"}}'
    report = analyzer_of(NODE)({"package.json": pkg})
    assert ["env PORT", "'3100'"] in chains(report)


def test_csharp_environment_variable_with_a_default():
    csproj = (
        '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup>'
        "<TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>"
    )
    code = (
        "var builder = WebApplication.CreateBuilder(args);\n"
        'var port = Environment.GetEnvironmentVariable("PORT") ?? "8085";\n'
        'builder.WebHost.UseUrls($"http://0.0.0.0:{port}");\n'
    )
    report = analyzer_of(DOTNET)({"Api.csproj": csproj, "Program.cs": code})
    assert chains(report) == [["env PORT", "'8085'"]]
    assert evaluated(report, PORT="8086") == [8086]


def test_go_listen_address_through_a_variable_with_its_fallback():
    code = (
        'package main\nimport ("net/http"; "os")\nfunc main() {\n'
        '\taddr := os.Getenv("LISTEN_ADDR")\n\tif addr == "" {\n\t\taddr = ":8070"\n\t}\n'
        "\thttp.ListenAndServe(addr, nil)\n}\n"
    )
    report = analyzer_of(GO)({"go.mod": "module x\n", "main.go": code})
    assert chains(report) == [["env LISTEN_ADDR", "'8070'"]]
    assert evaluated(report, LISTEN_ADDR="0.0.0.0:8071") == [8071]


def test_pydantic_settings_port_field():
    code = (
        "from fastapi import FastAPI\nfrom pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n    model_config = {'env_prefix': 'APP_'}\n"
        "    env_prefix = 'APP_'\n    port: int = 8040\n    debug: bool = False\n\napp = FastAPI()\n"
    )
    report = analyzer_of(PYTHON)({"main.py": code})
    assert ["env APP_PORT", "'8040'"] in chains(report)
