// Applies migrations/*.sql in order, then exits (compose `migrate`, the Kubernetes Job).
const fs = require("fs");
const path = require("path");
const { Client } = require("pg");

async function main() {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const dir = path.join(__dirname, "..", "migrations");
  for (const file of fs.readdirSync(dir).sort()) {
    await client.query(fs.readFileSync(path.join(dir, file), "utf8"));
  }
  await client.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
