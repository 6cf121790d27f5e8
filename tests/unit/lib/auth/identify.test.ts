import { describe, expect, it } from 'vitest';
import { identify } from '@/lib/auth/identify';
import { adminTokenDigest, sessionCookieName, signSession } from '@/lib/auth/session';
import { loadConfig } from '@/lib/config/load';

const sessionSecret = 'unit-test-session-secret-0123456789abcdef';
const adminToken = 'unit-test-admin-token-0123456789';

function configWith(token: string | undefined) {
  return loadConfig({ SESSION_SECRET: sessionSecret, ADMIN_TOKEN: token });
}

async function requestWithAdminSession(signedInWith: string) {
  const cookie = await signSession(
    {
      userId: 'admin',
      plan: 'admin',
      adminTokenDigest: await adminTokenDigest(signedInWith),
      issuedAt: 1,
    },
    sessionSecret,
  );
  return new Request('http://tollgate.test/api/session', {
    headers: { cookie: `${sessionCookieName}=${cookie}` },
  });
}

describe('admin sessions', () => {
  it('a session signed in with the admin token is the administrator', async () => {
    const identity = await identify(
      await requestWithAdminSession(adminToken),
      configWith(adminToken),
      undefined,
    );
    expect(identity).toEqual({ userId: 'admin', plan: 'admin', admin: true, kind: 'admin-token' });
  });

  it('rotating or removing the admin token ends such sessions', async () => {
    const request = await requestWithAdminSession(adminToken);
    await expect(
      identify(request, configWith(`${adminToken}-rotated`), undefined),
    ).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(
      identify(await requestWithAdminSession(adminToken), configWith(undefined), undefined),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
