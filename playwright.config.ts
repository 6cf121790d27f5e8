import { execFileSync } from 'node:child_process';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${port}`;

/** The admin token the e2e app runs with; tests use it to create keys and to sign in as admin. */
export const e2eAdminToken = 'e2e-admin-token-0123456789abcdef';

/** A port free now, found synchronously because the config is evaluated synchronously. */
function findFreePort(): number {
  const script =
    "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
}

// Chosen once, in the first process that reads this file; the workers inherit it, so the app's
// config and the test's receiver agree on it.
process.env.E2E_WEBHOOK_PORT ??= String(findFreePort());

/**
 * Where the `alerted` plan's webhook goes: the dashboard e2e starts its receiver on this port
 * (the config is read once, at the app's start, so the port is fixed before the receiver runs).
 */
export const e2eWebhookPort = Number(process.env.E2E_WEBHOOK_PORT);
export const e2eWebhookPath = '/alerts';

/**
 * The demo provider priced like a real model so costs are not zero, a model whose only target
 * refuses connections (the upstream failure), a guest plan that meets its per-minute limit
 * quickly, a plan whose token budget one answer uses up, and for the dashboard: a plan whose
 * token budget every request is over but only softly, one with the response cache on, and one
 * whose spend alert fires on the first answer (10% of 1,000 tokens).
 */
const e2eGatewayConfig = {
  providers: {
    demo: { type: 'demo', tokenDelayMs: 15 },
    down: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' },
  },
  models: {
    'demo/chat': {
      name: 'Demo chat',
      targets: [{ provider: 'demo', model: 'chat' }],
      pricing: { inputPerMTok: 3, outputPerMTok: 15 },
    },
    'demo/instant': {
      name: 'Demo instant',
      targets: [{ provider: 'demo', model: 'instant' }],
      pricing: { inputPerMTok: 1, outputPerMTok: 5 },
    },
    'broken/model': {
      name: 'Always failing (no upstream)',
      targets: [{ provider: 'down', model: 'none' }],
      pricing: { inputPerMTok: 1, outputPerMTok: 1 },
    },
  },
  plans: {
    guest: { requestsPerMinute: 3, requestsPerDay: 100, tokensPerDay: 50_000 },
    tiny: { tokensPerDay: 250 },
    soft: { tokensPerDay: 1, soft: ['tokensPerDay'] },
    cached: { requestsPerMinute: 100, cache: { maxAgeSeconds: 600 } },
    alerted: {
      tokensPerDay: 1_000,
      alerts: {
        webhookUrl: `http://127.0.0.1:${e2eWebhookPort}${e2eWebhookPath}`,
        secret: 'whsec_ZTJlLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3ODk=',
        thresholds: [10],
        retry: { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 1_000 },
      },
    },
  },
  // Every test's browser is a new guest from the same address: the address bounds stay out of
  // the way, and guests may try the failing model.
  guests: {
    models: ['demo/*', 'broken/model'],
    sessionsPerAddressPerDay: 10_000,
    perAddress: { requestsPerMinute: 1000 },
    shared: { requestsPerMinute: 1000 },
  },
};

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Playwright cannot download its own browser here; the system Chromium is used instead.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    // The production build on the local stack (redis-server + Upstash bridge), as users run it.
    command: 'node scripts/local-stack.mjs start',
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    // The stack stops Next, the bridge and Redis on SIGTERM; Playwright's default SIGKILL would
    // leave Next (its own process group) running.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    timeout: 120_000,
    env: {
      PORT: String(port),
      NEXT_TELEMETRY_DISABLED: '1',
      SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123456789',
      ADMIN_TOKEN: e2eAdminToken,
      GATEWAY_CONFIG: JSON.stringify(e2eGatewayConfig),
    },
  },
});
