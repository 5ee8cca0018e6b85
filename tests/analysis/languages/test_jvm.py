"""The Java/Kotlin analyser: builds, frameworks, ports, actuator endpoints, dependencies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.languages.base import LanguageReport
from dorgu.analysis.languages.jvm import ANALYZER
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import DependencyType, EndpointKind

SPRING_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.1</version>
  </parent>
  <properties>
    <java.version>21</java.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    {extra}
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.testcontainers</groupId>
      <artifactId>kafka</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
"""
ACTUATOR = """<dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-actuator</artifactId>
    </dependency>
    <dependency>
      <groupId>io.micrometer</groupId>
      <artifactId>micrometer-registry-prometheus</artifactId>
    </dependency>"""
PROPS = "src/main/resources/application.properties"


def analyze(files: dict[str, str]) -> LanguageReport:
    return ANALYZER.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))


def endpoint_paths(report: LanguageReport) -> dict[EndpointKind, str]:
    return {e.kind: e.path for e in report.endpoints}


def test_wants_build_config_and_sources_only() -> None:
    for path in (
        "pom.xml",
        "app/build.gradle.kts",
        "settings.gradle",
        "src/A.java",
        "B.kt",
        "src/main/resources/application-prod.yml",
        "application.properties",
    ):
        assert ANALYZER.wants(path), path
    for path in ("package.json", "src/a.py", "config.yml", "README.md"):
        assert not ANALYZER.wants(path), path


def test_spring_boot_maven_framework_version_and_build_tool() -> None:
    report = analyze({"pom.xml": SPRING_POM.format(extra="")})
    assert ANALYZER.detect(SourceTree(paths=("pom.xml",)))
    assert report.framework == "spring-boot"
    assert report.language == "java"
    assert report.language_version == "21"
    assert report.build_tool == "maven"
    framework = next(e for e in report.evidence if e.field == "framework")
    assert framework.location is not None
    assert framework.location.line == 5


def test_spring_default_port_when_web_starter_and_lower_confidence() -> None:
    report = analyze({"pom.xml": SPRING_POM.format(extra="")})
    assert [p.number for p in report.ports] == [8080]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.rule == "jvm.spring.default-port"
    assert port.confidence < 0.9


def test_server_port_placeholder_default_and_env_name() -> None:
    report = analyze({"pom.xml": SPRING_POM.format(extra=""), PROPS: "server.port=${PORT:8081}\n"})
    assert [p.number for p in report.ports] == [8081]
    assert [e.name for e in report.env] == ["PORT"]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.location is not None
    assert port.location.file == PROPS
    assert port.location.line == 1


def test_no_actuator_means_no_health_endpoints() -> None:
    report = analyze({"pom.xml": SPRING_POM.format(extra="")})
    assert report.endpoints == ()


def test_actuator_health_probe_groups_and_prometheus_when_exposed() -> None:
    props = "management.endpoints.web.exposure.include=health,prometheus\n"
    report = analyze({"pom.xml": SPRING_POM.format(extra=ACTUATOR), PROPS: props})
    paths = endpoint_paths(report)
    assert paths[EndpointKind.HEALTH] == "/actuator/health"
    assert paths[EndpointKind.LIVENESS] == "/actuator/health/liveness"
    assert paths[EndpointKind.READINESS] == "/actuator/health/readiness"
    assert paths[EndpointKind.METRICS] == "/actuator/prometheus"
    probe = next(e for e in report.evidence if e.field == "endpoints.liveness")
    assert probe.rule == "jvm.spring.actuator.probes-on-kubernetes"
    assert probe.confidence < 0.8


def test_prometheus_not_reported_unless_exposed() -> None:
    report = analyze({"pom.xml": SPRING_POM.format(extra=ACTUATOR)})
    assert EndpointKind.METRICS not in endpoint_paths(report)
    assert EndpointKind.HEALTH in endpoint_paths(report)


