""".NET analyser: project files, settings, minimal APIs, controllers, health and metrics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.dotnet import ANALYZER
from dorgu.analysis.languages.dotnet_settings import connection_kind
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind

CSPROJ = """<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>{tfm}</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="8.0.0" />
    <PackageReference Include="StackExchange.Redis" Version="2.7.4" />
    <PackageReference Include="prometheus-net.AspNetCore" Version="8.2.0" />
  </ItemGroup>
</Project>
"""
PROGRAM = """var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
// app.MapGet("/commented", () => 1);
app.MapGet("/", () => "hi");
var api = app.MapGroup("/api");
var todos = api.MapGroup("/todos").WithTags("todos");
todos.MapGet("/{id:int}", (int id) => id);
todos.MapPost("/", (Todo t) => t);
app.MapGroup("/v2").MapDelete("/items/{id?}", (int id) => 1);
app.MapGroup("/users").MapUsersApi();
app.MapMethods("/both", new[] { "GET", "HEAD" }, () => 1);
app.MapHealthChecks("/healthz");
app.MapHealthChecks("/health/ready");
app.MapMetrics();
app.Run();

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}", (int id) => id);
        return group;
    }
}
"""
PLAIN = (
    '<Project Sdk="{sdk}"><PropertyGroup>'
    "<TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>"
)
CONTROLLER = """namespace Web.Controllers;

[ApiController]
[Route("api/[controller]")]
public class TodoItemsController : ControllerBase
{
    [HttpGet]
    public async Task<ActionResult<IEnumerable<TodoItem>>> GetTodoItems(
        [FromQuery] string? filter, [FromQuery(Name = "page")] int p = 1) { return null; }

    [HttpGet("{id}", Name = "GetTodo")]
    public async Task<ActionResult<TodoItem>> GetTodoItem(long id) { return null; }

    [HttpPut("{id:long}")]
    [ProducesResponseType(204)]
    public IActionResult Put(long id) { return null; }

    [HttpGet("/absolute/{x}")]
    public IActionResult Absolute(string x) { return null; }

