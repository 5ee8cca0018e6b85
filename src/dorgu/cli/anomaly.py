"""``dorgu anomaly detect`` and ``dorgu anomaly eval``: the streaming anomaly detector on CSV
series (NAB format), and NAB scoring of it on a labelled corpus; ``dorgu anomaly list``: the
anomalies the operator found on the personas' live series.  See docs/anomaly.md.

Reads files (bounded in size and count) and prints; the detector and the scoring are in
``dorgu.learning.anomalies``.
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from dorgu.cli.cluster import kube_options, table
from dorgu.errors import InputError, LimitExceededError, ParseError
from dorgu.learning.anomalies.detecting import DetectorSettings, detect
from dorgu.learning.anomalies.evaluating import Evaluation, evaluate, parse_windows
from dorgu.learning.anomalies.scoring import PROFILES
from dorgu.learning.anomalies.series import Series, parse_series

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_WINDOWS_BYTES = 16 * 1024 * 1024
MAX_CORPUS_FILES = 10_000


def _read_text(path: Path, *, limit: int, what: str) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    if len(data) > limit:
        raise LimitExceededError(
            f"{path}: larger than {limit // (1024 * 1024)} MiB",
            hint="split the series or keep its most recent part",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ParseError("not UTF-8 text", file=str(path), line=line) from None


def _warn_about(series: Series, source: str) -> None:
    if len(set(series.values)) == 1:
        click.echo(
            f"warning: {source}: the value never changes ({series.values[0]:g}); "
            "every score is 0 until it does",
            err=True,
        )
    if series.duplicates:
        click.echo(
            f"warning: {source}:{series.first_duplicate_line}: {series.duplicates} "
            "row(s) repeat the previous timestamp; scored as separate samples",
            err=True,
        )


@click.group()
def anomaly() -> None:
    """Streaming anomaly detection on metric series, and its NAB scoring."""


@anomaly.command("detect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Score a row repeating the previous timestamp as its own sample "
    "(NAB's files have a few) instead of refusing the file.",
)
def detect_command(file: Path, fmt: str, allow_duplicates: bool) -> None:
    """Score every row of FILE (CSV: timestamp,value) with the streaming detector.

    Prints one row per input row: timestamp,value,anomaly_score,label (label 1 where the
    detector fires).  Causal: a row's score uses only the rows before it.
    """
    text = _read_text(file, limit=MAX_FILE_BYTES, what="CSV file")
    series = parse_series(text, source=str(file), allow_duplicates=allow_duplicates)
    _warn_about(series, str(file))
    verdicts = detect(zip(series.times, series.values, strict=True))
    out = sys.stdout
    if fmt == "csv":
        out.write("timestamp,value,anomaly_score,label\n")
        for stamp, value, verdict in zip(series.stamps, series.values, verdicts, strict=True):
            out.write(f"{stamp},{value!r},{verdict.score:.6f},{int(verdict.anomaly)}\n")
        return
    rows = [
        {
            "anomaly_score": round(v.score, 6),
            "label": int(v.anomaly),
            "timestamp": stamp,
            "value": value,
        }
        for stamp, value, v in zip(series.stamps, series.values, verdicts, strict=True)
    ]
    out.write(json.dumps(rows, indent=1) + "\n")


def _named_path(root: Path, name: str) -> Path:
    """``root / name`` for a file name from windows.json; a name that is absolute or climbs
    out of ``root`` (``..``) is refused rather than read."""
    parts = Path(name).parts
    if not name or Path(name).is_absolute() or ".." in parts or not name.endswith(".csv"):
        raise InputError(
            f"windows names {name!r}: expected a .csv path relative to the data folder",
            hint="name files as NAB does, e.g. 'realTweets/Twitter_volume_AAPL.csv'",
        )
    return root.joinpath(*parts)


def _corpus(root: Path, names: list[str]) -> dict[str, Series]:
    """The files ``names`` lists, read from under ``root``.  Only those paths and the
    folders holding them are looked at (never a walk of ``root``), so ``/`` or a home
    directory costs one lookup per name, not a walk of the filesystem."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory", hint="pass the folder holding the CSV files")
    if len(names) > MAX_CORPUS_FILES:
        raise LimitExceededError(f"the windows name more than {MAX_CORPUS_FILES} files")
    paths = {name: _named_path(root, name) for name in names}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if len(missing) == len(names):
        raise InputError(
            f"{root}: none of the {len(names)} file(s) the windows name is there, "
            f"first {missing[0]!r}",
            hint="DIR must be the data folder of a NAB-style corpus (e.g. nab/data), "
            "holding the files under the names windows.json uses",
        )
    if missing:
        raise InputError(
            f"{root}: {len(missing)} file(s) named in the windows are missing, first {missing[0]!r}",
            hint="DIR must hold the files under the names windows.json uses",
        )
    unlabelled = _unlabelled(root, paths)
    if unlabelled:
        click.echo(
            f"warning: {root}: {len(unlabelled)} CSV file(s) have no entry in the "
            f"windows and are skipped, first {unlabelled[0]!r}",
            err=True,
        )
    corpus = {}
    for name, path in paths.items():
        text = _read_text(path, limit=MAX_FILE_BYTES, what="CSV file")
        corpus[name] = parse_series(text, source=str(path), allow_duplicates=True)
    return corpus


def _unlabelled(root: Path, paths: dict[str, Path]) -> list[str]:
    """CSV files beside the named ones (same folders, not below them) that the windows do
    not name: at most ``MAX_CORPUS_FILES`` entries are listed per folder."""
    named = set(paths)
    found: set[str] = set()
    for folder in sorted({path.parent for path in paths.values()}):
        try:
            entries = sorted(itertools.islice(folder.iterdir(), MAX_CORPUS_FILES))
        except OSError:
            continue
        for entry in entries:
            name = entry.relative_to(root).as_posix()
            if entry.suffix == ".csv" and name not in named and entry.is_file():
                found.add(name)
    return sorted(found)


