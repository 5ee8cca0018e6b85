"""Shop API: products and orders; new orders are queued in Redis for the worker to confirm."""

import json
import logging
import os

import psycopg
import redis
from flask import Flask, abort, jsonify, request
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://shop@localhost:5432/shop")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
ORDER_QUEUE = os.environ.get("ORDER_QUEUE", "orders:confirm")

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper())

app = Flask(__name__)
# open=True connects in the background: the app starts even while the database is still coming up.
pool = ConnectionPool(DATABASE_URL, min_size=1, max_size=5, open=True, kwargs={"row_factory": dict_row})
queue = redis.Redis.from_url(REDIS_URL)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/readyz")
def readyz():
    checks = {}
    try:
        with pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")
        checks["database"] = "up"
    except (psycopg.Error, TimeoutError):
        checks["database"] = "down"
    try:
        queue.ping()
        checks["redis"] = "up"
    except redis.RedisError:
        checks["redis"] = "down"
    ok = all(v == "up" for v in checks.values())
    return {"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503


@app.get("/api/products")
def list_products():
    with pool.connection() as conn:
        rows = conn.execute("SELECT id, sku, name, price_cents, stock FROM products ORDER BY id").fetchall()
    return jsonify(rows)


@app.get("/api/products/<int:product_id>")
def get_product(product_id: int):
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, sku, name, price_cents, stock FROM products WHERE id = %s", (product_id,)
        ).fetchone()
    if row is None:
        abort(404, description="product not found")
    return row


@app.post("/api/orders")
def create_order():
    body = request.get_json(silent=True) or {}
    product_id, quantity, email = body.get("product_id"), body.get("quantity", 1), body.get("email")
    if not isinstance(product_id, int) or not isinstance(quantity, int) or quantity < 1 or not email:
        abort(400, description='body must be {"product_id": int, "quantity": int >= 1, "email": str}')
    with pool.connection() as conn:
        updated = conn.execute(
            "UPDATE products SET stock = stock - %s WHERE id = %s AND stock >= %s RETURNING id",
            (quantity, product_id, quantity),
        ).fetchone()
        if updated is None:
            abort(409, description="unknown product or not enough stock")
        order = conn.execute(
            "INSERT INTO orders (product_id, quantity, email) VALUES (%s, %s, %s) "
            "RETURNING id, product_id, quantity, email, status, created_at",
            (product_id, quantity, email),
        ).fetchone()
    queue.rpush(ORDER_QUEUE, json.dumps({"order_id": order["id"]}))
    return order, 201, {"Location": f"/api/orders/{order['id']}"}


@app.get("/api/orders/<int:order_id>")
def get_order(order_id: int):
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, product_id, quantity, email, status, created_at, confirmed_at "
            "FROM orders WHERE id = %s",
            (order_id,),
        ).fetchone()
    if row is None:
        abort(404, description="order not found")
    return row


@app.errorhandler(400)
@app.errorhandler(404)
@app.errorhandler(409)
def json_error(err):
    return {"error": err.description}, err.code
