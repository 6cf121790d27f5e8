import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

function cookieOf(response: Response): string {
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error('no session cookie set');
  return cookie;
}

async function whoIs(cookie: string) {
  const response = await fetch(`${app.url}/api/session`, { headers: { cookie } });
  return { status: response.status, body: await response.json() };
}

function signIn(apiKey: unknown) {
  return fetch(`${app.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey }),
  });
}

describe('the web UI session', () => {
  it('a first page visit is a guest on the guest plan', async () => {
    const cookie = cookieOf(await fetch(`${app.url}/`));
    expect(await whoIs(cookie)).toEqual({
      status: 200,
      body: {
        userId: expect.stringMatching(/^guest_/),
        plan: 'guest',
        kind: 'guest',
        admin: false,
      },
    });
  });

  it('signing in with an API key acts as that key user; signing out clears the cookie', async () => {
    const key = await app.createKey({ userId: 'session-alice', plan: 'pro' });
    const response = await signIn(key);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'session-alice', plan: 'pro' });
    const cookie = cookieOf(response);
    expect(await whoIs(cookie)).toEqual({
      status: 200,
      body: { userId: 'session-alice', plan: 'pro', kind: 'session', admin: false },
    });
    expect((await fetch(`${app.url}/api/usage/users`, { headers: { cookie } })).status).toBe(403);

    const signOut = await fetch(`${app.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(signOut.headers.get('set-cookie')).toMatch(/^tollgate_session=;.*Max-Age=0/i);
  });

  it('signing in with the admin token gives an admin session', async () => {
    const cookie = cookieOf(await signIn(testAdminToken));
    expect((await whoIs(cookie)).body).toEqual({
      userId: 'admin',
      plan: 'admin',
      kind: 'admin-token',
      admin: true,
    });
    expect((await fetch(`${app.url}/api/usage/users`, { headers: { cookie } })).status).toBe(200);
  });

  it('a wrong key or a bad body is refused in the error shape and sets no cookie', async () => {
    const wrong = await signIn('tg_not_a_real_key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await wrong.json()).error.code).toBe('invalid_api_key');

    const bad = await signIn(42);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_request', param: 'apiKey' });
  });

  it('asking who you are without credentials is a 401', async () => {
    const response = await fetch(`${app.url}/api/session`);
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
  });
});
