import { describe, expect, it } from 'vitest';
import {
  checkKeyModel,
  checkKeyNotExpired,
  isKeyExpired,
  isModelAllowed,
  keyPolicySchema,
} from '@/lib/auth/key-policy';
import { catalogIdOf } from '@/lib/config';

const now = Date.UTC(2026, 11, 1);

describe('key policy schema', () => {
  it('takes model ids, prefixes ending in *, and *', () => {
    for (const pattern of ['*', 'openai/*', 'openai/gpt-5.4', 'openai/gpt-5*', 'local/llama3:8b']) {
      expect(keyPolicySchema.safeParse({ allowedModels: [pattern] }).success, pattern).toBe(true);
    }
  });

  it('refuses patterns that could never match as written', () => {
    for (const pattern of ['', 'openai', 'open*ai/x', 'openai/ *', '*/gpt', '**', 'openai/*/x']) {
      expect(keyPolicySchema.safeParse({ allowedModels: [pattern] }).success, pattern).toBe(false);
    }
    expect(keyPolicySchema.safeParse({ allowedModels: [] }).success).toBe(false);
  });

  it('takes an ISO 8601 expiry with an offset, and the limit fields of a plan only', () => {
    expect(keyPolicySchema.safeParse({ expiresAt: '2027-01-01T00:00:00Z' }).success).toBe(true);
    expect(keyPolicySchema.safeParse({ expiresAt: '2027-01-01T01:00:00+01:00' }).success).toBe(
      true,
    );
    expect(keyPolicySchema.safeParse({ expiresAt: 'tomorrow' }).success).toBe(false);
    expect(keyPolicySchema.safeParse({ limits: { spendPerDayUsd: 2 } }).success).toBe(true);
    expect(keyPolicySchema.safeParse({ limits: { admin: true } }).success).toBe(false);
    expect(keyPolicySchema.safeParse({ limits: { requestsPerMinute: -1 } }).success).toBe(false);
  });

  it("takes spend alerts on the key's own limits, checked as a plan's are", () => {
    const alerts = {
      webhookUrl: 'https://hooks.example.com/tollgate',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      thresholds: [50, 100],
    };
    const parsed = keyPolicySchema.safeParse({ limits: { tokensPerDay: 1000, alerts } });
    expect(parsed.success && parsed.data.limits).toEqual({ tokensPerDay: 1000, alerts });
    for (const bad of [
      { ...alerts, webhookUrl: 'ftp://hooks.example.com' },
      { ...alerts, secret: 'plain' },
      { ...alerts, thresholds: [50, 50] },
      { ...alerts, extra: true },
    ]) {
      expect(
        keyPolicySchema.safeParse({ limits: { alerts: bad } }).success,
        JSON.stringify(bad),
      ).toBe(false);
    }
  });
});

describe('key expiry', () => {
  it('a key expires at its expiresAt, to the millisecond', () => {
    const policy = { expiresAt: new Date(now).toISOString() };
    expect(isKeyExpired(policy, now - 1)).toBe(false);
    expect(isKeyExpired(policy, now)).toBe(true);
    expect(isKeyExpired({}, now)).toBe(false);
    expect(() => checkKeyNotExpired(policy, now)).toThrow(
      expect.objectContaining({ code: 'key_expired', status: 401 }),
    );
  });
});

describe('allowed models', () => {
  const restricted = { allowedModels: ['openai/*', 'anthropic/claude-sonnet-4.6'] };

  it('a key without allowedModels may use every model', () => {
    expect(isModelAllowed({}, 'anything/at-all')).toBe(true);
  });

  it('a restricted key may use what its patterns match, and gets a 403 on model otherwise', () => {
    expect(isModelAllowed(restricted, 'openai/gpt-5.4')).toBe(true);
    expect(isModelAllowed(restricted, 'anthropic/claude-sonnet-4.6')).toBe(true);
    expect(isModelAllowed(restricted, 'anthropic/claude-opus-4.6')).toBe(false);
    expect(isModelAllowed(restricted, 'openaiX/gpt')).toBe(false);
    expect(() => checkKeyModel(restricted, 'demo/chat')).toThrow(
      expect.objectContaining({ code: 'forbidden', status: 403, param: 'model' }),
    );
  });

  it('the check sees the catalog id: an alias resolves first, no model means the default', () => {
    const config = { defaultModel: 'demo/chat', aliases: { 'gpt-4o': 'openai/gpt-5.4' } };
    expect(catalogIdOf(config, 'gpt-4o')).toBe('openai/gpt-5.4');
    expect(catalogIdOf(config, undefined)).toBe('demo/chat');
    expect(catalogIdOf(config, 'toString')).toBe('toString');
  });
});
