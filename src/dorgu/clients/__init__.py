"""Adapters to the outside world (layer 2): the Kubernetes API behind ``KubeClient``.

``connect(ConnectionOptions(...))`` gives the real client (lightkube; the only package outside
the operator and the testbed tooling that imports it); ``FakeKube`` is the in-memory double for
unit tests.  Every failure is a one-line ``ClusterError``.

Must not import click, print, read dorgu settings, or contain decisions (that is
``dorgu.services``).
"""

from dorgu.clients.kube import (
    APPLICATION_PERSONAS,
    CLUSTER_PERSONAS,
    CRD_GROUP,
    CRDS_MISSING,
    CUSTOM_RESOURCE_DEFINITIONS,
    DEPLOYMENTS,
    FIELD_MANAGER,
    INCIDENT_MEMORIES,
    NAMESPACES,
    NODES,
    ConnectionOptions,
    JsonObject,
    KubeClient,
    Page,
    ResourceKind,
    TablePage,
    connect,
)
from dorgu.clients.kubefakes import FakeKube

__all__ = [
    "APPLICATION_PERSONAS",
    "CLUSTER_PERSONAS",
    "CRDS_MISSING",
    "CRD_GROUP",
    "CUSTOM_RESOURCE_DEFINITIONS",
    "DEPLOYMENTS",
    "FIELD_MANAGER",
    "INCIDENT_MEMORIES",
    "NAMESPACES",
    "NODES",
    "ConnectionOptions",
    "FakeKube",
    "JsonObject",
    "KubeClient",
    "Page",
    "ResourceKind",
    "TablePage",
    "connect",
]
