import { describe, expect, it } from 'vitest';
import { loadConfig, matchesModel, ownEntry } from '@/lib/config';

describe('lookups by a name a client sent', () => {
  const config = loadConfig({});

  it('find only own entries: prototype member names are unknown models, plans and providers', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(ownEntry(config.plans, name), name).toBeUndefined();
      expect(ownEntry(config.models, name), name).toBeUndefined();
      // Even a plain index finds nothing: the config's records have no prototype.
      expect(config.plans[name], name).toBeUndefined();
      expect(config.providers[name], name).toBeUndefined();
    }
    expect(ownEntry(config.plans, 'free')).toMatchObject({ requestsPerMinute: 20 });
  });

  it('match guest model patterns: exact ids, prefixes and everything', () => {
    expect(matchesModel(['demo/*'], 'demo/chat')).toBe(true);
    expect(matchesModel(['demo/*'], 'demonstration/x')).toBe(false);
    expect(matchesModel(['demo/chat'], 'demo/chat')).toBe(true);
    expect(matchesModel(['demo/chat'], 'demo/instant')).toBe(false);
    expect(matchesModel(['*'], 'openai/gpt-5.4')).toBe(true);
    expect(matchesModel([], 'demo/chat')).toBe(false);
  });

  it('fills the guest and session defaults', () => {
    expect(config.guests).toEqual({
      models: ['demo/*'],
      sessionsPerAddressPerDay: 100,
      perAddress: { requestsPerMinute: 30, requestsPerDay: 500, tokensPerDay: 200_000 },
      shared: { requestsPerMinute: 300, tokensPerDay: 5_000_000 },
    });
    expect(config.sessionMaxAgeSeconds).toBe(30 * 86_400);
  });
});