    [Route("[action]")]
    [HttpPost]
    public IActionResult ArchiveAsync() { return null; }
}
"""


def analyze(files: dict[str, str]) -> LanguageReport:
    return ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))


def web(tfm: str = "net8.0", **more: str) -> dict[str, str]:
    return {"src/Web/Web.csproj": CSPROJ.format(tfm=tfm), **more}


def test_wants_and_detect() -> None:
    for path in (
        "a/Web.csproj",
        "Program.cs",
        "appsettings.json",
        "appsettings.Production.json",
        "Properties/launchSettings.json",
    ):
        assert ANALYZER.wants(path), path
    assert not ANALYZER.wants("package.json")
    assert ANALYZER.detect(SourceTree(paths=("src/Web/Web.csproj",)))
    assert not ANALYZER.detect(SourceTree(paths=("main.go",)))


def test_web_sdk_framework_version_and_packages() -> None:
    report = analyze(web())
    assert (report.language, report.framework, report.language_version) == (
        "csharp",
        "aspnetcore",
        "8.0",
    )
    assert report.build_tool == "dotnet"
    assert {d.kind: d.type for d in report.dependencies} == {
        "postgres": DependencyType.DATABASE,
        "redis": DependencyType.CACHE,
    }


def test_container_default_port_is_low_confidence_and_says_so() -> None:
    report = analyze(web())
    assert [p.number for p in report.ports] == [8080]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.rule == "dotnet.container-default-port.aspnet8"
    assert port.confidence < 0.5
    assert [p.number for p in analyze(web("net6.0")).ports] == [80]


def test_kestrel_endpoint_beats_defaults_and_launch_settings() -> None:
    settings_json = """{
  // .NET allows comments
  "Kestrel": { "Endpoints": { "Http": { "Url": "http://0.0.0.0:5005" } } },
}"""
    launch = (
        '{"profiles": {"web": {"applicationUrl": "https://localhost:7001;http://localhost:5001"}}}'
    )
    report = analyze(
        web(
            **{
                "src/Web/appsettings.json": settings_json,
                "src/Web/Properties/launchSettings.json": launch,
            }
        )
    )
    assert [p.number for p in report.ports] == [5005]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.location is not None
    assert port.location.line == 3


def test_launch_settings_port_only_beats_nothing_and_is_dev_only() -> None:
    launch = '{"profiles": {"web": {"applicationUrl": "http://localhost:5001"}}}'
    project = PLAIN.format(sdk="Microsoft.NET.Sdk")
    report = analyze({"App.csproj": project, "Properties/launchSettings.json": launch})
    assert [p.number for p in report.ports] == [5001]
    assert next(e for e in report.evidence if e.field == "port").rule.endswith("dev-only")


def test_connection_strings_kinds_without_values() -> None:
    settings_json = """{"ConnectionStrings": {
        "Orders": "Server=sql;Initial Catalog=orders;User Id=sa;Password=Sup3rSecret!",
        "Queue": "amqp://guest:guest@rabbit:5672"
    }}"""
    project = PLAIN.format(sdk="Microsoft.NET.Sdk.Web")
    report = analyze({"App.csproj": project, "appsettings.json": settings_json})
    assert {d.kind for d in report.dependencies} == {"mssql", "rabbitmq"}
    assert "Sup3rSecret" not in repr(report)
    assert "guest" not in repr(report)


def test_connection_kind_shapes() -> None:
    assert connection_kind("Db", "Host=db;Port=5432;Database=a", set()) == "postgres"
    assert connection_kind("Db", "Host=db;Database=a;Username=u", {"postgres"}) == "postgres"
    assert connection_kind("Db", "Server=db;Database=a;Uid=u;Pwd=p", {"mysql"}) == "mysql"
    assert connection_kind("Db", "Data Source=app.db", set()) == "sqlite"
    assert connection_kind("Cache", "redis:6379,abortConnect=false", set()) == "redis"
    assert connection_kind("Mongo", "mongodb://m:27017", set()) == "mongodb"


def test_minimal_api_routes_with_groups_and_extension_methods() -> None:
    report = analyze(web(**{"src/Web/Program.cs": PROGRAM}))
    routes = {(r.method, r.path) for r in report.routes}
    assert routes == {
        ("GET", "/"),
        ("GET", "/api/todos/{id}"),
        ("POST", "/api/todos"),
        ("DELETE", "/v2/items/{id}"),
        ("GET", "/users/{id}"),
        ("GET", "/both"),
        ("HEAD", "/both"),
    }
    assert report.app_type == "api"


def test_health_checks_and_metrics_endpoints() -> None:
    report = analyze(web(**{"src/Web/Program.cs": PROGRAM}))
    endpoints = {(e.kind, e.path) for e in report.endpoints}
    assert (EndpointKind.HEALTH, "/healthz") in endpoints
    assert (EndpointKind.READINESS, "/health/ready") in endpoints
    assert (EndpointKind.METRICS, "/metrics") in endpoints


def test_no_health_endpoint_without_map_health_checks() -> None:
    assert analyze(web()).endpoints == ()


def test_controller_routes_with_tokens_absolute_paths_and_query() -> None:
    report = analyze(web(**{"src/Web/Controllers/TodoItemsController.cs": CONTROLLER}))
    routes = {(r.method, r.path): r for r in report.routes}
    assert set(routes) == {
        ("GET", "/api/todoitems"),
        ("GET", "/api/todoitems/{id}"),
        ("PUT", "/api/todoitems/{id}"),
        ("GET", "/absolute/{x}"),
        ("POST", "/api/todoitems/archive"),
    }
    listing = routes[("GET", "/api/todoitems")]
    assert [(p.name, p.location, p.required) for p in listing.params] == [
        ("filter", "query", False),
        ("page", "query", False),
    ]
    assert listing.location is not None
    assert listing.location.line == 7


def test_hostile_and_broken_project_files_become_diagnostics() -> None:
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><Project Sdk="Microsoft.NET.Sdk.Web">&a;</Project>'
    report = analyze(
        {
            "A.csproj": bomb,
            "B.csproj": "<Project>\n<PropertyGroup>\n</Project>",
            "appsettings.json": '{\n  "a": \n}',
        }
    )
    codes = sorted(d.code for d in report.diagnostics)
    assert codes == ["dotnet.json.invalid", "dotnet.project.doctype", "dotnet.project.invalid"]
    assert report.framework is None


_NAMES = st.sampled_from(
    [
        "A.csproj",
        "Program.cs",
        "appsettings.json",
        "Properties/launchSettings.json",
        "Controllers/X.cs",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        _NAMES,
        st.text(alphabet='<>[]{}()"/:;,.=? \nabMapGetHttpRouteGroup', max_size=400),
        max_size=4,
    )
)
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    analyze(files)
