"""`dorgu anomaly detect` and `dorgu anomaly eval` end to end in a subprocess: output, causality,
NAB scoring on a tiny corpus, and hostile input (one line, the row, non-zero exit)."""

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest


def dorgu(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": "/nonexistent-dorgu-test"}
    return subprocess.run([sys.executable, "-m", "dorgu.cli.main", *args],
                          capture_output=True, text=True, env=env)  # fmt: skip


def series_rows(count: int, *, shift_at: int | None = None) -> list[str]:
    rng = random.Random(3)
    rows = []
    for i in range(count):
        minutes = i * 5
        stamp = f"2014-04-{1 + minutes // 1440:02d} {minutes // 60 % 24:02d}:{minutes % 60:02d}:00"
        value = 50 + 20 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 2)
        if shift_at is not None and i >= shift_at:
            value += 60
        rows.append(f"{stamp},{value:.4f}")
    return rows


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    return path


def test_detect_writes_one_row_per_input_row(tmp_path: Path):
    rows = series_rows(2000, shift_at=1800)
    out = dorgu("anomaly", "detect", str(write(tmp_path / "s.csv", rows)))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,label"
    assert len(lines) == 2001
    labels = [int(line.split(",")[3]) for line in lines[1:]]
    assert 1 in labels[1800:1806]
    assert lines[1].split(",")[0] == "2014-04-01 00:00:00"


def test_detect_json_output(tmp_path: Path):
    out = dorgu("anomaly", "detect", "-o", "json", str(write(tmp_path / "s.csv", series_rows(50))))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 50
    assert set(rows[0]) == {"timestamp", "value", "anomaly_score", "label"}


def test_detect_is_causal_when_rows_are_appended(tmp_path: Path):
    rows = series_rows(1500, shift_at=1200)
    short = dorgu("anomaly", "detect", str(write(tmp_path / "a.csv", rows[:1000])))
    full = dorgu("anomaly", "detect", str(write(tmp_path / "b.csv", rows)))
    assert short.returncode == full.returncode == 0
    assert full.stdout.splitlines()[:1001] == short.stdout.splitlines()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ":1: empty file"),
        ("timestamp,value\n", ":2: no data rows"),
        ("timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,high\n", ":3: value 'high'"),
        ("timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,NaN\n", ":3: value 'NaN'"),
        ("timestamp,value\n2014-04-01 00:05:00,1\n2014-04-01 00:00:00,2\n", ":3: timestamp"),
        ("timestamp,value\n2014-04-01 00:05:00,1\n2014-04-01 00:05:00,2\n", ":3: timestamp"),
        ("timestamp,value\nsoon,1\n", ":2: timestamp 'soon'"),
    ],
)
def test_detect_bad_input_is_one_line_naming_the_row(tmp_path: Path, body: str, expected: str):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    out = dorgu("anomaly", "detect", str(path))
    assert out.returncode == 3
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert f"bad.csv{expected}" in out.stderr
    assert "Traceback" not in out.stderr


def test_detect_missing_file_and_binary_file(tmp_path: Path):
    missing = dorgu("anomaly", "detect", str(tmp_path / "nope.csv"))
    assert missing.returncode == 3
    assert "cannot read" in missing.stderr
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"timestamp,value\n\xff\xfe\x00\n")
    out = dorgu("anomaly", "detect", str(binary))
    assert out.returncode == 3
    assert "bin.csv:2: not UTF-8" in out.stderr


def test_detect_duplicates_allowed_on_request(tmp_path: Path):
    rows = series_rows(20)
    path = write(tmp_path / "d.csv", [*rows[:10], rows[9], *rows[10:]])
    assert dorgu("anomaly", "detect", str(path)).returncode == 3
    out = dorgu("anomaly", "detect", "--allow-duplicates", str(path))
    assert out.returncode == 0
    assert len(out.stdout.splitlines()) == 22
    assert "d.csv:12: 1 row(s) repeat" in out.stderr


