from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/search")
def search(q: str):
    return {"query": q, "hits": []}
