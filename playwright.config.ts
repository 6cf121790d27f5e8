import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${port}`;

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
      GATEWAY_CONFIG: JSON.stringify({ providers: { demo: { type: 'demo', tokenDelayMs: 15 } } }),
    },
  },
});
