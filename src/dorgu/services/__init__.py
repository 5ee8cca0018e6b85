"""Orchestration: the layer that reads files, calls the pure core and adapters.  Never prints."""