def _render(result: Evaluation) -> str:
    lines = [
        f"NAB score (detector's fixed threshold {result.threshold:g}; 0 = null, 100 = perfect)"
    ]
    for p in result.profiles:
        lines.append(f"  {p.profile:<20} {p.score:7.1f}")
    ev = result.events
    lines.append(
        f"events: precision {ev.precision:.2f} ({ev.true_alarms}/{ev.alarms} alarms in a "
        f"window)  recall {ev.recall:.2f} ({ev.detected_windows}/{ev.windows} windows)  "
        f"F1 {ev.f1:.2f}"
    )
    lines.append(
        "for comparison only, NAB's threshold-optimised score (best single threshold "
        "on the anomaly_score, chosen with the labels):"
    )
    for p in result.profiles:
        lines.append(
            f"  {p.profile:<20} {p.optimised_score:7.1f}  (threshold {p.optimised_threshold:.3f})"
        )
    return "\n".join(lines) + "\n"


def _as_json(result: Evaluation) -> str:
    ev = result.events
    payload = {
        "threshold": result.threshold,
        "scores": {p.profile: round(p.score, 2) for p in result.profiles},
        "optimised": {
            p.profile: {"score": round(p.optimised_score, 2), "threshold": p.optimised_threshold}
            for p in result.profiles
        },
        "events": {
            "alarms": ev.alarms,
            "true_alarms": ev.true_alarms,
            "windows": ev.windows,
            "detected_windows": ev.detected_windows,
            "precision": round(ev.precision, 4),
            "recall": round(ev.recall, 4),
            "f1": round(ev.f1, 4),
        },
        "files": [vars(f) for f in result.files],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


@anomaly.command("eval")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--windows",
    "windows_file",
    required=True,
    type=click.Path(path_type=Path),
    help="windows.json: file name (relative to DIR) -> [[start, end], ...].",
)
@click.option(
    "--profile",
    "chosen",
    type=click.Choice(list(PROFILES)),
    multiple=True,
    help="NAB cost profile (repeatable; default: all three).",
)
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def eval_command(directory: Path, windows_file: Path, chosen: tuple[str, ...], fmt: str) -> None:
    """Run the detector over every labelled CSV in DIR and print NAB's normalised score per
    profile plus event-wise precision/recall/F1 (never point-adjusted)."""
    windows_text = _read_text(windows_file, limit=MAX_WINDOWS_BYTES, what="windows JSON file")
    windows = parse_windows(windows_text, source=str(windows_file))
    if not windows:
        raise InputError(f"{windows_file}: names no files", hint="it maps file names to windows")
    corpus = _corpus(directory, sorted(windows))
    result = evaluate(
        corpus, windows, profiles=chosen or tuple(PROFILES), settings=DetectorSettings()
    )
    sys.stdout.write(_render(result) if fmt == "text" else _as_json(result))


def _amount(metric: str, value: float) -> str:
    """A series value in its unit: cores as millicores, bytes as Mi, shares as %, seconds as ms."""
    if metric == "cpu":
        return f"{value * 1000:.0f}m"
    if metric == "memory":
        return f"{value / 2**20:.0f}Mi"
    if metric == "error_rate":
        return f"{value * 100:.2f}%"
    if metric == "latency":
        return f"{value * 1000:.0f}ms"
    if metric == "request_rate":
        return f"{value:.3g}/s"
    return f"{value:.3g}"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@anomaly.command("list")
@kube_options
@click.option("-A", "--all-namespaces", is_flag=True, help="Personas in every namespace.")
@click.option(
    "-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def list_(all_namespaces: bool, output: str) -> None:
    """Current and recent anomalies of the personas (from their status.anomalies, written by
    the operator when it runs with --prometheus-url)."""
    from dorgu.cli.cluster import connection_options, open_client
    from dorgu.models.personas_base import dump_wire
    from dorgu.services.personas import list_personas

    personas = list_personas(client=open_client(), namespace=connection_options().namespace,
                             all_namespaces=all_namespaces)  # fmt: skip
    findings = [
        finding
        for persona in personas
        if persona.status is not None and persona.status.anomalies is not None
        for finding in (*persona.status.anomalies.current, *persona.status.anomalies.recent)
    ]
    if output == "json":
        records = []
        for finding in findings:
            record = dump_wire(finding)
            assert isinstance(record, dict)
            record["state"] = "current" if finding.current else "ended"
            records.append(record)
        click.echo(json.dumps(records, indent=2, sort_keys=True))
        return
    if not findings:
        watched = sum(1 for p in personas if p.status is not None and p.status.anomalies)
        click.echo(f"no anomalies ({watched} of {len(personas)} personas watched)", err=True)
        return
    rows = [
        (["NAMESPACE"] if all_namespaces else [])
        + ["PERSONA", "SERIES", "STATE", "START", "END", "OBSERVED", "EXPECTED", "SCORE"]
    ]
    for finding in findings:
        metric = finding.series.metric.value
        band = finding.expected
        rows.append(
            ([finding.persona.namespace] if all_namespaces else [])
            + [
                finding.persona.name,
                finding.series.label,
                "current" if finding.current else "ended",
                _when(finding.start),
                _when(finding.end),
                _amount(metric, finding.observed),
                f"{_amount(metric, band.low)}..{_amount(metric, band.high)}",
                f"{finding.score:.2f}",
            ]
        )
    click.echo(table(rows))
