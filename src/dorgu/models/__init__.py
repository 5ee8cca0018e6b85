"""Data types shared by every layer.  Stdlib and pydantic only: no I/O, no environment reads."""
