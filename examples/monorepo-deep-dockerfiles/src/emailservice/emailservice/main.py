"""Sends order confirmation e-mails."""

import os

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="emailservice")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/confirmations")
def send_confirmation(order_id: str) -> dict[str, str]:
    return {"queued": order_id}


def run() -> None:
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8085")))
