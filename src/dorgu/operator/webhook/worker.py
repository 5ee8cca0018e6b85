"""The webhook worker: the admission webhook in a process of its own (``--webhook-process
separate``), so a review never waits on the reconciler, the learners, kopf or their garbage
collections, which all share one interpreter lock in the operator's process.

The operator starts it (``webhook.spawning``) as ``python -m dorgu.operator.webhook.worker``
and writes one ``WorkerConfig`` JSON line to its stdin.  The worker keeps its own small
caches (the ``ClusterView`` stores the webhook reads: personas, HPAs, PDBs, Services,
ServiceAccounts and Namespaces; no Deployments or StatefulSets), serves the same
``AdmissionHandler`` on the same server (granian or hypercorn) with the key pair the operator
writes to ``cert_dir``, and reads the operator's commands on stdin, one a line:

- ``reload``: the operator wrote a new key pair (rotation, cert-manager renewal): reload it;
- ``metrics``: answer one line ``metrics <JSON>`` with ``Metrics.admission_state()``.

It writes ``ready <port>`` once its caches are synced and the server listens, and stops when
its stdin closes (the operator exited, however it exited) or on SIGTERM; SIGINT is left to
the operator (a Ctrl-C reaches the whole process group; the operator then closes stdin).
Its protocol has stdout to itself: file descriptor 1 is pointed at stderr, where the
worker's log lines go, as the operator's do.
Must not write to the cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from dorgu.errors import DorguError
from dorgu.operator.api import Api, ApiFailure
from dorgu.operator.connecting import connect
from dorgu.operator.freezing import Freezer
from dorgu.operator.metrics import Metrics
from dorgu.operator.options import FIELD_MANAGER
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.asgi import AsgiServer, webhook_asgi
from dorgu.operator.webhook.certificates import TlsFiles
from dorgu.operator.webhook.handling import AdmissionHandler, rules_left_to_webhook
from dorgu.operator.webhook.rsgi import GranianServer, WebhookRsgi

logger = logging.getLogger(__name__)
SYNC_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class WorkerConfig:
    """What the operator tells its webhook worker (one JSON line on stdin)."""

    host: str
    port: int
    cert_dir: str
    server: str = "granian"
    both: bool = False
    """``--admission both``: the webhook runs only the rules the policies do not."""
    kubeconfig: str | None = None
    context: str | None = None
    log_level: int = logging.WARNING

    def to_line(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> WorkerConfig:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("the worker configuration is no JSON object")
        return cls(**data)


async def serve_worker(
    config: WorkerConfig, *, commands: asyncio.StreamReader, out: BinaryIO
) -> None:
    """Serve the webhook until ``commands`` ends or the task is cancelled."""
    connection = connect(
        kubeconfig=Path(config.kubeconfig) if config.kubeconfig else None, context=config.context
    )
    http = connection.http_client()
    api = Api(http, field_manager=FIELD_MANAGER)
    view = ClusterView(admission_only=True)
    tasks = view.start(api)
    metrics = Metrics()
    server: GranianServer | AsgiServer | None = None
    try:
        await asyncio.wait_for(view.wait_synced(), timeout=SYNC_TIMEOUT_S)
        stores = view.stores()
        freezer = Freezer(lambda: sum(map(len, stores)))
        await freezer.check()
        handler = AdmissionHandler(
            view=view, policy_for=rules_left_to_webhook if config.both else None
        )
        tls = TlsFiles(Path(config.cert_dir))
        tls.reread()
        if config.server == "hypercorn":
            server = AsgiServer(webhook_asgi(handler=handler, metrics=metrics),
                                host=config.host, port=config.port, tls=tls.context)  # fmt: skip
        else:
            server = GranianServer(WebhookRsgi(handler=handler, metrics=metrics),
                                   host=config.host, port=config.port, tls=tls)  # fmt: skip
        port = await server.start()
        _write(out, f"ready {port}\n".encode())
        while True:
            try:
                line = await asyncio.wait_for(commands.readline(), timeout=5.0)
            except TimeoutError:
                await freezer.check()
                continue
            if not line:
                return  # the operator is gone
            command = line.strip()
            if command == b"reload":
                tls.reread()
                logger.info("webhook worker reloaded its serving certificate")
            elif command == b"metrics":
                state = json.dumps(metrics.admission_state(), separators=(",", ":"))
                _write(out, b"metrics " + state.encode() + b"\n")
    except TimeoutError as error:
        raise DorguError(
            f"the webhook worker's caches did not sync within {SYNC_TIMEOUT_S:.0f}s"
        ) from error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.stop()
        await http.aclose()


def _write(out: BinaryIO, data: bytes) -> None:
    out.write(data)
    out.flush()


async def _main(out: BinaryIO) -> int:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(commands), os.fdopen(0, "rb", buffering=0)
    )
    first = await commands.readline()
    if not first:
        return 0  # the operator went away before configuring the worker
    try:
        config = WorkerConfig.from_line(first)
    except (ValueError, TypeError) as error:
        logger.error("webhook worker: bad configuration line: %s", error)
        return 2
    logging.getLogger().setLevel(config.log_level)
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await serve_worker(config, commands=commands, out=out)
    except asyncio.CancelledError:
        return 0
    except (DorguError, ApiFailure, OSError) as error:
        logger.error("webhook worker stopped: %s", error)
        return 1
    return 0


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing but the protocol reaches the operator's pipe
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    try:
        import uvloop  # as the operator: the operator extra installs it on Linux and macOS

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_main(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
