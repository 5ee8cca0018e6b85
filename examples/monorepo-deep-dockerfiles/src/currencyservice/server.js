const express = require("express");

const app = express();
const rates = { EUR: 1, USD: 1.08, JPY: 169.4 };

app.get("/healthz", (req, res) => res.sendStatus(200));
app.get("/rates", (req, res) => res.json(rates));
app.get("/convert/:from/:to", (req, res) => {
  const { from, to } = req.params;
  res.json({ rate: rates[to] / rates[from] });
});

app.listen(Number(process.env.PORT || 7000));
