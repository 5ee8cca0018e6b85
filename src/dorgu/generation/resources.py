"""Container resources: requests always, a memory limit always, a CPU limit only when someone
asked for one (CPU limits throttle; memory limits protect the node).

Each value comes from, highest first: the ``resources`` setting (components built from source),
compose ``deploy.resources``, then the resource profile: ``resources.profile`` or one chosen
from the component (JVM -> memory-heavy; Go, Rust, static frontends served by a web server ->
minimal; else standard).  A memory limit
below the request is raised to the request.

Must not read cluster usage: right-sizing from metrics is the learning layer's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.models.app import Component, FrontendMode
from dorgu.models.config import EffectiveSettings, ResourceProfile, ResourcesSection
from dorgu.models.kubesyntax import quantity_value

JVM_LANGUAGES = frozenset({"java", "kotlin", "scala", "clojure", "groovy"})
LEAN_LANGUAGES = frozenset({"go", "rust"})


@dataclass(frozen=True)
class ProfileSizes:
    cpu_request: str
    memory_request: str
    memory_limit: str


PROFILES: dict[ResourceProfile, ProfileSizes] = {
    ResourceProfile.MINIMAL: ProfileSizes("50m", "64Mi", "128Mi"),
    ResourceProfile.STANDARD: ProfileSizes("100m", "256Mi", "512Mi"),
    ResourceProfile.COMPUTE_HEAVY: ProfileSizes("500m", "512Mi", "1Gi"),
    ResourceProfile.MEMORY_HEAVY: ProfileSizes("250m", "768Mi", "1536Mi"),
}


def choose_profile(
    component: Component, *, settings: EffectiveSettings, app_settings: bool
) -> ResourceProfile:
    if app_settings and settings.resources.profile is not None:
        return settings.resources.profile
    if component.frontend is not None and component.frontend.mode is FrontendMode.STATIC:
        return ResourceProfile.MINIMAL  # a web server serving files, no Node runtime
    language = (component.language or "").lower()
    if language in JVM_LANGUAGES:
        return ResourceProfile.MEMORY_HEAVY
    if language in LEAN_LANGUAGES:
        return ResourceProfile.MINIMAL
    return ResourceProfile.STANDARD


def build_resources(
    component: Component, *, settings: EffectiveSettings, app_settings: bool
) -> dict[str, object]:
    """The container ``resources`` block."""
    sizes = PROFILES[choose_profile(component, settings=settings, app_settings=app_settings)]
    wanted = settings.resources if app_settings else ResourcesSection()
    hints = component.resources
    cpu_request = wanted.requests.cpu or hints.cpu_request
    cpu_limit = wanted.limits.cpu or hints.cpu_limit
    if cpu_request is None:
        cpu_request = sizes.cpu_request
        if cpu_limit is not None and quantity_value(cpu_limit) < quantity_value(cpu_request):
            cpu_request = cpu_limit
    memory_limit = wanted.limits.memory or hints.memory_limit
    memory_request = wanted.requests.memory or hints.memory_request
    if memory_request is None:
        memory_request = sizes.memory_request
        if memory_limit is not None and quantity_value(memory_limit) < quantity_value(
            memory_request
        ):
            memory_request = memory_limit
    if memory_limit is None:
        memory_limit = sizes.memory_limit
    if quantity_value(memory_limit) < quantity_value(memory_request):
        memory_limit = memory_request
    limits: dict[str, str] = {}
    if cpu_limit is not None:
        if quantity_value(cpu_limit) < quantity_value(cpu_request):
            cpu_limit = cpu_request
        limits["cpu"] = cpu_limit
    limits["memory"] = memory_limit
    return {"requests": {"cpu": cpu_request, "memory": memory_request}, "limits": limits}
