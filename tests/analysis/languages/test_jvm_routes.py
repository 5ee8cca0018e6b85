"""Routes from Spring, JAX-RS and Micronaut annotations in Java and Kotlin."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.jvm import ANALYZER
from dorgu.analysis.languages.jvm_routes import extract_jvm_routes
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Route

JAVA = """package shop;

import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/orders")
public class OrderController {
    private static final String BY_ID = "/{id}";

    // @GetMapping("/commented-out")
    @GetMapping(BY_ID)
    public Order get(@PathVariable Long id, @RequestParam(required = false) String expand) {
        return null;
    }

    @PostMapping
    public Order create(@RequestBody Order order) { return order; }

    @RequestMapping(value = {"/a", "/b"}, method = {RequestMethod.PUT, RequestMethod.PATCH})
    public void both() {}

    @GetMapping(path = "/search")
    public List<Order> search(@RequestParam("q") String query,
                              @RequestParam(defaultValue = "1") int page) {
        return List.of();
    }
}
"""
KOTLIN = """@RestController
@RequestMapping("/api/v2")
class UserController(private val users: UserService) {
    @GetMapping("/users/{id:[0-9]+}")
    fun get(@PathVariable id: Long, @RequestParam q: String?, @RequestParam("page") p: Int): User =
        users.get(id)

    @DeleteMapping(value = ["/users/{id}"])
    fun delete(@PathVariable id: Long) {}
}
"""


def by_key(routes: list[Route]) -> dict[tuple[str, str], Route]:
    return {(r.method, r.path): r for r in routes}


def test_spring_java_routes_with_class_prefix_constants_and_params() -> None:
    routes = by_key(extract_jvm_routes(JAVA, file="OrderController.java"))
    assert set(routes) == {
        ("GET", "/api/orders/{id}"),
        ("POST", "/api/orders"),
        ("PUT", "/api/orders/a"),
        ("PUT", "/api/orders/b"),
        ("PATCH", "/api/orders/a"),
        ("PATCH", "/api/orders/b"),
        ("GET", "/api/orders/search"),
    }
    get = routes[("GET", "/api/orders/{id}")]
    assert [(p.name, p.location, p.required) for p in get.params] == [
        ("id", "path", True),
        ("expand", "query", False),
    ]
    assert get.location is not None
    assert get.location.line == 11
    search = routes[("GET", "/api/orders/search")]
    assert [(p.name, p.required) for p in search.params] == [("q", True), ("page", False)]


def test_spring_kotlin_routes_with_regex_params_and_nullable_query() -> None:
    routes = by_key(extract_jvm_routes(KOTLIN, file="UserController.kt"))
    assert set(routes) == {("GET", "/api/v2/users/{id}"), ("DELETE", "/api/v2/users/{id}")}
    params = routes[("GET", "/api/v2/users/{id}")].params
    assert [(p.name, p.location, p.required) for p in params] == [
        ("id", "path", True),
        ("q", "query", False),
        ("page", "query", True),
    ]


def test_feign_clients_are_not_routes() -> None:
    client = """@FeignClient(name = "billing")
public interface BillingClient {
    @GetMapping("/invoices/{id}")
    Invoice invoice(@PathVariable String id);
}
"""
    assert extract_jvm_routes(client, file="BillingClient.java") == []


def test_unresolvable_path_is_skipped_not_guessed() -> None:
    code = """@RestController
class A {
    @GetMapping(Paths.ELSEWHERE)
    public String a() { return ""; }
}
"""
    assert extract_jvm_routes(code, file="A.java") == []


def test_jaxrs_routes_with_application_path_and_quarkus_root() -> None:
    resource = """@Path("/hello")
public class GreetingResource {
    @GET
    @Path("/{name}")
    public String hello(@PathParam("name") String name, @QueryParam("lang") String lang) {
        return name;
    }

    @POST
    public void create() {}
}
"""
    app = '@ApplicationPath("/rest")\npublic class App extends Application {}\n'
    pom = (
        "<project><dependencies><dependency><groupId>io.quarkus</groupId>"
        "<artifactId>quarkus-rest</artifactId></dependency></dependencies></project>"
    )
    files = {
        "pom.xml": pom,
        "src/main/java/GreetingResource.java": resource,
        "src/main/java/App.java": app,
        "src/main/resources/application.properties": "quarkus.http.root-path=/svc\n",
    }
    report = ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))
    routes = by_key(list(report.routes))
    assert set(routes) == {("GET", "/svc/rest/hello/{name}"), ("POST", "/svc/rest/hello")}
    params = routes[("GET", "/svc/rest/hello/{name}")].params
    assert [(p.name, p.location) for p in params] == [("name", "path"), ("lang", "query")]


def test_micronaut_controller_routes() -> None:
    code = """import io.micronaut.http.annotation.*;

@Controller("/books")
public class BookController {
    @Get("/{id}")
    public Book show(Long id) { return null; }

    @Post(uri = "/")
    public Book save(@Body Book b) { return b; }

    @Get("/list{?max}")
    public List<Book> list(@QueryValue @Nullable Integer max) { return null; }
}
"""
    routes = by_key(extract_jvm_routes(code, file="BookController.java"))
    assert set(routes) == {("GET", "/books/{id}"), ("POST", "/books"), ("GET", "/books/list")}
    assert [(p.name, p.required) for p in routes[("GET", "/books/list")].params] == [("max", False)]


def test_spring_context_path_prefixes_routes() -> None:
    pom = (
        "<project><parent><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>"
        "</project>"
    )
    files = {
        "pom.xml": pom,
        "src/main/java/shop/OrderController.java": JAVA,
        "src/main/resources/application.yml": "server:\n  servlet:\n    context-path: /shop\n",
        "src/test/java/shop/FakeController.java": JAVA.replace("/api/orders", "/fake"),
    }
    report = ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))
    paths = {r.path for r in report.routes}
    assert "/shop/api/orders/{id}" in paths
    assert not any("fake" in p for p in paths)
    assert report.app_type == "api"


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet='@()[]{}"/*,=:;. \nabcGetMappingRequestPathController', max_size=500))
def test_route_extraction_never_raises(text: str) -> None:
    extract_jvm_routes(text, file="X.java")
