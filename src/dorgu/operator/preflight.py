"""Before the operator starts: check that what it needs is in the cluster, and turn an API
failure into the one-line ``ClusterError`` the CLI prints.

Its own namespace (certificates Secret, events of cluster-scoped objects) must exist: when it
does not, the operator stops with one line naming ``dorgu cluster init``.  Missing dorgu CRDs
are only a warning with the same advice: the operator's caches stay empty until the CRDs
appear, and it picks them up then.  A 403 on a check is not fatal (the operator may lack the
right to read what it uses); everything else that fails here is reported, never left to
surface as an internal error.  Must not create anything: installing is ``cluster init``'s job
(or the Helm chart's).
"""

from __future__ import annotations

import logging

from dorgu.clients.kube import CRDS_MISSING
from dorgu.errors import ClusterError
from dorgu.operator import api as kinds
from dorgu.operator.api import Api, ApiFailure

logger = logging.getLogger(__name__)

INIT_HINT = "run dorgu cluster init"
_MAX_MESSAGE = 300


def failure_error(error: ApiFailure, *, server: str, doing: str = "") -> ClusterError:
    """The one-line ``ClusterError`` for an API failure (raise it ``from error``)."""
    message = " ".join(error.message.split())[:_MAX_MESSAGE] or "no details"
    what = f"{doing}: " if doing else ""
    if error.code == 0:
        return ClusterError(f"cannot reach the cluster at {server}: {what}{message}",
                            hint="check --kubeconfig/--context")  # fmt: skip
    if error.code == 401:
        return ClusterError(f"the cluster at {server} rejected the credentials (401): {what}"
                            f"{message}", hint="log in again or check the user in the kubeconfig")  # fmt: skip
    if error.code == 403:
        return ClusterError(f"forbidden (403): {what}{message}",
                            hint="grant the operator the Helm chart's ClusterRole rules")  # fmt: skip
    if error.code == 404:
        return ClusterError(f"not found (404): {what}{message}", hint=INIT_HINT)
    if error.code == 409:
        return ClusterError(f"conflict (409): {what}{message}",
                            hint="another operator or field manager owns it; retry")  # fmt: skip
    return ClusterError(f"the API server at {server} failed ({error.code}): {what}{message}")


async def check_prerequisites(api: Api, *, server: str, namespace: str) -> bool:
    """``ClusterError`` when ``namespace`` does not exist; whether the dorgu CRDs are served
    (a warning when they are not)."""
    try:
        await api.get(kinds.CORE_NAMESPACES, namespace)
    except ApiFailure as error:
        if error.code == 404:
            raise ClusterError(
                f"the operator's namespace {namespace!r} does not exist in the cluster at {server}",
                hint="create it with dorgu cluster init, or pass -n NAMESPACE",
            ) from error
        if error.code != 403:
            raise failure_error(
                error, server=server, doing=f"reading namespace {namespace}"
            ) from error
    try:
        await api.raw("/apis/dorgu.io/v1")
    except ApiFailure as error:
        if error.code == 404:
            logger.warning("%s (cluster at %s); waiting for them", CRDS_MISSING, server)
            return False
        if error.code != 403:
            raise failure_error(error, server=server, doing="reading the dorgu API") from error
    return True
