import { describe, expect, it } from 'vitest';
import { hashApiKey, looksLikeApiKey } from '@/lib/auth/api-keys';
import { newGuestSession, signSession, verifySession } from '@/lib/auth/session';

const secret = 'unit-test-session-secret-0123456789abcdef';

describe('session cookies', () => {
  it('round-trips a signed payload', async () => {
    const payload = {
      sessionId: 'sid-1',
      userId: 'alice',
      plan: 'pro',
      keyId: 'key_1',
      issuedAt: 1_700_000_000_000,
    };
    expect(await verifySession(await signSession(payload, secret), secret)).toEqual(payload);
  });

  it('rejects a cookie signed with another secret, tampered with, or malformed', async () => {
    const cookie = await signSession(newGuestSession('guest', 1), secret);
    expect(await verifySession(cookie, `${secret}x`)).toBeNull();
    const [body, signature] = cookie.split('.');
    const forged = btoa(JSON.stringify({ userId: 'admin', plan: 'admin', issuedAt: 1 })).replace(
      /=+$/,
      '',
    );
    expect(await verifySession(`${forged}.${signature}`, secret)).toBeNull();
    expect(await verifySession(`${body}.`, secret)).toBeNull();
    expect(await verifySession('garbage', secret)).toBeNull();
    expect(await verifySession(`${cookie}.extra`, secret)).toBeNull();
  });

  it('gives every guest a distinct id on the guest plan', () => {
    const first = newGuestSession('guest');
    const second = newGuestSession('guest');
    expect(first.userId).toMatch(/^guest_/);
    expect(first.userId).not.toBe(second.userId);
    expect(first.plan).toBe('guest');
  });
});

describe('API keys', () => {
  it('hashes keys with SHA-256, so only the hash is ever stored', async () => {
    // sha256("abc"), the FIPS 180-2 test vector.
    expect(await hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await hashApiKey('tg_example')).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashApiKey('tg_example')).not.toBe(await hashApiKey('tg_example2'));
  });

  it('recognises the key format before touching the store', () => {
    expect(looksLikeApiKey('tg_abcdefghijklmnopqrstuvwxyz012345')).toBe(true);
    expect(looksLikeApiKey('sk-abcdefghijklmnopqrstuvwxyz')).toBe(false);
    expect(looksLikeApiKey('tg_short')).toBe(false);
  });
});
