import os

import psycopg
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/api/products")
def products():
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute("select id, name from products").fetchall()
    return jsonify([{"id": r[0], "name": r[1]} for r in rows])
