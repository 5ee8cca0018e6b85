"""Release phase: create or upgrade the schema, then exit."""

import os

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id BIGSERIAL PRIMARY KEY,
    status TEXT NOT NULL,
    items JSONB NOT NULL DEFAULT '[]'
);
"""

if __name__ == "__main__":
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute(SCHEMA)
