"""Runtime configuration, read once from environment variables."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    port: int
    database_url: str
    db_pool_max_size: int
    log_level: str


def load_settings() -> Settings:
    return Settings(
        port=int(os.environ.get("PORT", "8000")),
        database_url=os.environ.get(
            "DATABASE_URL", "postgresql://catalog@localhost:5432/catalog"
        ),
        db_pool_max_size=int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
        log_level=os.environ.get("LOG_LEVEL", "info"),
    )
