"""A service's code is what its Dockerfile copies from the build context."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.analysis.analyzing import analyze_tree
from dorgu.analysis.contexts import copied_sources, scope_code
from dorgu.analysis.dockerfile import parse_dockerfile
from dorgu.analysis.sources import SourceTree
from dorgu.errors import DorguError

GO = 'package main\nimport "net/http"\nfunc main() { http.ListenAndServe(":8080", nil) }\n'
CSPROJ = (
    '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup>'
    "<TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>"
)
PY = "from flask import Flask\napp = Flask(__name__)\n"


def _sources(text: str) -> tuple[str, ...] | None:
    found = copied_sources(parse_dockerfile(text, file="Dockerfile"))
    return None if found is None else found[0]


def test_only_stages_that_reach_the_final_stage_count():
    text = """
FROM node:20 AS deps
COPY package.json package-lock.json ./
FROM deps AS build
COPY src/ ./src/
FROM node:20 AS test
COPY tests/ ./tests/
FROM node:20-slim
COPY --from=build /app /app
COPY ["static/", "/srv/static/"]
"""
    assert _sources(text) == ("package.json", "package-lock.json", "src", "static")


def test_the_whole_context_when_copied_opaque_or_mounted():
    assert _sources("FROM x\nCOPY . /app\n") is None
    assert _sources("FROM x\nCOPY ./ ./\n") is None
    assert _sources("FROM x\nCOPY $UNSET_DIR /app\n") is None
    assert _sources("FROM x\nRUN --mount=type=bind,target=/src go build\n") is None
    assert _sources("FROM x\nRUN echo hi\n") is None  # copies nothing known


def test_urls_heredocs_other_images_and_escaping_paths_are_not_context_sources():
    text = """
FROM x
ADD https://example.com/tool.tgz /opt/
COPY --from=nginx:1.27 /etc/nginx /etc/nginx
COPY <<EOF /etc/motd
hello
EOF
COPY ../secrets /s
ARG DIR=svc
COPY ${DIR}/main.go ./
"""
    assert _sources(text) == ("svc/main.go",)


def test_a_copy_cycle_between_stages_is_bounded():
    text = "FROM x AS a\nCOPY a.txt .\nFROM a AS b\nCOPY --from=a / /\nFROM b\nCOPY --from=b / /\n"
    assert _sources(text) == ("a.txt",)


def test_sources_that_match_nothing_fall_back_to_the_context():
    tree = SourceTree(paths=("Dockerfile", "app.py"), texts={"app.py": PY})
    docker = parse_dockerfile("FROM python\nCOPY missing/ /app\n", file="Dockerfile")
    directory, sub, evidence = scope_code(tree, ".", docker, name="app")
    assert (directory, sub.paths, evidence) == (".", tree.paths, [])


def test_globs_pick_the_matching_files():
    tree = SourceTree(paths=("a/go.mod", "a/main.go", "b/go.mod", "b/main.go", "README.md"))
    docker = parse_dockerfile("FROM golang\nCOPY a/*.go a/go.mod ./\n", file="Dockerfile")
    directory, sub, evidence = scope_code(tree, ".", docker, name="a")
    assert directory == "a"
    assert sorted(sub.paths) == ["go.mod", "main.go"]
    assert evidence[0].rule == "dockerfile.copy"


COMPOSE = """
services:
  frontend:
    build: {context: ., dockerfile: src/frontend/Dockerfile}
  cart:
    build: {context: ., dockerfile: src/cart/Dockerfile}
  checkout:
    build:
      context: .
      dockerfile: src/checkout/Dockerfile
