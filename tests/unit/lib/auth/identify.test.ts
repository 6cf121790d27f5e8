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
