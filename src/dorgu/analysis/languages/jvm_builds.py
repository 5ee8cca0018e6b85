"""Reading JVM build files: Maven ``pom.xml``, Gradle scripts (Groovy and Kotlin DSL), settings.

Every coordinate keeps the line it was declared on.  POMs are hostile input: a document with a
DOCTYPE or ENTITY declaration is refused before parsing, so no entity can ever expand.
Must not: open files or read the environment.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from dorgu.models.evidence import Diagnostic, Location
from dorgu.models.patterns import LazyPattern

MAVEN_FILES = frozenset({"pom.xml"})
GRADLE_FILES = frozenset({"build.gradle", "build.gradle.kts"})
SETTINGS_FILES = frozenset({"settings.gradle", "settings.gradle.kts"})


@dataclass(frozen=True)
class Coordinate:
    """``group:artifact`` (Maven, Gradle deps) or a Gradle plugin id, with its role.

    ``role`` is one of: dependency, test, compile-only, bom, plugin, parent.
    """

    key: str
    version: str | None
    role: str
    location: Location

    @property
    def artifact(self) -> str:
        return self.key.rsplit(":", 1)[-1]


@dataclass
class BuildInfo:
    tools: list[tuple[str, Location]] = field(default_factory=list)  # maven | gradle | gradle-kts
    coordinates: list[Coordinate] = field(default_factory=list)
    java_version: tuple[str, Location] | None = None
    kotlin_version: tuple[str, Location] | None = None
    modules: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return None if index < 0 else line_at(text, index)


def normalize_java_version(raw: str) -> str:
    """``1.8`` / ``VERSION_1_8`` -> ``8``; ``17`` / ``JVM_17`` -> ``17``."""
    value = raw.strip().strip("'\"").replace("_", ".")
    return value[2:] if value.startswith("1.") and value != "1." else value


# -- Maven ----------------------------------------------------------------------------------

_UNSAFE_XML = LazyPattern(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROPERTY_REF = LazyPattern(r"\$\{([^}]+)\}")
_XML_LINE = LazyPattern(r"line (\d+)")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _path(element: ET.Element, *names: str) -> list[ET.Element]:
    level = [element]
    for name in names:
        level = [c for e in level for c in e if _local(c.tag) == name]
    return level


def _text(element: ET.Element | None, name: str) -> str | None:
    child = _child(element, name) if element is not None else None
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def parse_pom(text: str, *, file: str, into: BuildInfo) -> None:
    if _UNSAFE_XML.search(text):
        into.diagnostics.append(
            Diagnostic(
                code="jvm.pom.doctype",
                message="pom.xml declares a DOCTYPE or ENTITY; refusing to parse it",
                location=Location(file=file, line=_line_of(text, "<!")),
            )
        )
        return
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        match = _XML_LINE.search(str(e))
        into.diagnostics.append(
            Diagnostic(
                code="jvm.pom.invalid",
                message=f"invalid XML in pom.xml: {e}",
                location=Location(file=file, line=int(match.group(1)) if match else None),
            )
        )
        return
    into.tools.append(("maven", Location(file=file, line=1)))
    props = {_local(p.tag): (p.text or "").strip() for ps in _path(root, "properties") for p in ps}

    def resolve(value: str | None) -> str | None:
        if value is None:
            return None
        for _ in range(5):
            new = _PROPERTY_REF.sub(lambda m: props.get(m.group(1), m.group(0)), value)
            if new == value:
                break
            value = new
        return None if "${" in value else value

    def add(element: ET.Element, role: str) -> None:
        group, artifact = _text(element, "groupId"), _text(element, "artifactId")
        if artifact is None:
            return
        if group is None and role == "plugin":
            group = "org.apache.maven.plugins"
        scope = _text(element, "scope")
        if scope == "test":
            role = "test"
        elif scope == "import" and role == "managed":
            role = "bom"
        elif role == "dependency" and scope == "provided":
            role = "compile-only"
        line = _line_of(text, f"<artifactId>{artifact}</artifactId>")
        into.coordinates.append(
            Coordinate(
                key=f"{group or ''}:{artifact}",
                version=resolve(_text(element, "version")),
                role=role,
                location=Location(file=file, line=line),
            )
        )

    parent = _child(root, "parent")
    if parent is not None:
        add(parent, "parent")
    scopes = [root, *_path(root, "profiles", "profile")]
    for scope in scopes:
        for dep in _path(scope, "dependencies", "dependency"):
            add(dep, "dependency")
        for dep in _path(scope, "dependencyManagement", "dependencies", "dependency"):
            add(dep, "managed")
        for plugin in _path(scope, "build", "plugins", "plugin"):
            add(plugin, "plugin")
        for plugin in _path(scope, "build", "pluginManagement", "plugins", "plugin"):
            add(plugin, "plugin")
    into.modules.extend(m.text.strip() for m in _path(root, "modules", "module") if m.text)

    candidates = [
        (name, props.get(name))
        for name in (
            "java.version",
            "maven.compiler.release",
            "maven.compiler.target",
            "maven.compiler.source",
        )
    ]
    for plugin in _path(root, "build", "plugins", "plugin"):
        if _text(plugin, "artifactId") == "maven-compiler-plugin":
            config = _child(plugin, "configuration")
            candidates += [(n, _text(config, n)) for n in ("release", "target", "source")]
    for name, raw in candidates:
        value = resolve(raw)
        if value and into.java_version is None:
            line = _line_of(text, f"<{name}>")
            into.java_version = (normalize_java_version(value), Location(file=file, line=line))
    kotlin = resolve(props.get("kotlin.version"))
    if kotlin and into.kotlin_version is None:
        line = _line_of(text, "<kotlin.version>")
        into.kotlin_version = (kotlin, Location(file=file, line=line))


# -- Gradle ---------------------------------------------------------------------------------

_Q = r"""["']"""
_GRADLE_PLUGIN = LazyPattern(
    rf"""\bid\s*\(?\s*{_Q}([\w.\-]+){_Q}\s*\)?(?:\s*version\s*\(?\s*{_Q}([^"'\n]+){_Q})?"""
)
_GRADLE_APPLY = LazyPattern(rf"""\bapply\s*\(?\s*plugin\s*[:=]\s*{_Q}([\w.\-]+){_Q}""")
_KOTLIN_PLUGIN = LazyPattern(
    rf"""\bkotlin\s*\(\s*{_Q}([\w.\-]+){_Q}\s*\)(?:\s*version\s*\(?\s*{_Q}([^"'\n]+){_Q})?"""
)
_GRADLE_DEP = LazyPattern(
    r"""\b([A-Za-z]\w*)\s*\(?\s*(platform\s*\(\s*|enforcedPlatform\s*\(\s*)?"""
    r"""["']([\w.\-]+):([\w.\-]+)(?::([^"'\s:@]+))?[^"'\n]*["']"""
)
_GRADLE_MAP_DEP = LazyPattern(
    r"""\b([A-Za-z]\w*)\s*\(?\s*group\s*[:=]\s*["']([\w.\-]+)["']\s*,\s*name\s*[:=]\s*"""
    r"""["']([\w.\-]+)["'](?:\s*,\s*version\s*[:=]\s*["']([^"'\n]+)["'])?"""
)
_RUNTIME_CONFIGS = frozenset({"implementation", "api", "runtimeOnly", "compile", "runtime"})
_COMPILE_CONFIGS = frozenset(
    {"compileOnly", "annotationProcessor", "kapt", "ksp", "compileOnlyApi"}
)
_JAVA_VERSION_RULES = (
    LazyPattern(r"JavaLanguageVersion\.of\(\s*[\"']?(\d+)"),
    LazyPattern(r"\bjvmToolchain\s*\(\s*(\d+)"),
    LazyPattern(
        r"\b(?:source|target)Compatibility\s*=?\s*(?:JavaVersion\.)?[\"']?(?:VERSION_)?([\d_.]+)"
    ),
    LazyPattern(r"\bjvmTarget(?:\.set\()?\s*=?\s*(?:JvmTarget\.JVM_)?[\"']?([\d_.]+)"),
)
_SETTINGS_INCLUDE = LazyPattern(r"\binclude\s*\(?([^\n]*)")
_SETTINGS_NAME = LazyPattern(r"""["']:?([\w.\-:/]+)["']""")


def _gradle_role(config: str, platform: bool) -> str | None:
    if config == "classpath":
        return "plugin"
    if "test" in config.lower():
        return "test"
    if platform:
        return "bom"
    if config in _RUNTIME_CONFIGS:
        return "dependency"
    if config in _COMPILE_CONFIGS or config == "developmentOnly":
        return "compile-only"
    return None


def parse_gradle(text: str, *, file: str, into: BuildInfo) -> None:
    tool = "gradle-kts" if file.endswith(".kts") else "gradle"
    into.tools.append((tool, Location(file=file, line=1)))

    def loc(offset: int) -> Location:
        return Location(file=file, line=line_at(text, offset))

    for m in _GRADLE_PLUGIN.finditer(text):
        into.coordinates.append(Coordinate(m.group(1), m.group(2), "plugin", loc(m.start())))
    for m in _GRADLE_APPLY.finditer(text):
        into.coordinates.append(Coordinate(m.group(1), None, "plugin", loc(m.start())))
    for m in _KOTLIN_PLUGIN.finditer(text):
        key = f"org.jetbrains.kotlin.{m.group(1)}"
        into.coordinates.append(Coordinate(key, m.group(2), "plugin", loc(m.start())))
        if m.group(1) == "jvm" and m.group(2) and into.kotlin_version is None:
            into.kotlin_version = (m.group(2), loc(m.start()))
    for m in _GRADLE_DEP.finditer(text):
        role = _gradle_role(m.group(1), bool(m.group(2)))
        if role is not None:
            key = f"{m.group(3)}:{m.group(4)}"
            into.coordinates.append(Coordinate(key, m.group(5), role, loc(m.start())))
    for m in _GRADLE_MAP_DEP.finditer(text):
        role = _gradle_role(m.group(1), False)
        if role is not None:
            key = f"{m.group(2)}:{m.group(3)}"
            into.coordinates.append(Coordinate(key, m.group(4), role, loc(m.start())))
    if into.java_version is None:
        for rule in _JAVA_VERSION_RULES:
            match = rule.search(text)
            if match:
                into.java_version = (normalize_java_version(match.group(1)), loc(match.start()))
                break


def parse_settings(text: str, *, into: BuildInfo) -> None:
    for m in _SETTINGS_INCLUDE.finditer(text):
        for name in _SETTINGS_NAME.findall(m.group(1)):
            into.modules.append(name.replace(":", "/").strip("/"))


def read_builds(texts: list[tuple[str, str]]) -> BuildInfo:
    """Parse every build file given as (path, text); shallow files first."""
    info = BuildInfo()
    for path, text in sorted(texts, key=lambda item: (item[0].count("/"), item[0])):
        base = posixpath.basename(path)
        if base in MAVEN_FILES:
            parse_pom(text, file=path, into=info)
        elif base in GRADLE_FILES:
            parse_gradle(text, file=path, into=info)
        elif base in SETTINGS_FILES:
            parse_settings(text, into=info)
    return info
