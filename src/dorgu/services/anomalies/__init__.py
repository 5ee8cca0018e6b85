"""Live anomaly detection on Prometheus series (issue 13, "Live").

- ``queries``: which series a persona has (per container CPU, memory, restarts; HTTP request
  rate, error rate, latency when present) as PromQL, and reading them in bounded range queries;
- ``watching``: ``PersonaWatch`` keeps one ``SeriesWatch`` per series, rebuilt from a bounded
  range query on start, advanced by one range query per series group per tick; ``replay`` runs
  the same over a stretch of history;
- ``summaries``: the bounded ``status.anomalies`` of a persona from its findings.

Must not print, read settings or the environment, or talk to Kubernetes.
"""
