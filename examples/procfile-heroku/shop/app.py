import os

import psycopg
from flask import Flask, jsonify, request
from redis import Redis
from rq import Queue

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
queue = Queue("orders", connection=Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0")))


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/readyz")
def readyz():
    with psycopg.connect(DATABASE_URL, connect_timeout=2) as conn:
        conn.execute("SELECT 1")
    return {"status": "ready"}


@app.get("/api/orders/<int:order_id>")
def get_order(order_id: int):
    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute("SELECT id, status FROM orders WHERE id = %s", (order_id,)).fetchone()
    if row is None:
        return jsonify(error="not found"), 404
    return {"id": row[0], "status": row[1]}


@app.post("/api/orders")
def create_order():
    payload = request.get_json(force=True)
    with psycopg.connect(DATABASE_URL) as conn:
        order_id = conn.execute(
            "INSERT INTO orders (status, items) VALUES ('new', %s) RETURNING id",
            (psycopg.types.json.Jsonb(payload.get("items", [])),),
        ).fetchone()[0]
    queue.enqueue("shop.worker.confirm", order_id)
    return {"id": order_id}, 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)))
