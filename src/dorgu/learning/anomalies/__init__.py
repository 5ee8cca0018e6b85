"""Streaming anomaly detection on metric series, and NAB-style scoring of a detector.

- ``series``: parse ``timestamp,value`` CSV text into a checked series (one-line errors naming
  the row).
- ``detecting``: the streaming detector; each sample gets a score in [0, 1] and a decision from
  the samples before it only, with bounded state per series.
- ``scoring``: the Numenta Anomaly Benchmark's scoring rules and event-wise precision/recall.

Must not: open files, read the environment, or print.
"""
