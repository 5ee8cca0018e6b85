"""Images built by build plugins, linked to the module that builds them."""

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.producing import match_produced, produced_images, repository_of
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import ComponentKind


def _tree(files: dict[str, str]) -> SourceTree:
    return SourceTree(paths=tuple(sorted(files)), texts=files)


POM = """<project>
  <artifactId>orders</artifactId><version>2.0</version>
  <properties><registry>ghcr.io/acme</registry></properties>
  <build><plugins><plugin>
    <artifactId>jib-maven-plugin</artifactId>
    <configuration><to><image>${registry}/${project.artifactId}:${project.version}</image></to></configuration>
  </plugin></plugins></build>
</project>"""


def test_repository_names_drop_registry_tag_and_library():
    assert repository_of("ghcr.io/acme/orders:1.2") == "acme/orders"
    assert repository_of("docker.io/library/orders@sha256:ab") == "orders"
    assert repository_of("localhost:5000/orders") == "orders"


def test_maven_jib_spring_boot_and_prefix_conventions():
    spring = (
        "<project><artifactId>billing</artifactId><build><plugins><plugin>"
        "<artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build></project>"
    )
    prefix = (
        "<project><artifactId>mail</artifactId><properties>"
        "<docker.image.prefix>acme</docker.image.prefix></properties></project>"
    )
    tree = _tree({"orders/pom.xml": POM, "billing/pom.xml": spring, "mail/pom.xml": prefix})
    found = {p.repository: (p.directory, p.plugin) for p in produced_images(tree)}
    assert found["acme/orders"] == ("orders", "jib-maven-plugin")
    assert found["billing"] == ("billing", "spring-boot-maven-plugin")
    assert found["acme/mail"] == ("mail", "docker.image.prefix")


def test_gradle_jib_and_boot_build_image():
    jib = 'plugins { id "com.google.cloud.tools.jib" }\njib {\n  to {\n    image = "acme/catalog"\n  }\n}\n'
    boot = 'plugins { id("org.springframework.boot") }\ntasks.bootBuildImage { }\n'
    named = 'tasks.named("bootBuildImage") { imageName.set("acme/${project.name}") }\n'
    tree = _tree(
        {"catalog/build.gradle": jib, "cart/build.gradle.kts": boot, "pay/build.gradle": named}
    )
    found = {p.repository: p.directory for p in produced_images(tree)}
    assert found == {"acme/catalog": "catalog", "cart": "cart", "acme/pay": "pay"}


def test_hostile_poms_are_refused_without_expanding_entities():
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><project><artifactId>&a;</artifactId></project>'
    assert produced_images(_tree({"pom.xml": bomb, "x/pom.xml": "<project><unclosed>"})) == []


def test_ko_import_paths_resolve_to_the_go_package():
    tree = _tree(
        {"go.mod": "module github.com/acme/shop\n\ngo 1.22\n", "cmd/api/main.go": "package main\n"}
    )
    found = match_produced("ko://github.com/acme/shop/cmd/api", [], tree)
    assert found is not None and found.directory == "cmd/api"


def test_compose_service_running_a_jib_image_is_analysed_as_its_module():
    files = {
        "compose.yaml": "services:\n  orders:\n    image: ghcr.io/acme/orders:2.0\n  other:\n    image: acme/unknown:1\n",
        "orders/pom.xml": POM.replace(
            "<build>",
            "<dependencies><dependency><groupId>org.springframework.boot</groupId>"
            "<artifactId>spring-boot-starter-web</artifactId></dependency></dependencies><build>",
        ),
        "orders/src/main/java/A.java": '@RestController class A { @GetMapping("/x") String x() { return ""; } }\n',
    }
    model = analyze_tree(_tree(files), name="app", root="app")
    orders = model.component("orders")
    assert orders.kind is ComponentKind.APP and orders.path == "orders"
    assert orders.language == "java"
    assert orders.image == "ghcr.io/acme/orders:2.0"
    link = next(e for e in model.evidence if e.rule == "build.plugin-image")
    assert link.location is not None and link.location.file == "orders/pom.xml"
    assert model.component("other").kind is ComponentKind.IMAGE


def test_buildpacks_projects_match_on_the_directory_name_only_when_unambiguous():
    tree = _tree(
        {"svc/orders/project.toml": "[_]\nschema-version = '0.2'\n", "svc/orders/main.go": ""}
    )
    produced = produced_images(tree)
    found = match_produced("registry.acme.io/team/orders:3", produced, tree)
    assert found is not None and found.directory == "svc/orders" and found.confidence < 0.9
    two = _tree({"a/orders/project.toml": "", "b/orders/project.toml": ""})
    assert match_produced("orders", produced_images(two), two) is None


def test_gradle_jib_short_form():
    tree = _tree({"api/build.gradle.kts": 'jib {\n  to.image = "acme/api"\n}\n'})
    assert [p.repository for p in produced_images(tree)] == ["acme/api"]
