const express = require("express");
const { createClient } = require("redis");

const app = express();
const port = Number(process.env.PORT || 3000);
const cache = createClient({ url: process.env.REDIS_URL });

app.get("/healthz", (req, res) => res.send("ok"));

app.get("/api/visits", async (req, res) => {
  const visits = await cache.incr("visits");
  res.json({ visits });
});

cache.connect().then(() => {
  app.listen(port, () => console.log(`api listening on ${port}`));
});
