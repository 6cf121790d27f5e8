import { describe, expect, it } from 'vitest';
import { deliverDueAlerts, webhookBody } from '@/lib/alerts/delivery';
import type { AlertStore, StoredAlert } from '@/lib/alerts/store';
import type { AlertRecord, Delivery } from '@/lib/alerts/types';

const record: AlertRecord = {
  id: 'alert_1',
  at: 1_000,
  ledger: { kind: 'user', id: 'ada' },
  userId: 'ada',
  limit: 'tokensPerDay',
  threshold: 50,
  used: 600,
  limitValue: 1000,
  unit: 'tokens',
  period: { kind: 'day', key: '1970-01-01', start: 0, end: 86_400_000 },
};

/** The outbox as the Redis store keeps it: claims move an entry's due time a lease ahead. */
function memoryStore(maxAttempts: number): AlertStore & { delivery(): Delivery } {
  let delivery: Delivery = {
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 1_000,
    destination: {
      webhookUrl: 'https://hooks.example/a',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      maxAttempts,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
    },
  };
  let dueAt: number | undefined = 1_000;
  return {
    delivery: () => delivery,
    async fire() {
      return { fired: [], due: false };
    },
    async claimDue(now, leaseMs) {
      if (dueAt === undefined || dueAt > now) return [];
      dueAt = now + leaseMs;
      return [{ record, delivery } satisfies StoredAlert];
    },
    async nextDueAt() {
      return dueAt;
    },
    async saveDelivery(_id, next) {
      delivery = next;
      dueAt = next.status === 'pending' ? next.nextAttemptAt : undefined;
    },
    async list() {
      return [];
    },
  };
}

/** A clock that only moves when the deliverer sleeps. */
function clock(start = 1_000) {
  let time = start;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
}

function receiver(statuses: number[]) {
  const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const send = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string>, body: String(init.body) });
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)] as number;
    return new Response(null, { status });
  }) as typeof fetch;
  return { calls, send };
}

describe('alert delivery', () => {
  it('retries a failed delivery with the same webhook-id and body, then marks it delivered', async () => {
    const store = memoryStore(5);
    const { calls, send } = receiver([500, 503, 200]);
    const time = clock();
    const { attempted } = await deliverDueAlerts({ store, fetch: send, ...time, windowMs: 10_000 });

    expect(attempted).toBe(3);
    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([
      'alert_1',
      'alert_1',
      'alert_1',
    ]);
    expect(new Set(calls.map((call) => call.body))).toEqual(new Set([webhookBody(record)]));
    // Backoff 100 ms then 200 ms: each attempt is timestamped (and signed) when it is made.
    expect(time.now()).toBe(1_300);
    expect(store.delivery()).toMatchObject({
      status: 'delivered',
      attempts: 3,
      deliveredAt: 1_300,
      lastError: 'HTTP 503',
    });
    expect(store.delivery()).not.toHaveProperty('destination');
  });

  it('gives up after maxAttempts and keeps the last error', async () => {
    const store = memoryStore(2);
    const { calls, send } = receiver([500]);
    await deliverDueAlerts({ store, fetch: send, ...clock(), windowMs: 10_000 });
    expect(calls).toHaveLength(2);
    expect(store.delivery()).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'HTTP 500',
    });
    expect(await store.nextDueAt()).toBeUndefined();
  });

  it('counts a network error as a failure, and leaves a retry beyond its window in the outbox', async () => {
    const store = memoryStore(5);
    const send = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await deliverDueAlerts({ store, fetch: send, ...clock(), windowMs: 50 });
    expect(store.delivery()).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'fetch failed',
      nextAttemptAt: 1_100,
    });
    expect(await store.nextDueAt()).toBe(1_100);
  });

  it('treats a redirect as a failure instead of following it', async () => {
    const store = memoryStore(1);
    const { send } = receiver([307]);
    await deliverDueAlerts({ store, fetch: send, ...clock(), windowMs: 0 });
    expect(store.delivery()).toMatchObject({ status: 'failed', lastError: 'HTTP 307' });
  });
});
