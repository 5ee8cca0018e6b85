"""gRPC servers in every ecosystem: .proto parsing (``protos``), server code (``servers``),
per-component detection (``detecting``) and folding the result into a component (``applying``).

Must not: open files, read the environment, print, or raise.
"""
