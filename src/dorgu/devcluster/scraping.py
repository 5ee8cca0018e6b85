"""The testbed's Prometheus: its configuration, command line and the labels its series carry.

Pure (text and argv out).  One scrape job, ``kubelet`` (kube-prometheus's name), finds its
targets through kwok's ``/discovery/prometheus`` (http_sd): one target per simulated Node and
metrics endpoint, all on kwok's one address.  Relabelling turns the target's metrics path
``/metrics/nodes/<node>/metrics/<endpoint>`` into ``node=<node>``, ``instance=<node>`` and
``metrics_path=/metrics/<endpoint>``, so series carry stable labels (no port number) and
backfilled history can name exactly the labels the live series have (``live_labels``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dorgu.devcluster.components import LOOPBACK
from dorgu.devcluster.emulating import cadvisor_name

JOB = "kubelet"
DEFAULT_SCRAPE_INTERVAL = 5.0
# Backfilled history goes back weeks; the default 15 days would delete it on the next compaction.
RETENTION = "3650d"
_NODE_PATH = r"/metrics/nodes/([^/]+)/.*"


def render_config(
    *,
    kwok_address: str,
    scrape_interval: float = DEFAULT_SCRAPE_INTERVAL,
    rule_files: tuple[str, ...] = (),
) -> str:
    """``prometheus.yml`` for scraping kwok's emulated kubelets at ``kwok_address`` (host:port),
    evaluating ``rule_files`` (absolute paths) every scrape interval."""
    interval = _duration(scrape_interval)
    document: dict[str, object] = {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": interval,
        },
        "scrape_configs": [
            {
                "job_name": JOB,
                "honor_labels": False,
                "http_sd_configs": [
                    {
                        "url": f"http://{kwok_address}/discovery/prometheus",
                        "refresh_interval": interval,
                    }
                ],
                "relabel_configs": [
                    {
                        "source_labels": ["__metrics_path__"],
                        "regex": _NODE_PATH,
                        "target_label": "node",
                    },
                    {
                        "source_labels": ["__metrics_path__"],
                        "regex": _NODE_PATH,
                        "target_label": "instance",
                    },
                    {
                        "source_labels": ["__metrics_path__"],
                        "regex": r"/metrics/nodes/[^/]+(/.*)",
                        "target_label": "metrics_path",
                    },
                    {"action": "labeldrop", "regex": "metrics_name"},
                ],
            }
        ],
    }
    if rule_files:
        document["rule_files"] = list(rule_files)
    return yaml.safe_dump(document, sort_keys=False)


def _duration(seconds: float) -> str:
    if seconds <= 0:
        raise ValueError("the scrape interval must be positive")
    milliseconds = round(seconds * 1000)
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"


def prometheus_argv(*, binary: Path, config: Path, data: Path, port: int) -> list[str]:
    return [
        str(binary),
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--storage.tsdb.retention.time={RETENTION}",
        f"--web.listen-address={LOOPBACK}:{port}",
        "--web.enable-admin-api",
        "--web.enable-lifecycle",
        "--log.level=warn",
    ]


def live_labels(
    *,
    endpoint: str,
    node: str,
    namespace: str,
    pod: str,
    container: str,
    image: str | None = None,
) -> dict[str, str]:
    """The labels (besides ``__name__``) of a container series scraped from ``endpoint``
    (``resource`` or ``cadvisor``), exactly as the testbed's Prometheus stores them."""
    labels = {
        "container": container,
        "instance": node,
        "job": JOB,
        "metrics_path": f"/metrics/{endpoint}",
        "namespace": namespace,
        "node": node,
        "pod": pod,
    }
    if endpoint == "cadvisor":
        labels["image"] = image or ""
        labels["name"] = cadvisor_name(namespace=namespace, pod=pod, container=container)
    elif endpoint != "resource":
        raise ValueError(f"unknown metrics endpoint {endpoint!r}")
    return labels
