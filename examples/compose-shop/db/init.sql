-- Schema and seed data for local development; runs once when the volume is empty.
CREATE TABLE products (
    id          SERIAL PRIMARY KEY,
    sku         TEXT UNIQUE NOT NULL,
    name        TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    stock       INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0)
);

CREATE TABLE orders (
    id           SERIAL PRIMARY KEY,
    product_id   INTEGER NOT NULL REFERENCES products (id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    email        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_at TIMESTAMPTZ
);

INSERT INTO products (sku, name, price_cents, stock) VALUES
    ('MUG-01', 'Enamel mug', 1200, 40),
    ('TEE-01', 'Cotton T-shirt', 2500, 25),
    ('CAP-01', 'Baseball cap', 1800, 10);
