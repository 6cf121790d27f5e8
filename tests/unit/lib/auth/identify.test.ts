import type { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { identify } from '@/lib/auth/identify';
import {
  adminTokenDigest,
  type SessionPayload,
  sessionCookieName,
  signSession,
  verifySession,
} from '@/lib/auth/session';
import { loadConfig } from '@/lib/config/load';
import { redisKeys } from '@/lib/limits/keys';

const sessionSecret = 'unit-test-session-secret-0123456789abcdef';
const adminToken = 'unit-test-admin-token-0123456789';
const day = 86_400_000;
const now = Date.UTC(2026, 11, 1);

function configWith(token: string | undefined) {
  return loadConfig({ SESSION_SECRET: sessionSecret, ADMIN_TOKEN: token });
}

/** The two reads identify makes of a session, over a set of existing keys. */
function fakeRedis(existing: string[] = []) {
  const keys = new Set(existing);
  return {
    exists: async (key: string) => (keys.has(key) ? 1 : 0),
    hexists: async () => 1,
  } as unknown as Redis;
}

async function requestWithSession(payload: Partial<SessionPayload>) {
  const cookie = await signSession(
    { sessionId: 'sid-1', userId: 'guest_1', plan: 'guest', issuedAt: now - day, ...payload },
    sessionSecret,
  );
  return new Request('http://tollgate.test/api/session', {
    headers: { cookie: `${sessionCookieName}=${cookie}` },
  });
}

async function requestWithAdminSession(signedInWith: string) {
  return requestWithSession({
    userId: 'admin',
    plan: 'admin',
    adminTokenDigest: await adminTokenDigest(signedInWith),
  });
}

describe('admin sessions', () => {
  it('a session signed in with the admin token is the administrator', async () => {
    const { identity } = await identify(
      await requestWithAdminSession(adminToken),
      configWith(adminToken),
      fakeRedis(),
      { now },
    );
    expect(identity).toEqual({
      userId: 'admin',
      plan: 'admin',
      admin: true,
      kind: 'admin-token',
      sessionId: 'sid-1',
    });
  });

  it('rotating or removing the admin token ends such sessions', async () => {
    const request = await requestWithAdminSession(adminToken);
    await expect(
      identify(request, configWith(`${adminToken}-rotated`), fakeRedis(), { now }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(
      identify(await requestWithAdminSession(adminToken), configWith(undefined), fakeRedis(), {
        now,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('session lifetime', () => {
  const config = configWith(adminToken);

  it('refuses a session issued at 0, in the future, or unused for longer than the max age', async () => {
    for (const payload of [
      { issuedAt: 0 },
      { issuedAt: now + day },
      { issuedAt: now - 31 * day },
      { issuedAt: now - 60 * day, renewedAt: now - 31 * day },
      { sessionId: '' },
    ]) {
      const { identity } = await identify(await requestWithSession(payload), config, fakeRedis(), {
        now,
      });
      expect(identity, JSON.stringify(payload)).toBeUndefined();
    }
  });

  it('slides: a session in use is renewed, and a renewed one lives on past its first max age', async () => {
    const used = await identify(
      await requestWithSession({ issuedAt: now - 29 * day }),
      config,
      fakeRedis(),
      { now },
    );
    expect(used.identity?.userId).toBe('guest_1');
    const renewed = await verifySession(used.renewedSession ?? '', sessionSecret);
    expect(renewed).toMatchObject({ sessionId: 'sid-1', renewedAt: now });

    const old = await requestWithSession({ issuedAt: now - 60 * day, renewedAt: now - 2 * day });
    expect((await identify(old, config, fakeRedis(), { now })).identity?.userId).toBe('guest_1');

    const fresh = await identify(
      await requestWithSession({ issuedAt: now - 1000 }),
      config,
      fakeRedis(),
      {
        now,
      },
    );
    expect(fresh.renewedSession).toBeUndefined();
  });

  it('a signed-out session is no identity, unless admission checks it (chat)', async () => {
    const revoked = fakeRedis([redisKeys.revokedSession('sid-1')]);
    const request = await requestWithSession({});
    expect((await identify(request, config, revoked, { now })).identity).toBeUndefined();
    const chat = await identify(request, config, undefined, {
      now,
      keyCheckedByAdmission: { get: () => undefined, set: () => {} },
    });
    expect(chat.identity).toMatchObject({ userId: 'guest_1', sessionId: 'sid-1', kind: 'guest' });
  });

  it('ignores the cookie where sessions are not accepted', async () => {
    const { identity } = await identify(await requestWithSession({}), config, fakeRedis(), {
      now,
      acceptSessionCookie: false,
    });
    expect(identity).toBeUndefined();
  });
});

describe('key policy on the identity', () => {
  const config = configWith(adminToken);
  const key = `tg_${'k'.repeat(40)}`;
  const record = {
    id: 'key_1',
    userId: 'alice',
    plan: 'free',
    name: 'a key',
    createdAt: new Date(now - day).toISOString(),
    teamId: 'team-a',
    allowedModels: ['openai/*'],
    limits: { spendPerDayUsd: 1 },
  };
  /** A store holding one secret (and its key's entry) for `stored`. */
  const storeWith = (stored: object) =>
    ({
      hgetall: async () => ({ key_1: stored }),
      get: async () => null,
      hget: async () => ({ ...stored, hash: 'h' }),
      exists: async () => 0,
    }) as unknown as Redis;
  const keyRequest = () =>
    new Request('http://tollgate.test/api/usage', { headers: { authorization: `Bearer ${key}` } });

  it("a key's team, limits and allowed models come from its record", async () => {
    const { identity } = await identify(keyRequest(), config, storeWith(record), { now });
    expect(identity).toMatchObject({
      userId: 'alice',
      kind: 'api-key',
      keyId: 'key_1',
      teamId: 'team-a',
      keyLimits: { spendPerDayUsd: 1 },
      allowedModels: ['openai/*'],
    });
    expect(identity?.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an expired key is a 401 key_expired, from a cached record too (no store asked)', async () => {
    const expired = { ...record, expiresAt: new Date(now - 1).toISOString() };
    await expect(identify(keyRequest(), config, storeWith(expired), { now })).rejects.toMatchObject(
      { code: 'key_expired' },
    );
    const cache = { get: () => expired, set: () => {} };
    await expect(
      identify(keyRequest(), config, {} as Redis, { now, keyCheckedByAdmission: cache }),
    ).rejects.toMatchObject({ code: 'key_expired' });
  });

  it("a rotated key's old secret is a 401 invalid_api_key once its grace ends, cached or not", async () => {
    const old = { ...record, secretExpiresAt: now };
    const during = await identify(keyRequest(), config, storeWith(old), { now: now - 1 });
    expect(during.identity?.keyId).toBe('key_1');
    await expect(identify(keyRequest(), config, storeWith(old), { now })).rejects.toMatchObject({
      code: 'invalid_api_key',
    });
    const cache = { get: () => old, set: () => {} };
    await expect(
      identify(keyRequest(), config, {} as Redis, { now, keyCheckedByAdmission: cache }),
    ).rejects.toMatchObject({ code: 'invalid_api_key' });
  });

  it("a session signed in with a key gets the key's policy, and its expiry", async () => {
    const session = () => requestWithSession({ userId: 'alice', plan: 'free', keyId: 'key_1' });
    const { identity } = await identify(await session(), config, storeWith(record), { now });
    expect(identity).toMatchObject({
      kind: 'session',
      keyId: 'key_1',
      teamId: 'team-a',
      allowedModels: ['openai/*'],
      keyLimits: { spendPerDayUsd: 1 },
    });
    const expired = { ...record, expiresAt: new Date(now).toISOString() };
    await expect(
      identify(await session(), config, storeWith(expired), { now }),
    ).rejects.toMatchObject({ code: 'key_expired' });
    const chat = await identify(await session(), config, {} as Redis, {
      now,
      keyCheckedByAdmission: { get: () => record, set: () => {} },
    });
    expect(chat.identity?.allowedModels).toEqual(['openai/*']);
  });
});
