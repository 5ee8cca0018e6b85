const express = require("express");

const app = express();

app.get("/admin", (req, res) => res.json({ orders: 0 }));
app.get("/admin/healthz", (req, res) => res.send("ok"));

app.listen(3000, () => console.log("admin on 3000"));
