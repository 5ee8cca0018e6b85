"""The dorgu operator (layer 4 runtime): reconciles ApplicationPersonas, discovers the
ClusterPersona, serves the ``validate-deployment.dorgu.io`` admission webhook and exposes
Prometheus metrics.

The only package that imports kopf.  It may import ``dorgu.services``, ``dorgu.clients``,
``dorgu.models``, ``dorgu.rules`` and ``dorgu.crds``; it must not import ``dorgu.cli``,
``dorgu.gateway`` or ``dorgu.ui``, print, or read settings files (options are passed in).

Modules:

- ``options``: what the operator is told (``OperatorOptions``);
- ``connecting`` + ``api``: the kubeconfig and a small raw-JSON Kubernetes client;
- ``caching`` + ``watching``: list+watch caches (personas, HPAs, PDBs, Services,
  ServiceAccounts, namespaces) kept on every replica, read by the webhook and the reconciler;
- ``statuses`` (pure) + ``reconciling``: persona status from the rule engine;
- ``recording``: audit results written to persona status off the hot path;
- ``platforms`` (pure) + ``discovering``: ClusterPersona discovery;
- ``metrics``: ``/metrics``, ``/healthz``, ``/readyz``;
- ``webhook``: the admission webhook (reviews, handling, serving, certificates, configuring);
- ``handlers``: kopf handler registration; ``running``: kopf settings and the main coroutine.
"""
