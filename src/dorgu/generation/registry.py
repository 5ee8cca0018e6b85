"""The generators, listed explicitly in the order they run (no discovery).

A component generator takes one ``ComponentPlan`` (and the ``AppPlan`` for cross-component
facts); an app generator takes the ``AppPlan``.  Both return resources and diagnostics.  Later
slices add theirs here (persona, Argo CD Application, CI files, Backstage/Score exports).

Must not hold state or read settings: it is a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dorgu.generation.accounts import build_service_account
from dorgu.generation.configuration import build_configuration
from dorgu.generation.manifests import GeneratedResource
from dorgu.generation.networking import build_routes, build_services
from dorgu.generation.networkpolicies import build_network_policy
from dorgu.generation.planning import AppPlan, ComponentPlan
from dorgu.generation.scaling import build_autoscaler, build_disruption_budget
from dorgu.generation.workloads import build_workload
from dorgu.models.evidence import Diagnostic

Generated = tuple[list[GeneratedResource], list[Diagnostic]]
ComponentBuild = Callable[[ComponentPlan, AppPlan], Generated]
AppBuild = Callable[[AppPlan], Generated]


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
