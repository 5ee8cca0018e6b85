"""dorgu's webhook alone in this process, for ``bench_webhook.bench_webhook_alone`` and for
profiling (``py-spy record -p PID``): an enforce persona selecting the benchmark Deployment,
the operator's own certificates, the server named on the command line.

Usage: python -m benchmarks.webhook_alone granian|hypercorn DIRECTORY
Writes DIRECTORY/ca.crt, prints the port, serves until terminated.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.objects import deployment, persona
from dorgu.operator.metrics import Metrics
from dorgu.operator.watching import ClusterView
from dorgu.operator.webhook.asgi import AsgiServer, webhook_asgi
from dorgu.operator.webhook.certificates import TlsFiles, renew
from dorgu.operator.webhook.handling import AdmissionHandler
from dorgu.operator.webhook.rsgi import GranianServer, WebhookRsgi


def review_body() -> dict[str, Any]:
    """A review like the API server's for the benchmark's compliant Deployment."""
    request = {
        "uid": "u", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "operation": "CREATE", "namespace": "bench", "name": "shop",
        "object": deployment("shop", app="shop"), "oldObject": None, "dryRun": False,
        "userInfo": {"username": "admin", "groups": ["system:masters", "system:authenticated"]},
        "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1", "fieldManager": "bench"},
    }  # fmt: skip
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


async def serve(kind: str, directory: Path) -> None:
    view = ClusterView()
    view.personas.put({**persona("shop", mode="enforce"),
                       "metadata": {"name": "shop", "namespace": "bench", "generation": 1}})  # fmt: skip
    certs = renew(None, "missing", hosts=("127.0.0.1",), now=datetime.now(UTC))
    tls = TlsFiles(directory / "tls")
    tls.load(certs)
    (directory / "ca.crt").write_bytes(certs.ca_pem)
    handler, metrics = AdmissionHandler(view=view), Metrics()
    server: AsgiServer | GranianServer
    if kind == "hypercorn":
        server = AsgiServer(webhook_asgi(handler=handler, metrics=metrics), host="127.0.0.1",
                            port=0, tls=tls.context)  # fmt: skip
    else:
        server = GranianServer(WebhookRsgi(handler=handler, metrics=metrics), host="127.0.0.1",
                               port=0, tls=tls)  # fmt: skip
    port = await server.start()
    print(port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await server.stop()


def main() -> None:
    kind, directory = sys.argv[1], Path(sys.argv[2])
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(kind, directory))
    else:
        uvloop.run(serve(kind, directory))


if __name__ == "__main__":
    main()
