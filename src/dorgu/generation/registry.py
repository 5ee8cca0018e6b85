"""The generators, listed explicitly in the order they run (no discovery).

A component generator takes one ``ComponentPlan`` (and the ``AppPlan`` for cross-component
facts); an app generator takes the ``AppPlan``.  Both return resources and diagnostics.
Document generators make the files that are not applied manifests (persona, PERSONA.md,
exports, the Argo CD Application, CI files); ``CI_PROVIDERS`` renders one CI file each.

Must not hold state or read settings: it is a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from dorgu.generation.accounts import build_service_account
from dorgu.generation.anomaly_rules import build_anomaly_rule_documents
from dorgu.generation.ci import CiRenderer, build_ci_files
from dorgu.generation.ci_github import render_github_workflow
from dorgu.generation.ci_gitlab import render_gitlab_ci
from dorgu.generation.configuration import build_configuration
from dorgu.generation.gitops import build_argocd_application
from dorgu.generation.inputs import CiProvider
from dorgu.generation.manifests import GeneratedDocument, GeneratedResource
from dorgu.generation.networking import build_routes, build_services
from dorgu.generation.networkpolicies import build_network_policy
from dorgu.generation.observability import build_observability_documents
from dorgu.generation.persona_files import build_persona_documents
from dorgu.generation.planning import AppPlan, ComponentPlan
from dorgu.generation.scaling import build_autoscaler, build_disruption_budget
from dorgu.generation.workloads import build_workload
from dorgu.models.evidence import Diagnostic

Generated = tuple[list[GeneratedResource], list[Diagnostic]]
ComponentBuild = Callable[[ComponentPlan, AppPlan], Generated]
AppBuild = Callable[[AppPlan], Generated]
DocumentBuild = Callable[[AppPlan], tuple[list[GeneratedDocument], list[Diagnostic]]]


@dataclass(frozen=True)
class ComponentGenerator:
    name: str
    build: ComponentBuild


@dataclass(frozen=True)
class AppGenerator:
    name: str
    build: AppBuild


COMPONENT_GENERATORS: tuple[ComponentGenerator, ...] = (
    ComponentGenerator("service-account", build_service_account),
    ComponentGenerator("configuration", build_configuration),
    ComponentGenerator("workload", build_workload),
    ComponentGenerator("service", build_services),
    ComponentGenerator("autoscaler", build_autoscaler),
    ComponentGenerator("disruption-budget", build_disruption_budget),
    ComponentGenerator("network-policy", build_network_policy),
)

APP_GENERATORS: tuple[AppGenerator, ...] = (AppGenerator("routes", build_routes),)


@dataclass(frozen=True)
class DocumentGenerator:
    name: str
    build: DocumentBuild


CI_PROVIDERS: dict[CiProvider, CiRenderer] = {
    CiProvider.GITHUB: CiRenderer(render_github_workflow, "GitHub Actions workflow"),
    CiProvider.GITLAB: CiRenderer(render_gitlab_ci, "GitLab CI: include it from .gitlab-ci.yml"),
}

DOCUMENT_GENERATORS: tuple[DocumentGenerator, ...] = (
    DocumentGenerator("persona", build_persona_documents),
    DocumentGenerator("argocd-application", build_argocd_application),
    DocumentGenerator("ci", partial(build_ci_files, providers=CI_PROVIDERS)),
    DocumentGenerator("anomaly-rules", build_anomaly_rule_documents),
    DocumentGenerator("observability", build_observability_documents),
)
