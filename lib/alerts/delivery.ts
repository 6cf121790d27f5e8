import { webhookHeaders } from './signature';
import type { AlertStore, StoredAlert } from './store';
import { backoffMs } from './thresholds';
import type { AlertRecord, Delivery } from './types';

/** The webhook's event type. */
export const alertEventType = 'budget.threshold_reached';

export interface DeliveryContext {
  store: AlertStore;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long one deliverer keeps retrying in process before leaving the rest to a sweep. Default: 20000 ms. */
  windowMs?: number;
  /** One attempt gives up after this. Default: 10000 ms. */
  timeoutMs?: number;
}

/** A claimed delivery is left to its claimer this long, then any sweep may take it again. */
const leaseMs = 60_000;
const batchSize = 20;

/** The body of every attempt of an alert: the same bytes each time (only the timestamp header moves). */
export function webhookBody(record: AlertRecord): string {
  return JSON.stringify({
    type: alertEventType,
    timestamp: new Date(record.at).toISOString(),
    data: record,
  });
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}

/** One attempt: POST, signed; a 2xx delivers, anything else (or no answer) schedules a retry. */
async function attemptDelivery(
  { record, delivery }: StoredAlert,
  { store, fetch: send, now, timeoutMs }: Required<Omit<DeliveryContext, 'sleep' | 'windowMs'>>,
): Promise<Delivery> {
  const { destination } = delivery;
  if (!destination) {
    const failed: Delivery = {
      status: 'failed',
      attempts: delivery.attempts,
      lastError: 'no destination',
    };
    await store.saveDelivery(record.id, failed);
    return failed;
  }
  const body = webhookBody(record);
  let failure: string | undefined;
  try {
    const headers = await webhookHeaders(destination.secret, {
      id: record.id,
      timestampSeconds: Math.floor(now() / 1000),
      body,
    });
    const response = await send(destination.webhookUrl, {
      method: 'POST',
      headers,
      body,
      // A redirect is a failure, never followed: the gateway posts only where the config says.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) failure = `HTTP ${response.status}`;
  } catch (error) {
    failure = describeFailure(error);
  }
  const attempts = delivery.attempts + 1;
  const at = now();
  const next: Delivery =
    failure === undefined
      ? {
          status: 'delivered',
          attempts,
          lastError: delivery.lastError,
          deliveredAt: at,
        }
      : attempts >= destination.maxAttempts
        ? { status: 'failed', attempts, lastError: failure }
        : {
            status: 'pending',
            attempts,
            lastError: failure,
            nextAttemptAt: at + backoffMs(attempts, destination),
            destination,
          };
  await store.saveDelivery(record.id, next);
  if (next.status === 'failed') {
    console.warn(
      JSON.stringify({ event: 'tollgate.alert_failed', id: record.id, attempts, error: failure }),
    );
  }
  return next;
}

/**
 * Delivers every due alert, and keeps retrying the ones that fail while their next attempt
 * falls within `windowMs`; what is left waits in the outbox for the next sweep (a settlement,
 * or the cron route). Each delivery is claimed first, so concurrent deliverers never send the
 * same attempt twice.
 */
export async function deliverDueAlerts({
  store,
  fetch: send = fetch,
  now = Date.now,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  windowMs = 20_000,
  timeoutMs = 10_000,
}: DeliveryContext): Promise<{ attempted: number }> {
  const deadline = now() + windowMs;
  let attempted = 0;
  for (;;) {
    const due = await store.claimDue(now(), leaseMs, batchSize);
    await Promise.all(
      due.map((alert) => attemptDelivery(alert, { store, fetch: send, now, timeoutMs })),
    );
    attempted += due.length;
    if (now() >= deadline) return { attempted };
    if (due.length === batchSize) continue;
    const next = await store.nextDueAt();
    if (next === undefined || next > deadline) return { attempted };
    await sleep(Math.max(0, next - now()));
  }
}
