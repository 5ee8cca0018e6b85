"""Environment: non-secret values into a ConfigMap, secret keys only as Secret references.

The ConfigMap ``<name>-env`` holds the values compose and the ``env`` setting give the
container (variables the Dockerfile sets are already in the image and are left out: copying
``PATH=/venv/bin:$PATH`` would break it).  Every key the service layer marked secret (a secret
value in compose or ``.env``, or a secret-looking variable the code reads) becomes a
``secretKeyRef`` to ``<name>-secrets``: a Secret *template* with ``REPLACE_ME`` values, or an
ExternalSecret (``--external-secrets``) that fills it from a secret store.

Must not let a secret value through: values of secret keys are never read, only their names.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass

from dorgu.generation.diagnosing import warning
from dorgu.generation.manifests import GeneratedResource, Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan
from dorgu.models.app import Component, EnvVar
from dorgu.models.evidence import Diagnostic
from dorgu.models.patterns import LazyPattern

PLACEHOLDER = "REPLACE_ME"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
_DOCKERFILE = LazyPattern(r"^(Dockerfile|Containerfile)([._-].*)?$|.*\.(Dockerfile|Containerfile)$")


@dataclass(frozen=True)
class EnvPlan:
    config: dict[str, str]  # sorted; goes into the ConfigMap
    secret_keys: tuple[str, ...]  # sorted; only references

    def checksum(self) -> str:
        """Changes when the ConfigMap changes, so pods roll (a pod template annotation)."""
        text = json.dumps(self.config, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def config_map_name(plan: ComponentPlan) -> str:
    return f"{plan.name}-env"


def secret_name(plan: ComponentPlan) -> str:
    return f"{plan.name}-secrets"


def is_image_env(var: EnvVar, component: Component) -> bool:
    """True for variables set by the Dockerfile (already in the image)."""
    if var.location is None or var.from_file:
        return False
    file = var.location.file
    if component.build is not None and component.build.dockerfile == file:
        return True
    return bool(_DOCKERFILE.match(posixpath.basename(file)))


def plan_env(plan: ComponentPlan) -> EnvPlan:
    component, secret_names = plan.component, plan.input.secret_names
    config: dict[str, str] = {}
    secrets: set[str] = set()
    for var in component.env:
        if var.secret or var.name in secret_names:
            secrets.add(var.name)
        elif var.value is not None and not is_image_env(var, component):
            config[var.name] = var.value
    for key in component.config_keys:
        if key in secret_names and key not in config:
            secrets.add(key)
    if plan.app_settings:
        for key, value in plan.settings.env.items():
            if key in secret_names:
                secrets.add(key)
                config.pop(key, None)
            else:
                config[key] = value
                secrets.discard(key)
    return EnvPlan(dict(sorted(config.items())), tuple(sorted(secrets)))


def container_env(plan: ComponentPlan, env: EnvPlan) -> Manifest:
    """``envFrom`` and ``env`` entries for the container (empty when there is nothing)."""
    result: Manifest = {}
    if env.config:
        result["envFrom"] = [{"configMapRef": {"name": config_map_name(plan)}}]
    if env.secret_keys:
        result["env"] = [
            {"name": key, "valueFrom": {"secretKeyRef": {"name": secret_name(plan), "key": key}}}
            for key in env.secret_keys
        ]
    return result


def build_configuration(
    plan: ComponentPlan, app: AppPlan
) -> tuple[list[GeneratedResource], list[Diagnostic]]:
    """The env ConfigMap and the Secret template (or ExternalSecret) of one component."""
    options = app.request.options
    external_secrets, secret_store = options.external_secrets, options.secret_store
    env = plan_env(plan)
    resources: list[GeneratedResource] = []
    diagnostics: list[Diagnostic] = []
    owner = plan.component.name
    if env.config:
        resources.append(
            GeneratedResource(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": plan.metadata(config_map_name(plan)),
                    "data": env.config,
                },
                component=owner,
            )
        )
    if not env.secret_keys:
        return resources, diagnostics
    if external_secrets:
        store = secret_store or PLACEHOLDER
        if secret_store is None:
            diagnostics.append(
                warning(
                    "secret-store-placeholder",
                    f"{owner}: the ExternalSecret names the store "
                    f"{PLACEHOLDER}; pass --secret-store with your ClusterSecretStore",
                )
            )
        resources.append(
            GeneratedResource(
                {
                    "apiVersion": EXTERNAL_SECRETS_API,
                    "kind": "ExternalSecret",
                    "metadata": plan.metadata(secret_name(plan)),
                    "spec": {
                        "refreshInterval": "1h",
                        "secretStoreRef": {"kind": "ClusterSecretStore", "name": store},
                        "target": {"name": secret_name(plan), "creationPolicy": "Owner"},
                        "data": [
                            {"secretKey": key, "remoteRef": {"key": plan.name, "property": key}}
                            for key in env.secret_keys
                        ],
                    },
                },
                component=owner,
            )
        )
    else:
        resources.append(
            GeneratedResource(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": plan.metadata(secret_name(plan)),
                    "type": "Opaque",
                    "stringData": dict.fromkeys(env.secret_keys, PLACEHOLDER),
                },
                component=owner,
                template=True,
            )
        )
        diagnostics.append(
            warning(
                "secret-template",
                f"{owner}: {', '.join(env.secret_keys)} must come from the Secret "
                f"{secret_name(plan)}; fill in its template and apply it "
                "(or use --external-secrets)",
            )
        )
    return resources, diagnostics
