import Link from "next/link";
import { formatAmount, listOrders, type Order } from "@/lib/orders";

export const dynamic = "force-dynamic";

export default async function OrdersPage() {
  let orders: Order[] = [];
  let error: string | null = null;
  try {
    orders = await listOrders();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }

  return (
    <main>
      <h1>Orders</h1>
      {error && <p role="alert">Orders are unavailable: {error}</p>}
      {!error && orders.length === 0 && <p>No orders yet.</p>}
      {orders.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Customer</th>
              <th>Amount</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id}>
                <td>
                  <Link href={`/orders/${order.id}`}>{order.id}</Link>
                </td>
                <td>{order.customer}</td>
                <td>{formatAmount(order)}</td>
                <td>{order.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
