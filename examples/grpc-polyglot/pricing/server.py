"""Pricing service: quotes prices for SKUs over gRPC (no health service registered)."""

import os
from concurrent import futures

import grpc
import redis

from pricing.v1 import pricing_pb2, pricing_pb2_grpc

CACHE = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://cache:6379/0"))


class PricingService(pricing_pb2_grpc.PricingServiceServicer):
    def Quote(self, request, context):
        cents = int(CACHE.get(f"price:{request.sku}") or 0)
        return pricing_pb2.QuoteResponse(amount_minor=cents * request.quantity, currency="EUR")

    def QuoteCart(self, request_iterator, context):
        total = sum(int(CACHE.get(f"price:{line.sku}") or 0) * line.quantity for line in request_iterator)
        return pricing_pb2.QuoteResponse(amount_minor=total, currency="EUR")


def serve() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    pricing_pb2_grpc.add_PricingServiceServicer_to_server(PricingService(), server)
    server.add_insecure_port("[::]:50052")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    serve()