def test_detect_constant_series_warns_and_never_fires(tmp_path: Path):
    rows = [row.split(",")[0] + ",7" for row in series_rows(900)]
    out = dorgu("anomaly", "detect", str(write(tmp_path / "c.csv", rows)))
    assert out.returncode == 0
    assert "never changes" in out.stderr
    assert all(line.endswith(",0.000000,0") for line in out.stdout.splitlines()[1:])


def test_eval_scores_a_labelled_corpus(tmp_path: Path):
    data = tmp_path / "data" / "cat"
    data.mkdir(parents=True)
    write(data / "shift.csv", series_rows(2000, shift_at=1800))
    write(data / "calm.csv", series_rows(2000))
    windows = {"cat/shift.csv": [["2014-04-07 01:00:00.000000", "2014-04-07 10:00:00.000000"]],
               "cat/calm.csv": []}  # fmt: skip
    (tmp_path / "windows.json").write_text(json.dumps(windows))
    args = ["anomaly", "eval", str(tmp_path / "data"), "--windows", str(tmp_path / "windows.json")]
    out = dorgu(*args, "-o", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["scores"]) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    assert result["scores"]["standard"] > 50
    assert result["events"]["detected_windows"] == 1
    text = dorgu(*args, "--profile", "standard")
    assert text.returncode == 0
    assert "standard" in text.stdout
    assert "reward_low_FP_rate" not in text.stdout
    assert "threshold-optimised" in text.stdout


def test_eval_bad_windows_and_missing_files(tmp_path: Path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "a.csv", series_rows(10))
    bad = tmp_path / "w.json"
    bad.write_text("{not json")
    out = dorgu("anomaly", "eval", str(tmp_path / "data"), "--windows", str(bad))
    assert out.returncode == 3
    assert "w.json:1: not JSON" in out.stderr
    bad.write_text(json.dumps({"b.csv": []}))
    out = dorgu("anomaly", "eval", str(tmp_path / "data"), "--windows", str(bad))
    assert out.returncode == 3
    assert "'b.csv'" in out.stderr
    assert "Traceback" not in out.stderr


def test_detect_on_a_directory_is_bad_input(tmp_path: Path):
    out = dorgu("anomaly", "detect", str(tmp_path))
    assert out.returncode == 3
    assert "is a directory, expected a CSV file" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_eval_on_the_filesystem_root_refuses_without_walking_it(tmp_path: Path):
    windows = tmp_path / "w.json"
    windows.write_text(json.dumps({"realTweets/Twitter_volume_AAPL.csv": []}))
    out = subprocess.run([sys.executable, "-m", "dorgu.cli.main", "anomaly", "eval", "/",
                          "--windows", str(windows)],
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert out.returncode == 3
    assert "none of the 1 file(s) the windows name is there" in out.stderr
    assert "Traceback" not in out.stderr


def test_eval_refuses_names_that_leave_the_data_folder(tmp_path: Path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "outside.csv", series_rows(10))
    for name in ("../outside.csv", str(tmp_path / "outside.csv"), "notes.txt"):
        windows = tmp_path / "w.json"
        windows.write_text(json.dumps({name: []}))
        out = dorgu("anomaly", "eval", str(tmp_path / "data"), "--windows", str(windows))
        assert out.returncode == 3, name
        assert "expected a .csv path relative to the data folder" in out.stderr


def test_eval_warns_about_unlabelled_files_beside_the_named_ones(tmp_path: Path):
    data = tmp_path / "data" / "cat"
    data.mkdir(parents=True)
    write(data / "a.csv", series_rows(100))
    write(data / "extra.csv", series_rows(10))
    windows = tmp_path / "w.json"
    windows.write_text(json.dumps({"cat/a.csv": []}))
    out = dorgu("anomaly", "eval", str(tmp_path / "data"), "--windows", str(windows))
    assert out.returncode == 0, out.stderr
    assert "1 CSV file(s) have no entry in the windows and are skipped, first 'cat/extra.csv'" in (
        out.stderr
    )
