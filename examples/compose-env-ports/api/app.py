import os

import requests
from flask import Flask, jsonify

app = Flask(__name__)
CATALOG_URL = os.environ.get("CATALOG_URL", "http://localhost:9090")


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/api/orders/<int:order_id>")
def order(order_id):
    item = requests.get(f"{CATALOG_URL}/items/{order_id}", timeout=2).json()
    return jsonify(id=order_id, item=item)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("APP_PORT", 8080)))
