"""The effective listen port: how the code computes it, and what it evaluates to.

Language analysers capture a port *expression* (``ListenExpr``: the variables it reads, its
default, the shape of the value); ``evaluating`` evaluates it against the environment the
container really gets (``RuntimeEnv``: Dockerfile ``ENV``, compose ``env_file`` and
``environment``, ``.dorgu.yaml`` ``env``); ``commands`` reads port flags of the effective start
command; ``conventions`` holds the variables frameworks read on their own (``ASPNETCORE_URLS``,
``SERVER_PORT``, ``PORT``); ``choosing`` decides the component's ports with evidence.

Must not: open files, read the process environment, print, or raise.
"""
