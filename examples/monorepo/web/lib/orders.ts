export interface Order {
  id: number;
  customer: string;
  amount_cents: number;
  currency: string;
  status: string;
  payment_id?: string;
  created_at: string;
}

const ORDERS_API_URL = process.env.ORDERS_API_URL ?? "http://orders:8080";

async function get<T>(path: string): Promise<T | null> {
  const res = await fetch(`${ORDERS_API_URL}${path}`, { cache: "no-store" });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`orders API returned ${res.status}`);
  return (await res.json()) as T;
}

export const listOrders = async () => (await get<Order[]>("/api/v1/orders")) ?? [];
export const getOrder = (id: string) => get<Order>(`/api/v1/orders/${encodeURIComponent(id)}`);

export function formatAmount(order: Order): string {
  return new Intl.NumberFormat("en", { style: "currency", currency: order.currency }).format(
    order.amount_cents / 100,
  );
}