def test_explicit_probes_custom_base_path_and_management_port() -> None:
    props = (
        "server.port=8080\n"
        "management.server.port=9090\n"
        "management.endpoints.web.base-path=/manage\n"
        "management.endpoint.health.probes.enabled=true\n"
    )
    report = analyze({"pom.xml": SPRING_POM.format(extra=ACTUATOR), PROPS: props})
    assert {(p.number, p.purpose) for p in report.ports} == {(8080, "http"), (9090, "management")}
    liveness = next(e for e in report.endpoints if e.kind is EndpointKind.LIVENESS)
    assert liveness.path == "/manage/health/liveness"
    assert liveness.port == 9090
    evidence = next(e for e in report.evidence if e.field == "endpoints.liveness")
    assert evidence.rule == "jvm.spring.actuator.probes"
    assert evidence.location is not None
    assert evidence.location.line == 4


def test_probes_disabled_and_health_not_exposed() -> None:
    props = "management.endpoint.health.probes.enabled=false\n"
    report = analyze({"pom.xml": SPRING_POM.format(extra=ACTUATOR), PROPS: props})
    assert set(endpoint_paths(report)) == {EndpointKind.HEALTH}
    hidden = "management.endpoints.web.exposure.include=info\n"
    report = analyze({"pom.xml": SPRING_POM.format(extra=ACTUATOR), PROPS: hidden})
    assert report.endpoints == ()


def test_yaml_profiles_prefer_default_then_prod() -> None:
    yml = (
        "spring:\n  application:\n    name: shop\n"
        "---\n"
        "spring:\n  config:\n    activate:\n      on-profile: dev\n"
        "server:\n  port: 9001\n"
    )
    prod = "server:\n  port: 7070\n"
    files = {
        "pom.xml": SPRING_POM.format(extra=""),
        "src/main/resources/application.yml": yml,
        "src/main/resources/application-prod.yml": prod,
    }
    report = analyze(files)
    assert [p.number for p in report.ports] == [7070]
    port = next(e for e in report.evidence if e.field == "port")
    assert port.location is not None
    assert port.location.line == 2


def test_test_resources_are_ignored() -> None:
    files = {
        "pom.xml": SPRING_POM.format(extra=""),
        "src/test/resources/application.properties": "server.port=1234\n",
    }
    assert [p.number for p in analyze(files).ports] == [8080]


def test_dependencies_from_drivers_and_config_never_store_urls() -> None:
    props = (
        "spring.datasource.url=jdbc:postgresql://db:5432/shop?password=hunter2\n"
        "spring.data.redis.host=cache\n"
        "spring.kafka.bootstrap-servers=kafka:9092\n"
        "spring.rabbitmq.host=mq\n"
    )
    report = analyze({"pom.xml": SPRING_POM.format(extra=""), PROPS: props})
    kinds = {d.kind: d.type for d in report.dependencies}
    assert kinds == {
        "postgres": DependencyType.DATABASE,
        "redis": DependencyType.CACHE,
        "kafka": DependencyType.QUEUE,
        "rabbitmq": DependencyType.QUEUE,
    }
    assert "hunter2" not in repr(report)
    postgres = [e for e in report.evidence if e.field == "dependencies.postgres"]
    assert {e.rule for e in postgres} == {"jvm.dependency.artifact", "jvm.config.url"}


GRADLE_KTS = """plugins {
    id("org.springframework.boot") version "3.3.0"
    id("io.spring.dependency-management") version "1.1.5"
    kotlin("jvm") version "1.9.24"
    kotlin("plugin.spring") version "1.9.24"
}
java {
    toolchain {
        languageVersion = JavaLanguageVersion.of(17)
    }
}
dependencies {
    implementation("org.springframework.boot:spring-boot-starter-webflux")
    implementation("org.springframework.boot:spring-boot-starter-data-redis-reactive")
    runtimeOnly("org.mariadb.jdbc:mariadb-java-client")
    testImplementation("org.postgresql:postgresql:42.7.1")
}
"""


def test_gradle_kotlin_dsl_with_kotlin_sources() -> None:
    files = {
        "build.gradle.kts": GRADLE_KTS,
        "settings.gradle.kts": 'rootProject.name = "shop"\ninclude("api", "worker")\n',
        "src/main/kotlin/App.kt": "fun main() {}\n",
    }
    report = analyze(files)
    assert report.framework == "spring-boot"
    assert report.language == "kotlin"
    assert report.language_version == "17"
    assert report.build_tool == "gradle"
    assert report.extras["gradle_dsl"] == "kotlin"
    assert report.extras["kotlin_version"] == "1.9.24"
    assert report.extras["modules"] == "api,worker"
    assert {d.kind for d in report.dependencies} == {"redis", "mariadb"}
    assert [p.number for p in report.ports] == [8080]


