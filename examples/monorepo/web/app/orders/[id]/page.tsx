import Link from "next/link";
import { notFound } from "next/navigation";
import { formatAmount, getOrder } from "@/lib/orders";

export const dynamic = "force-dynamic";

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const order = await getOrder(id);
  if (!order) notFound();

  return (
    <main>
      <p>
        <Link href="/">All orders</Link>
      </p>
      <h1>Order {order.id}</h1>
      <dl>
        <dt>Customer</dt>
        <dd>{order.customer}</dd>
        <dt>Amount</dt>
        <dd>{formatAmount(order)}</dd>
        <dt>Status</dt>
        <dd>{order.status}</dd>
        {order.payment_id && (
          <>
            <dt>Payment</dt>
            <dd>{order.payment_id}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{new Date(order.created_at).toLocaleString("en")}</dd>
      </dl>
    </main>
  );
}
