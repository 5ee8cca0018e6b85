"""Order service."""
