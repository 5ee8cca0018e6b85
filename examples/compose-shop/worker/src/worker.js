// Confirms orders queued by the API: BLPOP from Redis, UPDATE in Postgres.
// Serves /healthz and /metrics on HEALTH_PORT for probes and scraping.
import http from "node:http";
import { Redis } from "ioredis";
import pg from "pg";

const config = {
  databaseUrl: process.env.DATABASE_URL ?? "postgresql://shop@localhost:5432/shop",
  redisUrl: process.env.REDIS_URL ?? "redis://localhost:6379/0",
  queue: process.env.ORDER_QUEUE ?? "orders:confirm",
  healthPort: Number(process.env.HEALTH_PORT ?? 9100),
};

const db = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const stats = { confirmed: 0, failed: 0, lastJobAt: 0 };
let running = true;

async function confirm(orderId) {
  const { rowCount } = await db.query(
    "UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE id = $1 AND status = 'pending'",
    [orderId],
  );
  return rowCount === 1;
}

async function loop() {
  while (running) {
    const item = await redis.blpop(config.queue, 5);
    if (!item) continue;
    stats.lastJobAt = Date.now();
    try {
      const { order_id: orderId } = JSON.parse(item[1]);
      if (await confirm(orderId)) {
        stats.confirmed += 1;
        console.log(`order ${orderId} confirmed`);
      }
    } catch (err) {
      stats.failed += 1;
      console.error(`job failed: ${err.message}`);
    }
  }
}

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", redis: redis.status }));
  } else if (req.url === "/metrics") {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(
      [
        "# TYPE shop_worker_orders_confirmed_total counter",
        `shop_worker_orders_confirmed_total ${stats.confirmed}`,
        "# TYPE shop_worker_jobs_failed_total counter",
        `shop_worker_jobs_failed_total ${stats.failed}`,
        "",
      ].join("\n"),
    );
  } else {
    res.writeHead(404).end();
  }
});

server.listen(config.healthPort, () => console.log(`worker health on :${config.healthPort}`));

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    running = false;
    server.close();
    redis.disconnect();
    db.end().finally(() => process.exit(0));
  });
}

loop().catch((err) => {
  if (running) {
    console.error(err);
    process.exit(1);
  }
});
