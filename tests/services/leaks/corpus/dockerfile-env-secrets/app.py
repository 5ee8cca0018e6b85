import os

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


def ping(password):
    return password == os.environ["DB_PASSWORD"]
