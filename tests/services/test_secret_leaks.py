"""No secret value reaches any output: every example and every compose project of the leak
corpus (``leaks/corpus/``: realistic projects with passwords in healthchecks, commands,
entrypoints, labels, URLs, other variables and mounted files, and hostile values) goes through
``dorgu generate`` (every file it writes, CI included, plus its warnings and diagnostics),
``dorgu analyze`` (text and ``--json``), the LLM prompt built from the analysis, and the logs at
DEBUG level; none of them may contain a secret value.

The secret values are an oracle independent of dorgu's own detection: each corpus project lists
them in ``secrets.txt``; for the examples they are the values of ``.env`` / env-file variables
whose names say password, secret, token or key (at least 6 characters: shorter ones cannot be
told from ordinary words, see ``dorgu.analysis.scrubbing``).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
import yaml

from dorgu.llm.enhancing import build_enhancement_prompt
from dorgu.services.analyzing import analyze_path
from dorgu.services.enhancing import read_documents
from dorgu.services.generating import GenerateRequest, diagnostic_line, generate
from tests.cli.running import dorgu

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "leaks" / "corpus"
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
PROJECTS = EXAMPLES + sorted(p for p in CORPUS.iterdir() if p.is_dir())
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY", re.IGNORECASE)
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _oracle(project: Path) -> set[str]:
    listed = project / "secrets.txt"
    if listed.is_file():
        return {line for line in listed.read_text().splitlines() if line}
    values: set[str] = set()
    for env_file in project.rglob("*.env*"):
        if not env_file.is_file() or "k8s" in env_file.parts:
            continue
        for line in env_file.read_text(errors="replace").splitlines():
            match = _ASSIGNMENT.match(line)
            if match and _SECRET_NAME.search(match.group(1)):
                value = match.group(2).strip("'\"")
                if len(value) >= 6:
                    values.add(value)
    return values


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _outputs(project: Path, tmp_path: Path) -> dict[str, str]:
    app = tmp_path / project.name
    shutil.copytree(project, app, ignore=shutil.ignore_patterns("secrets.txt", "k8s"))
    outputs: dict[str, str] = {}
    outcome = generate(GenerateRequest(path=app, dry_run=True), environ={}, repository_root=app)
    for file in outcome.files:
        outputs[f"generate:{file.path}"] = file.text
    outputs["generate:stream"] = outcome.stream
    outputs["generate:warnings"] = "\n".join(outcome.warnings)
    outputs["generate:diagnostics"] = "\n".join(
        diagnostic_line(d, root=str(app)) for d in outcome.diagnostics
    )
    model = analyze_path(app, environment={})
    prompt = build_enhancement_prompt(model, documents=read_documents(app))
    outputs["llm:prompt"] = f"{prompt.system}\n{prompt.user}"
    for args in (("analyze", str(app)), ("analyze", "--json", str(app))):
        result = dorgu(*args)
        assert result.exit_code == 0, result.output
        outputs[" ".join(args[:-1])] = result.output
    return outputs


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_no_secret_value_reaches_any_output(
    project: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DB_PASSWORD", "ADMIN_PASSWORD", "PAYMENT_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    secrets = _oracle(project)
    caplog.set_level(logging.DEBUG)

    outputs = _outputs(project, tmp_path)
    outputs["logs"] = "\n".join(record.getMessage() for record in caplog.records)

    leaks = [
        (where, secret) for where, text in outputs.items() for secret in secrets if secret in text
    ]
    assert leaks == [], [(where, f"{len(secret)}-character secret") for where, secret in leaks]


def test_the_corpus_states_its_secrets() -> None:
    for project in CORPUS.iterdir():
        assert (project / "secrets.txt").is_file(), project.name
        assert len(_oracle(project)) >= 1


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_references_to_secrets_are_backed_by_the_secret(project: Path, tmp_path: Path) -> None:
    """Every ``$(VAR)`` / ``${VAR}`` a generated container or probe uses is a variable the
    container gets (so the rewritten commands still work)."""
    app = tmp_path / project.name
    shutil.copytree(project, app, ignore=shutil.ignore_patterns("secrets.txt", "k8s"))
    outcome = generate(GenerateRequest(path=app, dry_run=True), environ={}, repository_root=app)
    for file in outcome.files:
        if not file.path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(file.text):
            if not isinstance(doc, dict) or doc.get("kind") not in WORKLOADS:
                continue
            spec = doc["spec"].get("jobTemplate", {}).get("spec", doc["spec"])
            for container in spec["template"]["spec"]["containers"]:
                env = {e["name"] for e in container.get("env", [])}
                words = [*container.get("command", []), *container.get("args", [])]
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    words += container.get(probe, {}).get("exec", {}).get("command", [])
                for word in words:
                    for name in re.findall(r"\$\(([A-Za-z_]\w*)\)|\$\{([A-Za-z_]\w*)\}", word):
                        used = name[0] or name[1]
                        if re.search(r"PASS|SECRET|TOKEN|KEY", used):
                            assert used in env, (file.path, container["name"], used)
