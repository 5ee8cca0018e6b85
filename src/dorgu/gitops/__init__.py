"""GitOps state and rollbacks (layer 1): Argo CD ``Application`` objects read into typed values
(``applications``), the rollback Argo CD's own server would perform, planned as the exact
changes to write (``rollbacks``), and the ``kubectl rollout undo`` equivalent for Deployments
without Argo CD (``undoing``).

Must not: talk to a cluster or to Argo CD, read files, the environment or the clock (``now`` is
passed in), or print.  Junk input never raises anything but ``ConflictError``/``UsageError`` (what Argo CD or
kubectl would refuse).
"""

from dorgu.gitops.applications import Application, HistoryEntry, read_application
from dorgu.gitops.rollbacks import RollbackPlan, plan_rollback
from dorgu.gitops.undoing import UndoPlan, plan_undo

__all__ = [
    "Application",
    "HistoryEntry",
    "RollbackPlan",
    "UndoPlan",
    "plan_rollback",
    "plan_undo",
    "read_application",
]
