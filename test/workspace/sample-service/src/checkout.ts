import { outgoingHeaders, traced, tracerFor } from './tracing';
import { work } from './timing';

export const tracer = tracerFor('shop-frontend');

export class PaymentDeclinedError extends Error {
  constructor(readonly cardLast4: string) {
    super(`Card ending ${cardLast4} was declined`);
    this.name = 'PaymentDeclinedError';
  }
}

export async function validateCart(items: readonly string[]): Promise<void> {
  await traced(tracer, 'validateCart', 'checkout.validateCart', async (span) => {
    span.setAttribute('cart.items', items.length);
    await work(3);
  });
}

async function callInventory(inventoryPort: number, sku: string): Promise<void> {
  await traced(tracer, 'GET /reserve', 'checkout.callInventory', async (span) => {
    span.setAttribute('server.address', '127.0.0.1');
    span.setAttribute('server.port', inventoryPort);
    const response = await fetch(`http://127.0.0.1:${inventoryPort}/reserve?sku=${encodeURIComponent(sku)}&quantity=1`, { headers: outgoingHeaders() });
    span.setAttribute('http.response.status_code', response.status);
    if (!response.ok) throw new Error(`inventory answered ${response.status}: ${await response.text()}`);
  });
}

/** Charges the card; about one payment in six is declined, which the trace records. */
export async function chargeCard(amountCents: number): Promise<string> {
  return await traced(tracer, 'chargeCard', 'checkout.chargeCard', async (span) => {
    span.setAttribute('payment.amount_cents', amountCents);
    await work(25, 250, 0.15);
    if (Math.random() < 1 / 6) throw new PaymentDeclinedError('4242');
    return `ch_${Math.random().toString(16).slice(2, 10)}`;
  });
}

export async function checkout(inventoryPort: number, items: readonly string[]): Promise<string> {
  return await traced(tracer, 'checkout', 'checkout.checkout', async () => {
    await validateCart(items);
    for (const sku of items) await callInventory(inventoryPort, sku);
    return await chargeCard(items.length * 1999);
  });
}