def test_gradle_groovy_versions() -> None:
    for line, expected in (
        ("sourceCompatibility = JavaVersion.VERSION_1_8", "8"),
        ("sourceCompatibility = '11'", "11"),
        ("kotlin { jvmToolchain(21) }", "21"),
    ):
        build = f"apply plugin: 'java'\n{line}\n"
        assert analyze({"build.gradle": build}).language_version == expected, line


QUARKUS_POM = """<project>
  <dependencyManagement><dependencies><dependency>
    <groupId>io.quarkus.platform</groupId><artifactId>quarkus-bom</artifactId>
    <version>3.6.0</version><type>pom</type><scope>import</scope>
  </dependency></dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-rest</artifactId></dependency>
    <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-smallrye-health</artifactId></dependency>
    <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-micrometer-registry-prometheus</artifactId></dependency>
    <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-jdbc-postgresql</artifactId></dependency>
  </dependencies>
  <properties><maven.compiler.release>17</maven.compiler.release></properties>
</project>
"""


def test_quarkus_default_port_health_and_metrics() -> None:
    report = analyze({"pom.xml": QUARKUS_POM})
    assert report.framework == "quarkus"
    assert report.language_version == "17"
    assert [p.number for p in report.ports] == [8080]
    paths = endpoint_paths(report)
    assert paths[EndpointKind.LIVENESS] == "/q/health/live"
    assert paths[EndpointKind.READINESS] == "/q/health/ready"
    assert paths[EndpointKind.METRICS] == "/q/metrics"
    assert [d.kind for d in report.dependencies] == ["postgres"]


def test_quarkus_port_and_profile_prefix() -> None:
    props = (
        "%dev.quarkus.http.port=9999\nquarkus.http.port=8181\nquarkus.datasource.db-kind=mysql\n"
    )
    report = analyze({"pom.xml": QUARKUS_POM, PROPS: props})
    assert [p.number for p in report.ports] == [8181]
    assert {d.kind for d in report.dependencies} == {"postgres", "mysql"}


def test_micronaut_port_and_management() -> None:
    build = """plugins { id("io.micronaut.application") version "4.2.1" }
dependencies {
    implementation("io.micronaut:micronaut-http-server-netty")
    implementation("io.micronaut:micronaut-management")
}
"""
    yml = "micronaut:\n  server:\n    port: 8085\n"
    report = analyze({"build.gradle.kts": build, "src/main/resources/application.yml": yml})
    assert report.framework == "micronaut"
    assert [p.number for p in report.ports] == [8085]
    assert endpoint_paths(report)[EndpointKind.HEALTH] == "/health"


def test_pom_with_doctype_is_refused_without_expansion() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<project>&lol2;</project>'
    )
    report = analyze({"pom.xml": bomb})
    assert report.framework is None
    assert [d.code for d in report.diagnostics] == ["jvm.pom.doctype"]


def test_broken_pom_and_yaml_become_diagnostics_with_lines() -> None:
    report = analyze(
        {
            "pom.xml": "<project>\n  <dependencies>\n</project>\n",
            "src/main/resources/application.yml": "server:\n  port: [\n",
        }
    )
    codes = {d.code: d.location for d in report.diagnostics}
    assert codes["jvm.pom.invalid"] is not None
    assert codes["jvm.pom.invalid"].line == 3
    assert codes["jvm.config.invalid"] is not None
    assert codes["jvm.config.invalid"].file == "src/main/resources/application.yml"


_NAMES = st.sampled_from(
    [
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "src/main/resources/application.yml",
        PROPS,
        "src/main/java/A.java",
        "src/main/kotlin/B.kt",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_NAMES, st.text(max_size=400), max_size=4))
def test_analyze_never_raises_on_arbitrary_text(files: dict[str, str]) -> None:
    report = analyze(files)
    assert report.language in ("java", "kotlin")


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="<>/!=\"'{}[]()@:;, \n\tabcdGetMapping$", max_size=600))
def test_analyze_never_raises_on_markup_soup(text: str) -> None:
    analyze({"pom.xml": text, "src/main/java/A.java": text, PROPS: text})
