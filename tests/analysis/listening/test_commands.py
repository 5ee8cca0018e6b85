from dorgu.analysis.listening.commands import command_exprs
from dorgu.analysis.listening.environments import runtime_env
from dorgu.analysis.listening.evaluating import Status, evaluate
from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location

WHERE = Location(file="Dockerfile", line=9)


def port_of(argv, **env):
    runtime = runtime_env(
        compose_env=[
            EnvVar(name=k, value=v, location=Location(file="compose.yaml", line=3))
            for k, v in env.items()
        ],
        command=argv,
    )
    exprs = command_exprs(argv, WHERE)
    return evaluate(exprs[0], runtime) if exprs else None


def shell(script):
    return ("/bin/sh", "-c", script)


def test_uvicorn_port_from_a_shell_form_default_and_its_variable():
    assert port_of(shell("uvicorn main:app --host 0.0.0.0 --port ${PORT:-8000}")).port == 8000
    res = port_of(shell("uvicorn main:app --port ${PORT:-8000}"), PORT="7700")
    assert (res.port, res.status, res.source) == (7700, Status.SET, "PORT")


def test_gunicorn_bind_with_a_variable_and_without_a_bind():
    res = port_of(shell("gunicorn -b 0.0.0.0:$PORT app:app"), PORT="5001")
    assert res.port == 5001
    assert port_of(["gunicorn", "--bind=0.0.0.0:5002", "app:app"]).port == 5002
    assert port_of(["gunicorn", "app:app"]).port == 8000
    assert port_of(["gunicorn", "app:app"], PORT="5003").port == 5003


def test_exec_form_dollar_port_is_reported():
    res = port_of(["uvicorn", "main:app", "--port", "$PORT"], PORT="7700")
    assert res.port is None
    assert any("literally" in p for p in res.problems)


def test_other_servers():
    assert port_of(["flask", "run", "--host=0.0.0.0"]).port == 5000
    assert port_of(["flask", "run"], FLASK_RUN_PORT="5055").port == 5055
    assert port_of(["python", "manage.py", "runserver", "0.0.0.0:8001"]).port == 8001
    assert port_of(["bundle", "exec", "rails", "s", "-p", "3001"]).port == 3001
    assert port_of(["bundle", "exec", "rails", "server"], PORT="3002").port == 3002
    assert port_of(["php", "-S", "0.0.0.0:8088", "-t", "public"]).port == 8088
    assert port_of(["php", "artisan", "serve", "--host=0.0.0.0"]).port == 8000
    assert port_of(["php", "artisan", "serve"], SERVER_PORT="8009").port == 8009
    assert port_of(["npx", "next", "start", "-p", "3005"]).port == 3005
    assert port_of(["java", "-Dserver.port=8089", "-jar", "app.jar"]).port == 8089
    assert port_of(["java", "-jar", "app.jar", "--server.port=8090"]).port == 8090
    assert port_of(["dotnet", "Api.dll", "--urls", "http://+:5010"]).port == 5010
    assert port_of(["python", "-m", "uvicorn", "app:app", "--port", "8111"]).port == 8111


def test_commands_without_a_known_server_say_nothing():
    assert command_exprs(["python", "app.py"], WHERE) == []
    assert command_exprs([], WHERE) == []
    assert command_exprs(["java", "-jar", "app.jar"], WHERE) == []


def test_hostile_commands_do_not_crash():
    assert command_exprs(shell("uvicorn 'unbalanced --port 80"), WHERE) is not None
    assert command_exprs(shell("uvicorn " + "x " * 100_000 + "--port 9"), WHERE) is not None
    assert command_exprs(["uvicorn", "--port"], WHERE) is not None
    res = port_of(["uvicorn", "app:app", "--port", "99999"])
    assert res.port is None and res.problems
