"""The operator's side of the webhook worker (``--webhook-process separate``): start it, tell
it when the key pair changed, fetch its admission metrics at each scrape, start it again when
it exits, stop it.

The worker (``webhook.worker``) listens on the port the webhook configuration names; when it
exits unexpectedly it is started again on the same port after a backoff (1 s doubling to
30 s) and ``dorgu_webhook_worker_restarts_total`` counts it; meanwhile the replica is not
ready and the API server applies the failure policy.  Counters of an exited worker are kept
(as of the last scrape) so the operator's series never go backwards.
Must not call the Kubernetes API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys

from dorgu.errors import DorguError
from dorgu.operator.metrics import AdmissionState, Metrics
from dorgu.operator.webhook.certificates import TlsFiles
from dorgu.operator.webhook.worker import WorkerConfig

logger = logging.getLogger(__name__)
START_TIMEOUT_S = 90.0
METRICS_TIMEOUT_S = 2.0
MAX_BACKOFF_S = 30.0


class WorkerProcess:
    """One webhook worker process at a time, supervised."""

    def __init__(self, config: WorkerConfig, *, metrics: Metrics, tls: TlsFiles) -> None:
        self.config, self.metrics, self.tls = config, metrics, tls
        self.port = config.port
        self.serving = False
        self._process: asyncio.subprocess.Process | None = None
        self._replies: asyncio.Queue[bytes] = asyncio.Queue()
        self._ready: asyncio.Future[int] | None = None
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self._carried: list[AdmissionState] = []
        self._latest: AdmissionState = {}

    async def start(self) -> int:
        """Start the worker and wait until it serves; its port (``port`` 0: any free one)."""
        self.port = await self._spawn()
        self.config = WorkerConfig(**{**self.config.__dict__, "port": self.port})
        self.tls.listeners.append(self.reload)
        self._supervisor = asyncio.create_task(self._supervise(), name="webhook-worker")
        return self.port

    async def _spawn(self) -> int:
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._replies = asyncio.Queue()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dorgu.operator.webhook.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
        )  # fmt: skip
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(self.config.to_line())
        self._reader = asyncio.create_task(self._read(process.stdout), name="webhook-worker-out")
        done, _ = await asyncio.wait(
            {self._ready, asyncio.ensure_future(process.wait())},
            timeout=START_TIMEOUT_S,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self._ready.done() and not self._ready.cancelled():
            self.serving = True
            logger.info("webhook worker %d serving on port %d", process.pid, self._ready.result())
            return self._ready.result()
        await self._kill(process)
        if not done:
            raise DorguError(f"the webhook worker did not serve within {START_TIMEOUT_S:.0f}s")
        raise DorguError(
            f"the webhook worker exited with code {process.returncode} before serving "
            "(its log lines above say why)"
        )

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            if line.startswith(b"ready "):
                if self._ready is not None and not self._ready.done():
                    with contextlib.suppress(ValueError):
                        self._ready.set_result(int(line[6:]))
            elif line.startswith(b"metrics "):
                self._replies.put_nowait(line[8:])

    async def _supervise(self) -> None:
        backoff = 1.0
        while True:
            process = self._process
            assert process is not None
            code = await process.wait()
            self.serving = False
            if self._stopping:
                return
            self._carry()
            logger.error(
                "the webhook worker exited (code %s); starting it again in %.0fs", code, backoff
            )
            await asyncio.sleep(backoff)
            try:
                await self._spawn()
                self.metrics.worker_restarts.inc()
                backoff = 1.0
            except (DorguError, OSError) as error:
                logger.error("the webhook worker did not start again: %s", error)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _carry(self) -> None:
        if self._latest:
            self._carried.append(self._latest)
            self._latest = {}

    def _send(self, command: bytes) -> bool:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return False
        try:
            process.stdin.write(command)
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            return False
        return True

    def reload(self) -> None:
        """The operator loaded a new key pair into ``tls``'s files: the worker rereads them."""
        self._send(b"reload\n")

    async def collect(self) -> None:
        """Fetch the worker's admission series into ``metrics`` (at each scrape)."""
        async with self._lock:
            while not self._replies.empty():
                self._replies.get_nowait()
            if self._send(b"metrics\n"):
                try:
                    line = await asyncio.wait_for(self._replies.get(), METRICS_TIMEOUT_S)
                    state = json.loads(line)
                    if isinstance(state, dict):
                        self._latest = state
                except (TimeoutError, ValueError):
                    logger.warning("the webhook worker did not send its metrics in time")
        self.metrics.set_admission_state(*self._carried, self._latest)

    async def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(ValueError):
            self.tls.listeners.remove(self.reload)
        process = self._process
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.close()  # the worker stops when its stdin closes
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                await self._kill(process)
        for task in (self._supervisor, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self.serving = False

    @staticmethod
    async def _kill(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
