const express = require("express");

const app = express();
app.use(express.json());

app.get("/health", (req, res) => res.json({ status: "ok" }));

app.post("/notifications", (req, res) => {
  res.status(202).json({ queued: true });
});

const port = Number(process.env.HTTP_PORT) || 3000;
app.listen(port, () => console.log(`notifier listening on ${port}`));
