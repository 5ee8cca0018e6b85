"""Load profile for the shop: browse products, sometimes order."""

from locust import HttpUser, between, task


class Shopper(HttpUser):
    wait_time = between(1, 3)

    @task(5)
    def browse(self):
        self.client.get("/api/products")

    @task(1)
    def order(self):
        self.client.post("/api/orders", json={"product": "p-1", "quantity": 1})
