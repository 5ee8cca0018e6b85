const fastify = require('fastify')({ logger: true });
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

fastify.get('/healthz', async () => ({ ok: true }));

fastify.get('/api/products', async () => {
  const { rows } = await pool.query('SELECT id, name, price FROM products');
  return rows;
});

fastify.get('/api/products/:id', async (request) => {
  const { rows } = await pool.query('SELECT * FROM products WHERE id = $1', [request.params.id]);
  return rows[0];
});

fastify.post('/api/orders', async (request, reply) => {
  reply.code(201);
  return { id: 'ord_1', ...request.body };
});

fastify.listen({ port: 3000, host: '0.0.0.0' });
