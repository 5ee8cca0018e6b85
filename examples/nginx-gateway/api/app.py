from fastapi import FastAPI

app = FastAPI()


@app.get("/api/products")
def products() -> list[dict[str, str]]:
    return [{"sku": "tea-01", "name": "Green tea"}]


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
