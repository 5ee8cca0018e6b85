"""HTTP routes of the catalog API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException, Query, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from pydantic import BaseModel, Field

from app.db import Database
from app.settings import load_settings

settings = load_settings()
db = Database(settings.database_url, settings.db_pool_max_size)

PRODUCTS_CREATED = Counter("catalog_products_created_total", "Products created")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await db.close()


app = FastAPI(title="catalog-api", version="1.0.0", lifespan=lifespan)


class ProductIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    price_cents: int = Field(ge=0)


class Product(ProductIn):
    id: int


@app.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: the process is up and serving requests."""
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
async def readyz(response: Response) -> dict[str, str]:
    """Readiness: the database answers."""
    if not await db.ping():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "down"}
    return {"status": "ok", "database": "up"}


@app.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.get("/products", response_model=list[Product])
async def list_products(
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
) -> list[dict]:
    return await db.list_products(limit, offset)


@app.get("/products/{product_id}", response_model=Product)
async def get_product(product_id: int) -> dict:
    product = await db.get_product(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return product


@app.post("/products", response_model=Product, status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductIn) -> dict:
    try:
        product = await db.create_product(body.sku, body.name, body.price_cents)
    except asyncpg.UniqueViolationError:
        raise HTTPException(status_code=409, detail="sku already exists") from None
    PRODUCTS_CREATED.inc()
    return product


@app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product(product_id: int) -> Response:
    if not await db.delete_product(product_id):
        raise HTTPException(status_code=404, detail="product not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
