"""Payments service: records charges for orders; honours Idempotency-Key so retries do not double-charge."""

import os
import threading
import uuid
from datetime import datetime, timezone

from flask import Flask, abort, request

PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
CURRENCIES = {c.strip() for c in os.environ.get("ACCEPTED_CURRENCIES", "EUR,USD,GBP").split(",")}

app = Flask(__name__)
_lock = threading.Lock()
_payments: dict[str, dict] = {}
_by_idempotency_key: dict[str, str] = {}


@app.get("/healthz")
def healthz():
    return {"status": "ok", "provider": PROVIDER}


@app.post("/payments")
def create_payment():
    body = request.get_json(silent=True) or {}
    amount, currency, order_id = body.get("amount_cents"), body.get("currency", "EUR"), body.get("order_id")
    if not isinstance(amount, int) or amount <= 0 or order_id is None:
        abort(400, description='body must be {"order_id": ..., "amount_cents": int > 0, "currency": "EUR"}')
    if currency not in CURRENCIES:
        abort(422, description=f"currency must be one of {sorted(CURRENCIES)}")
    key = request.headers.get("Idempotency-Key")
    with _lock:
        if key and key in _by_idempotency_key:
            return _payments[_by_idempotency_key[key]], 200
        payment = {
            "id": f"pay_{uuid.uuid4().hex[:16]}",
            "order_id": order_id,
            "amount_cents": amount,
            "currency": currency,
            "status": "captured",
            "provider": PROVIDER,
            "created_at": datetime.now(timezone.utc).isoformat(),
        }
        _payments[payment["id"]] = payment
        if key:
            _by_idempotency_key[key] = payment["id"]
    return payment, 201, {"Location": f"/payments/{payment['id']}"}


@app.get("/payments/<payment_id>")
def get_payment(payment_id: str):
    payment = _payments.get(payment_id)
    if payment is None:
        abort(404, description="payment not found")
    return payment


@app.post("/payments/<payment_id>/refund")
def refund_payment(payment_id: str):
    with _lock:
        payment = _payments.get(payment_id)
        if payment is None:
            abort(404, description="payment not found")
        if payment["status"] == "refunded":
            abort(409, description="payment already refunded")
        payment["status"] = "refunded"
    return payment


@app.errorhandler(400)
@app.errorhandler(404)
@app.errorhandler(409)
@app.errorhandler(422)
def json_error(err):
    return {"error": err.description}, err.code