"""


def test_services_built_from_the_root_context_get_their_own_language():
    texts = {
        "compose.yaml": COMPOSE,
        "src/frontend/Dockerfile": (
            "FROM golang AS b\nCOPY src/frontend/ ./\nFROM scratch\nCOPY --from=b /out /out\n"
        ),
        "src/frontend/go.mod": "module x\n\ngo 1.22\n",
        "src/frontend/main.go": GO,
        "src/cart/Dockerfile": (
            "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY src/cart/Cart.csproj ./\nCOPY src/cart/ ./\n"
        ),
        "src/cart/Cart.csproj": CSPROJ,
        "src/cart/Program.cs": "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n",
        "src/checkout/Dockerfile": (
            "FROM python:3.12\nCOPY src/checkout/requirements.txt .\nCOPY src/checkout/app.py .\n"
        ),
        "src/checkout/requirements.txt": "flask\n",
        "src/checkout/app.py": PY,
    }
    tree = SourceTree(paths=tuple(sorted(texts)), texts=texts)
    model = analyze_tree(tree, name="shop", root="shop")
    found = {
        c.name: (c.path, c.language, c.build.context if c.build else None) for c in model.components
    }
    assert found == {
        "frontend": ("src/frontend", "go", "."),
        "cart": ("src/cart", "csharp", "."),
        "checkout": ("src/checkout", "python", "."),
    }
    paths = {e.field: e for e in model.evidence if e.rule == "dockerfile.copy"}
    assert str(paths["components.cart.path"].location) == "src/cart/Dockerfile:2"


def test_dockerignore_patterns_follow_docker_rules():
    from dorgu.analysis.dockerignore import parse_dockerignore

    excluded = parse_dockerignore(
        "# comment\n/node_modules\n**/*.md\n!README.md\nsrc/*/tests\n[\n\n"
    )
    assert excluded("node_modules/x/index.js")
    assert excluded("docs/guide.md") and excluded("a/b/c.md")
    assert not excluded("README.md")
    assert excluded("src/cart/tests/CartTests.cs")
    assert not excluded("src/cart/Program.cs")


def test_a_per_dockerfile_ignore_file_narrows_copy_everything():
    texts = {
        "compose.yaml": "services:\n  cart:\n    build: {context: ., dockerfile: cart.Dockerfile}\n",
        "cart.Dockerfile": "FROM python:3.12\nCOPY . /app\n",
        "cart.Dockerfile.dockerignore": "*\n!cart\n",
        "cart/requirements.txt": "flask\n",
        "cart/app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "shipping/go.mod": "module shipping\n",
        "shipping/main.go": "package main\nfunc main() {}\n",
    }
    model = analyze_tree(SourceTree(paths=tuple(sorted(texts)), texts=texts), name="s", root="s")
    cart = model.component("cart")
    assert (cart.path, cart.language) == ("cart", "python")
    (why,) = [e for e in model.evidence if e.rule == "dockerfile.copy"]
    assert "cart.Dockerfile.dockerignore" in (why.detail or "")


def test_a_pathological_ignore_file_is_bounded():
    from dorgu.analysis.dockerignore import MAX_PATTERNS, parse_dockerignore

    excluded = parse_dockerignore("\n".join(f"dir{i}/**/*.x" for i in range(MAX_PATTERNS * 5)))
    assert not excluded("src/main.go")


_WORDS = ["COPY ", "ADD ", "--from=b ", ". ", "./ ", "src/ ", "src/*.go ", "../x ", "$X ",
          "a b ", '["a", "b"] ', "<<EOF ", "\nFROM x AS b\n", "\nFROM b\n", "RUN --mount=type=bind ",
          "/ ", "** ", "[ ", "\\\n", "\n"]  # fmt: skip
_PATHS = ["a/go.mod", "a/main.go", "src/x.go", "b/package.json", "c/d/e.csproj", "README.md", ".dockerignore"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(st.sampled_from(_WORDS), max_size=30),
    paths=st.lists(st.sampled_from(_PATHS), unique=True, max_size=7),
    ignore=st.text(max_size=60),
)
def test_scoping_never_crashes_and_keeps_only_context_files(body, paths, ignore):
    text = "FROM x AS b\n" + "".join(body)
    try:
        docker = parse_dockerfile(text, file="Dockerfile")
    except DorguError:
        return
    tree = SourceTree(paths=tuple(sorted(paths)), texts={".dockerignore": ignore})
    directory, sub, _ = scope_code(tree, ".", docker, name="x")
    prefix = "" if directory == "." else directory + "/"
    assert all(prefix + p in tree.paths for p in sub.paths)


def test_ignore_matching_handles_very_deep_paths_and_many_files():
    from dorgu.analysis.dockerignore import parse_dockerignore

    excluded = parse_dockerignore("**/tmp\n!**/tmp/keep\n")
    deep = "/".join(["d"] * 3000)
    assert not excluded(deep + "/f.txt")
    assert excluded(deep + "/tmp/f.txt")
    assert not excluded(deep + "/tmp/keep")
    assert sum(excluded(f"a/b{i}/tmp/x") for i in range(20_000)) == 20_000
