"""The command line: the only layer that imports click or prints.

Commands are registered by name in ``main.COMMANDS`` and imported only when invoked, so
``dorgu --help`` stays fast.
"""
