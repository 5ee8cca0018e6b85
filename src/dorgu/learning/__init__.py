"""Learning from observed behaviour (layer 1): pure functions over metric data.  Today:
right-sizing recommendations (``rightsizing``).

Must not: open files, read the environment, talk to the network or a cluster, or print.  The
services read series and hand values in; results come back as plain data.
"""
