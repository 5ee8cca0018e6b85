const express = require("express");
const { Pool } = require("pg");

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const app = express();
app.use(express.json());

app.get("/livez", (req, res) => res.json({ status: "ok" }));

app.get("/readyz", async (req, res) => {
  try {
    await pool.query("SELECT 1");
    res.json({ status: "ready" });
  } catch (err) {
    res.status(503).json({ status: "unavailable" });
  }
});

app.get("/notes", async (req, res) => {
  const { rows } = await pool.query("SELECT id, title FROM notes ORDER BY id LIMIT 50");
  res.json(rows);
});

app.post("/notes", async (req, res) => {
  const { rows } = await pool.query(
    "INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id",
    [req.body.title, req.body.body],
  );
  res.status(201).json(rows[0]);
});

app.get("/notes/:id", async (req, res) => {
  const { rows } = await pool.query("SELECT * FROM notes WHERE id = $1", [req.params.id]);
  if (rows.length === 0) return res.status(404).end();
  res.json(rows[0]);
});

const port = process.env.PORT || 3000;
app.listen(port, () => console.log(`notes-api listening on ${port}`));
