"""Database access: one asyncpg pool, created lazily so the app starts without a database."""

import asyncio
from typing import Any

import asyncpg

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id          SERIAL PRIMARY KEY,
    sku         TEXT UNIQUE NOT NULL,
    name        TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
)
"""


class Database:
    def __init__(self, url: str, max_size: int) -> None:
        self._url = url
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> asyncpg.Pool:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._url, min_size=1, max_size=self._max_size, timeout=5
                )
                async with self._pool.acquire() as conn:
                    await conn.execute(SCHEMA)
            return self._pool

    async def ping(self) -> bool:
        try:
            pool = await self.pool()
            async with pool.acquire() as conn:
                return await conn.fetchval("SELECT 1") == 1
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def list_products(self, limit: int, offset: int) -> list[dict[str, Any]]:
        pool = await self.pool()
        rows = await pool.fetch(
            "SELECT id, sku, name, price_cents FROM products ORDER BY id LIMIT $1 OFFSET $2",
            limit,
            offset,
        )
        return [dict(row) for row in rows]

    async def get_product(self, product_id: int) -> dict[str, Any] | None:
        pool = await self.pool()
        row = await pool.fetchrow(
            "SELECT id, sku, name, price_cents FROM products WHERE id = $1", product_id
        )
        return dict(row) if row else None

    async def create_product(self, sku: str, name: str, price_cents: int) -> dict[str, Any]:
        pool = await self.pool()
        row = await pool.fetchrow(
            "INSERT INTO products (sku, name, price_cents) VALUES ($1, $2, $3) "
            "RETURNING id, sku, name, price_cents",
            sku,
            name,
            price_cents,
        )
        return dict(row)

    async def delete_product(self, product_id: int) -> bool:
        pool = await self.pool()
        status = await pool.execute("DELETE FROM products WHERE id = $1", product_id)
        return status.endswith(" 1")
