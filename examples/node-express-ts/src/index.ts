import express from "express";
import { Redis } from "ioredis";
import { loadConfig } from "./config";
import { healthRouter } from "./routes/health";
import { linksRouter } from "./routes/links";
import { LinkStore } from "./store";

const config = loadConfig();
const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
redis.on("error", (err: Error) => console.error(`redis: ${err.message}`));
const store = new LinkStore(redis, config.linkTtlSeconds);

const app = express();
app.disable("x-powered-by");
app.use(express.json({ limit: "16kb" }));

app.use(healthRouter(redis));
app.use("/api/v1/links", linksRouter(store, config.publicBaseUrl));

app.get("/r/:code", async (req, res) => {
  const url = await store.hit(req.params.code);
  if (!url) {
    res.status(404).send("not found");
    return;
  }
  res.redirect(302, url);
});

app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  console.error(err);
  res.status(500).json({ error: "internal error" });
});

const server = app.listen(config.port, () => {
  console.log(`links-api listening on :${config.port}`);
});

function shutdown(signal: string): void {
  console.log(`${signal} received, shutting down`);
  server.close(() => {
    redis.quit().finally(() => process.exit(0));
  });
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
