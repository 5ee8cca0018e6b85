"""Loading OpenMetrics history into the testbed's Prometheus (``dorgu dev backfill``).

The file is checked first (``dorgu.formats.openmetrics``: timestamps in seconds, per-series
time order, clear of the head's time range), ``# EOF`` appended when missing, then
``promtool tsdb create-blocks-from openmetrics`` writes TSDB blocks into a scratch directory
next to the data directory; the caller stops Prometheus, ``install_blocks`` moves the blocks
into its data directory (a rename: same file system) and Prometheus starts again, loading them
at once (a running Prometheus only looks for new blocks once a minute).  Prometheus >= 2.39
merges blocks that overlap in time, so loading history twice does no harm.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dorgu.errors import ClusterError, InputError, ToolchainError
from dorgu.formats import openmetrics

logger = logging.getLogger(__name__)

HEAD_MARGIN_SECONDS = openmetrics.HEAD_MARGIN_SECONDS
# promtool reads the whole input once per block: its default 2h blocks make weeks of history
# take minutes.  One block spanning the input (in 2h multiples, at most 31 days, Prometheus'
# largest compaction range) reads it once or twice.
MAX_BLOCK_HOURS = 31 * 24
_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Blocks:
    """Blocks promtool wrote, waiting to be installed, and what the file held."""

    directory: Path
    names: list[str]
    summary: openmetrics.Summary


@dataclass(frozen=True)
class Loaded:
    """What a backfill loaded."""

    blocks: int
    series: int
    samples: int
    start: float | None
    end: float | None


def create_blocks(
    *, promtool: Path, source: Path, scratch: Path, env: Mapping[str, str], now: float | None = None
) -> Blocks:
    """Check ``source`` and turn it into TSDB blocks under ``scratch`` (the caller installs
    them).  ``InputError`` for a bad file, ``ToolchainError`` when promtool fails."""
    summary = check_file(source, now=time.time() if now is None else now)
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".backfill-", dir=scratch))
    try:
        text_file = source
        if not summary.has_eof:
            text_file = work / "input.om"
            with source.open("rb") as reader, text_file.open("wb") as writer:
                shutil.copyfileobj(reader, writer)
                writer.write(b"\n# EOF\n" if not _ends_with_newline(source) else b"# EOF\n")
        out = work / "blocks"
        out.mkdir()
        argv = [
            str(promtool),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            f"--max-block-duration={block_hours(summary)}h",
            str(text_file),
            str(out),
        ]
        done = subprocess.run(
            argv, env=dict(env), capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
        if done.returncode != 0:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise ToolchainError(
                f"promtool could not backfill {source}: {lines[-1] if lines else done.returncode}"
            )
        names = sorted(p.name for p in out.iterdir() if p.is_dir() and (p / "meta.json").exists())
        return Blocks(directory=out, names=names, summary=summary)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def block_hours(summary: openmetrics.Summary) -> int:
    """The block length (hours, a multiple of 2) that covers the input in as few blocks as
    Prometheus allows."""
    span = (summary.end or 0.0) - (summary.start or 0.0)
    hours = 2 * (int(span // 7200) + 1)
    return min(hours, MAX_BLOCK_HOURS)


def check_file(source: Path, *, now: float) -> openmetrics.Summary:
    """Check ``source`` (``InputError`` naming the line when it cannot be backfilled)."""
    try:
        with source.open(encoding="utf-8", newline="") as handle:
            return openmetrics.check_backfill(handle, file=str(source), now=now)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, expected an OpenMetrics file") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text", hint="OpenMetrics is UTF-8") from None
    except OSError as error:
        raise InputError(f"{source}: cannot read it ({error.strerror})") from None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def install_blocks(blocks: Blocks, *, data: Path) -> Loaded:
    """Move the blocks into Prometheus' data directory (Prometheus stopped) and clean up."""
    try:
        data.mkdir(parents=True, exist_ok=True)
        for name in blocks.names:
            target = data / name
            if target.exists():
                raise ClusterError(f"block {name} is already in {data}")
            (blocks.directory / name).rename(target)
    finally:
        shutil.rmtree(blocks.directory.parent, ignore_errors=True)
    summary = blocks.summary
    logger.info(
        "backfilled %d samples of %d series in %d blocks",
        summary.samples,
        summary.series,
        len(blocks.names),
    )
    return Loaded(
        blocks=len(blocks.names),
        series=summary.series,
        samples=summary.samples,
        start=summary.start,
        end=summary.end,
    )
