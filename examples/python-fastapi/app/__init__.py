"""Catalog API: a small FastAPI service backed by PostgreSQL."""
