import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/config';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function load(plan: unknown, env: Record<string, string> = {}) {
  return loadConfig({ GATEWAY_CONFIG: JSON.stringify({ plans: { pro: plan } }), ...env });
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('alerts in GATEWAY_CONFIG', () => {
  it('reads a plan with alerts, and CRON_SECRET', () => {
    const config = load(
      { tokensPerDay: 1000, alerts: { webhookUrl: 'https://hooks.example/a', secret } },
      { CRON_SECRET: 'cron-secret-0123456789' },
    );
    expect(config.plans.pro?.alerts).toEqual({ webhookUrl: 'https://hooks.example/a', secret });
    expect(config.cronSecret).toBe('cron-secret-0123456789');
  });

  it('stops at start naming the bad field', () => {
    expect(
      errorOf(() => load({ alerts: { webhookUrl: 'https://hooks.example/a', secret: 'plain' } })),
    ).toMatch(/^GATEWAY_CONFIG\.plans\.pro\.alerts\.secret: /);
    expect(
      errorOf(() =>
        load({ alerts: { webhookUrl: 'https://hooks.example/a', secret, thresholds: [0] } }),
      ),
    ).toMatch(/^GATEWAY_CONFIG\.plans\.pro\.alerts\.thresholds\[0\]: /);
    expect(
      errorOf(() =>
        load({
          alerts: { webhookUrl: 'https://hooks.example/a', secret, retry: { maxAttempts: 0 } },
        }),
      ),
    ).toMatch(/^GATEWAY_CONFIG\.plans\.pro\.alerts\.retry\.maxAttempts: /);
    expect(errorOf(() => load({}, { CRON_SECRET: 'short' }))).toMatch(/^CRON_SECRET: /);
  });
});
