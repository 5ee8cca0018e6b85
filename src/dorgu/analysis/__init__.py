"""Application analysis: pure functions from file texts to the application model.

Must not: open files, walk directories, read the environment, or print.  The services layer
reads the tree (bounded, symlink-safe) and hands texts in as a ``SourceTree``.
"""
