"""Learning from observed behaviour: pure functions and bounded streaming state over metric
series (anomaly detection today; baselines and right-sizing recommendations later).

Must not: open files, read the environment, talk to the network or a cluster, or print.  The
CLI and services read series and hand values in; results come back as plain data.
"""
