"""The checkout service: turns a cart into an order."""

import os

import psycopg
import redis
import requests
from flask import Flask, jsonify

app = Flask(__name__)
CART = f"http://{os.environ.get('CART_HOST', 'cart')}:{os.environ.get('CART_PORT', '7070')}"


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/api/orders")
def place_order():
    items = requests.get(f"{CART}/carts/anonymous", timeout=5).json()
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute("INSERT INTO orders (items) VALUES (%s)", (len(items),))
    redis.Redis.from_url(os.environ["REDIS_URL"]).incr("orders")
    return jsonify(items=len(items)), 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("CHECKOUT_PORT", "5050")))
