"""Learning from observed behaviour (layer 1): pure functions and bounded streaming state over
metric series.  Today: right-sizing recommendations (``rightsizing``) and anomaly detection
(``anomalies``).

Must not: open files, read the environment, talk to the network or a cluster, or print.  The
CLI and services read series and hand values in; results come back as plain data.
"""
