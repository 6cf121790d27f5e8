import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '@/lib/tokens';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const question = [{ role: 'user' as const, content: 'How are my budgets?' }];
const inputTokens = estimatePromptTokens(question);
const outputTokens = 30;
/** What each request settles to: the upstream reports exactly the gateway's estimate. */
const requestTokens = inputTokens + outputTokens;
/** 20 requests use 80 % of it. */
const dailyBudget = 25 * requestTokens;
const secretBytes = randomBytes(32);
const secret = `whsec_${secretBytes.toString('base64')}`;
const cronSecret = 'integration-test-cron-secret-0123456789';
const fastRetry = { initialBackoffMs: 50, maxBackoffMs: 200 };

let upstream: OpenAIUpstream;
let receiver: WebhookReceiver;
let app: TestApp;
let keyAlerts: Record<string, unknown>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({
    promptTokens: inputTokens,
    completionTokens: outputTokens,
  });
  receiver = await startWebhookReceiver({
    '/ok': [200],
    '/flaky': [500, 200],
    '/down': [500],
  });
  const alerts = (path: string, extra: Record<string, unknown> = {}) => ({
    webhookUrl: `${receiver.url}${path}`,
    secret,
    ...extra,
  });
  keyAlerts = alerts('/key', { thresholds: [50], retry: fastRetry });
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: { 'test/model': { targets: [{ provider: 'upstream', model: 'm' }] } },
      plans: {
        alerted: {
          tokensPerDay: dailyBudget,
          alerts: alerts('/ok', { thresholds: [50, 75, 100], retry: fastRetry }),
        },
        flaky: {
          tokensPerDay: 10 * requestTokens,
          alerts: alerts('/flaky', { thresholds: [10], retry: fastRetry }),
        },
        down: {
          tokensPerMonth: 10 * requestTokens,
          alerts: alerts('/down', { thresholds: [10], retry: { ...fastRetry, maxAttempts: 3 } }),
        },
        // A member's own plan: no alerts, no budget; only their team's (or key's) fire.
        member: {},
        // Four requests, two from each of two members, use 80 % of it.
        crew: {
          tokensPerDay: 5 * requestTokens,
          alerts: alerts('/team', { thresholds: [50, 75, 100], retry: fastRetry }),
        },
      },
    },
    env: { CRON_SECRET: cronSecret },
  });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
  await upstream?.close();
});

function complete(key: string) {
  return new OpenAI({
    baseURL: `${app.url}/api/v1`,
    apiKey: key,
    maxRetries: 0,
  }).chat.completions.create({ model: 'test/model', messages: question, max_tokens: outputTokens });
}

interface AlertView {
  id: string;
  at: number;
  ledger: { kind: string; id: string };
  userId?: string;
  limit: string;
  threshold: number;
  used: number;
  limitValue: number;
  period: { kind: string; key: string; start: number; end: number };
  delivery: { status: string; attempts: number; lastError?: string };
}

