"""Alertmanager routing of a component's alerts to its owners, in two forms:

- ``alertmanager_config``: a prometheus-operator ``AlertmanagerConfig``
  (``monitoring.coreos.com/v1alpha1``) whose route matches the labels every generated alert
  carries (``persona``, and ``team`` when set; ``persona_labels``) and sends them to a
  receiver named after the team (else ``<workload>-owners``);
- ``alertmanager_route``: the same route and receiver as a plain Alertmanager configuration
  snippet (``route.routes`` and ``receivers``) for Alertmanagers without the operator.

The receiver carries no integration (Slack, e-mail, PagerDuty): those hold credentials, so
the user adds them (docs/observability.md).  Critical alerts (the page) repeat every hour,
the rest every 4 hours.

Must not read files or settings beyond the ``ComponentPlan``.
"""

from __future__ import annotations

from dorgu.generation.anomaly_rules import persona_labels
from dorgu.generation.manifests import Manifest
from dorgu.generation.monitors import monitor_labels
from dorgu.generation.planning import ComponentPlan

ALERTMANAGER_CONFIG_API = "monitoring.coreos.com/v1alpha1"
GROUP_BY = ["alertname", "persona", "slo"]


def receiver_name(plan: ComponentPlan) -> str:
    team = plan.settings.app.team
    return team if team else f"{plan.name}-owners"


def route_matchers(plan: ComponentPlan) -> list[tuple[str, str]]:
    """(label, value) pairs every alert of the component carries."""
    labels = persona_labels(plan)
    return [(key, labels[key]) for key in ("persona", "team") if key in labels]


def alertmanager_config(plan: ComponentPlan) -> Manifest:
    receiver = receiver_name(plan)
    metadata: Manifest = {"name": f"{plan.name}-alerts"}
    if plan.settings.namespace:
        metadata["namespace"] = plan.settings.namespace
    metadata["labels"] = dict(sorted(monitor_labels(plan).items()))
    matchers = [
        {"name": key, "value": value, "matchType": "="} for key, value in route_matchers(plan)
    ]
    critical = {"name": "severity", "value": "critical", "matchType": "="}
    return {
        "apiVersion": ALERTMANAGER_CONFIG_API,
        "kind": "AlertmanagerConfig",
        "metadata": metadata,
        "spec": {
            "route": {
                "receiver": receiver,
                "matchers": matchers,
                "groupBy": GROUP_BY,
                "groupWait": "30s",
                "groupInterval": "5m",
                "repeatInterval": "4h",
                "routes": [{"receiver": receiver, "matchers": [critical], "repeatInterval": "1h"}],
            },
            "receivers": [{"name": receiver}],
        },
    }


def alertmanager_route(plan: ComponentPlan) -> Manifest:
    receiver = receiver_name(plan)
    matchers = [f'{key}="{value}"' for key, value in route_matchers(plan)]
    return {
        "route": {
            "routes": [
                {
                    "receiver": receiver,
                    "matchers": matchers,
                    "group_by": GROUP_BY,
                    "group_wait": "30s",
                    "group_interval": "5m",
                    "repeat_interval": "4h",
                    "routes": [
                        {
                            "receiver": receiver,
                            "matchers": ['severity="critical"'],
                            "repeat_interval": "1h",
                        }
                    ],
                }
            ]
        },
        "receivers": [{"name": receiver}],
    }
