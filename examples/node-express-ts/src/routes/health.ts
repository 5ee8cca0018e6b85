import { Router } from "express";
import type { Redis } from "ioredis";

export function healthRouter(redis: Redis): Router {
  const router = Router();

  // Liveness: the event loop answers.
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Readiness: Redis answers PING.
  router.get("/ready", async (_req, res) => {
    try {
      await redis.ping();
      res.json({ status: "ok", redis: "up" });
    } catch {
      res.status(503).json({ status: "unavailable", redis: "down" });
    }
  });

  return router;
}