async function alertsOf(token: string, query = ''): Promise<AlertView[]> {
  const response = await fetch(`${app.url}/api/alerts${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { alerts: AlertView[] }).alerts;
}

/** Polls GET /api/alerts until `predicate` holds; deliveries are asynchronous by design. */
async function waitForAlerts(
  token: string,
  predicate: (alerts: AlertView[]) => boolean,
  timeoutMs = 20_000,
): Promise<AlertView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alerts = await alertsOf(token);
    if (predicate(alerts)) return alerts;
    if (Date.now() > deadline) throw new Error(`alerts never matched: ${JSON.stringify(alerts)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Standard Webhooks check a receiver makes, computed independently with node:crypto. */
function verifies(delivery: ReceivedWebhook): boolean {
  const id = String(delivery.headers['webhook-id']);
  const timestamp = Number(delivery.headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = createHmac('sha256', secretBytes)
    .update(`${id}.${timestamp}.${delivery.body}`)
    .digest();
  return String(delivery.headers['webhook-signature'])
    .split(' ')
    .some((signature) => {
      const [version, value] = signature.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return (
        version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
      );
    });
}

function payloadOf(delivery: ReceivedWebhook) {
  return JSON.parse(delivery.body) as { type: string; timestamp: string; data: AlertView };
}

describe('spend alerts', () => {
  it('thresholds 50/75/100 % on a budget pushed to 80 % by 20 concurrent requests: exactly one delivery each for 50 and 75, none for 100; the signature verifies', async () => {
    const key = await app.createKey({ userId: 'alerted-user', plan: 'alerted' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => complete(key)));
    expect(answers.every((answer) => answer.usage?.total_tokens === requestTokens)).toBe(true);

    const alerts = await waitForAlerts(
      key,
      (list) => list.length >= 2 && list.every((alert) => alert.delivery.status === 'delivered'),
    );
    const fromUser = (entry: ReceivedWebhook) =>
      entry.path === '/ok' && payloadOf(entry).data.ledger.id === 'alerted-user';
    const deliveries = await receiver.waitFor((all) => all.filter(fromUser).length >= 2);
    const mine = deliveries.filter(fromUser);

    expect(mine.map((entry) => payloadOf(entry).data.threshold).sort()).toEqual([50, 75]);
    expect(alerts.map((alert) => alert.threshold).sort()).toEqual([50, 75]);
    expect(alerts.every((alert) => alert.delivery.attempts === 1)).toBe(true);
    for (const delivery of mine) {
      expect(verifies(delivery)).toBe(true);
      const { type, data } = payloadOf(delivery);
      expect(type).toBe('budget.threshold_reached');
      expect(delivery.headers['webhook-id']).toBe(data.id);
      expect(data).toMatchObject({
        ledger: { kind: 'user', id: 'alerted-user' },
        userId: 'alerted-user',
        limit: 'tokensPerDay',
        limitValue: dailyBudget,
        period: { kind: 'day', key: new Date().toISOString().slice(0, 10) },
      });
      expect(data.used * 100).toBeGreaterThanOrEqual(data.threshold * dailyBudget);
      expect(data.used).toBeLessThanOrEqual(20 * requestTokens);
    }
    // A tampered body no longer verifies: the check above is not vacuous.
    const first = mine[0] as ReceivedWebhook;
    expect(verifies({ ...first, body: first.body.replace('"threshold"', '"Threshold"') })).toBe(
      false,
    );
  });

  it('a receiver answering 500 gets the same delivery id again, and the alert shows it delivered on the second attempt', async () => {
    const key = await app.createKey({ userId: 'flaky-user', plan: 'flaky' });
    await complete(key);

    const deliveries = (
      await receiver.waitFor((all) => all.filter((entry) => entry.path === '/flaky').length >= 2)
    ).filter((entry) => entry.path === '/flaky');
    expect(deliveries).toHaveLength(2);
    const [firstTry, retry] = deliveries as [ReceivedWebhook, ReceivedWebhook];
    expect(retry.headers['webhook-id']).toBe(firstTry.headers['webhook-id']);
    expect(retry.body).toBe(firstTry.body);
    expect(verifies(firstTry) && verifies(retry)).toBe(true);

    const [alert] = await waitForAlerts(key, (list) => list[0]?.delivery.status === 'delivered');
    expect(alert?.id).toBe(firstTry.headers['webhook-id']);
    expect(alert?.delivery).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastError: 'HTTP 500',
    });
  });

  it('a delivery that keeps failing is given up after maxAttempts and shown as failed', async () => {
    const key = await app.createKey({ userId: 'down-user', plan: 'down' });
    await complete(key);

    const [alert] = await waitForAlerts(key, (list) => list[0]?.delivery.status === 'failed');
    expect(alert?.delivery).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
    const attempts = receiver.received.filter((entry) => entry.path === '/down');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((entry) => entry.headers['webhook-id']))).toEqual(
      new Set([alert?.id]),
    );
  });

  it('a user sees only their own alerts, an administrator all of them, and no secret is shown', async () => {
    const key = await app.createKey({ userId: 'quiet-user', plan: 'alerted' });
    expect(await alertsOf(key)).toEqual([]);
    const all = await alertsOf(testAdminToken, '?limit=200');
    expect(new Set(all.map((alert) => alert.ledger.id))).toEqual(
      new Set(['alerted-user', 'flaky-user', 'down-user']),
    );
    expect(JSON.stringify(all)).not.toContain(secret);
    const newestFirst = all.map((alert) => alert.at);
    expect(newestFirst).toEqual([...newestFirst].sort((a, b) => b - a));

    const bad = await fetch(`${app.url}/api/alerts?limit=0`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('limit');
  });

  it('the cron sweep answers Vercel Cron and administrators only', async () => {
    const sweep = (token?: string) =>
      fetch(`${app.url}/api/cron/alerts`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await sweep()).status).toBe(401);
    const key = await app.createKey({ userId: 'cron-user', plan: 'alerted' });
    expect((await sweep(key)).status).toBe(403);
    const cron = await sweep(cronSecret);
    expect(cron.status).toBe(200);
    expect(await cron.json()).toEqual({ attempted: 0 });
    expect((await sweep(testAdminToken)).status).toBe(200);
  });
});

