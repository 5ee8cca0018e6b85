import os

import psycopg

DATABASE_URL = os.environ["DATABASE_URL"]


def confirm(order_id: int) -> None:
    """Run by `rq worker orders` for every new order."""
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("UPDATE orders SET status = 'confirmed' WHERE id = %s", (order_id,))