const adminHeaders = {
  authorization: `Bearer ${testAdminToken}`,
  'content-type': 'application/json',
};

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method,
    headers: adminHeaders,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('alerts on team and key ledgers', () => {
  it("a team's plan alerts: two members' requests (members by membership, not by key) push the team to 80 %: one delivery each for 50 and 75 naming the team, none for the members; both members see them, a user in no team does not", async () => {
    // A numeric id: Upstash parses a reply "4242" to a number; membership must still match.
    const teamId = '4242';
    expect(
      (await admin('POST', '/api/teams', { id: teamId, name: 'Crew', plan: 'crew' })).status,
    ).toBe(201);
    const members = ['crew-ann', 'crew-bob'];
    for (const userId of members) {
      expect((await admin('PUT', `/api/teams/${teamId}/members/${userId}`)).status).toBe(200);
    }
    const [ann, bob] = await Promise.all(
      members.map((userId) => app.createKey({ userId, plan: 'member' })),
    );
    const loner = await app.createKey({ userId: 'crew-loner', plan: 'crew' });
    await Promise.all([complete(ann as string), complete(bob as string)]);
    await Promise.all([complete(ann as string), complete(bob as string)]);

    const ofTeam = (entry: ReceivedWebhook) => entry.path === '/team';
    const deliveries = (await receiver.waitFor((all) => all.filter(ofTeam).length >= 2)).filter(
      ofTeam,
    );
    expect(deliveries.map((entry) => payloadOf(entry).data.threshold).sort()).toEqual([50, 75]);
    for (const delivery of deliveries) {
      expect(verifies(delivery)).toBe(true);
      const { data } = payloadOf(delivery);
      expect(data).toMatchObject({
        ledger: { kind: 'team', id: teamId },
        limit: 'tokensPerDay',
        limitValue: 5 * requestTokens,
      });
      expect(data.userId).toBeUndefined();
      expect(data.used).toBeGreaterThanOrEqual(3 * requestTokens);
    }

    for (const key of [ann as string, bob as string]) {
      const seen = await waitForAlerts(
        key,
        (list) => list.filter((alert) => alert.ledger.kind === 'team').length >= 2,
      );
      expect(seen.map((alert) => [alert.ledger.id, alert.threshold]).sort()).toEqual([
        [teamId, 50],
        [teamId, 75],
      ]);
    }
    expect(await alertsOf(loner)).toEqual([]);
  });

  it("a key's own limits carry alerts: POST /api/keys accepts them, the key's requests fire one delivery naming the key and its user; bad alerts are a 400 naming the field and create no key", async () => {
    const response = await admin('POST', '/api/keys', {
      userId: 'keyed-user',
      plan: 'member',
      limits: { tokensPerDay: 5 * requestTokens, alerts: keyAlerts },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; key: string };
    await Promise.all(Array.from({ length: 3 }, () => complete(created.key)));

    const ofKey = (entry: ReceivedWebhook) => entry.path === '/key';
    const [delivery, ...more] = (await receiver.waitFor((all) => all.some(ofKey))).filter(ofKey);
    expect(more).toEqual([]);
    expect(verifies(delivery as ReceivedWebhook)).toBe(true);
    expect(payloadOf(delivery as ReceivedWebhook).data).toMatchObject({
      ledger: { kind: 'key', id: created.id },
      userId: 'keyed-user',
      limit: 'tokensPerDay',
      threshold: 50,
      limitValue: 5 * requestTokens,
    });
    const [alert] = await waitForAlerts(created.key, (list) => list.length > 0);
    expect(alert?.ledger).toEqual({ kind: 'key', id: created.id });

    // The listing shows the key's alerts, never their signing secret.
    const listed = await (await admin('GET', '/api/keys')).text();
    expect(listed).toContain(keyAlerts.webhookUrl);
    expect(listed).not.toContain(keyAlerts.secret);

    const keyCount = async () =>
      ((await (await admin('GET', '/api/keys')).json()) as { keys: unknown[] }).keys.length;
    const keysBefore = await keyCount();
    const bad = await admin('POST', '/api/keys', {
      userId: 'keyed-user',
      limits: { tokensPerDay: 100, alerts: { ...keyAlerts, webhookUrl: 'ftp://hooks.example' } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: 'invalid_request',
      param: 'limits.alerts.webhookUrl',
    });
    expect(await keyCount()).toBe(keysBefore);
  });
});
