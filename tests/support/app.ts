import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const nextBin = `${projectRoot}/node_modules/next/dist/bin/next`;

export const testSessionSecret = 'integration-test-session-secret-0123456789abcdef';
export const testAdminToken = 'integration-test-admin-token-0123456789';

/** A child process started in its own group, so its whole tree can be stopped by PID. */
export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnGroup(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): Spawned {
  // Next types NODE_ENV as always present; a child may well start without it.
  const childEnv = env as NodeJS.ProcessEnv;
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: childEnv,
    detached: true,
    stdio: 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {}
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment a test app starts from: no keys, nothing inherited but the basics. */
export function baseEnv(
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    SESSION_SECRET: testSessionSecret,
    ADMIN_TOKEN: testAdminToken,
    ...extra,
  };
}

export async function waitForHttp(url: string, process?: Spawned, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process && process.child.exitCode !== null) {
      throw new Error(`the process exited before ${url} answered:\n${process.output()}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms\n${process?.output() ?? ''}`);
}

export interface TestApp {
  url: string;
  redis: LocalRedis;
  bridge: Bridge;
  redisToken: string;
  server: Spawned;
  /** Creates an API key through the admin API and returns the secret. */
  createKey(fields: { userId: string; plan?: string; name?: string }): Promise<string>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  /** GATEWAY_CONFIG, as an object. */
  gatewayConfig?: unknown;
  env?: Record<string, string | undefined>;
}

/** The production build under `next start`, with its own redis-server and Upstash bridge. */
export async function startTestApp({
  gatewayConfig,
  env = {},
}: TestAppOptions = {}): Promise<TestApp> {
  const redis = await startRedis();
  const redisToken = crypto.randomUUID();
  const bridge = await startBridge({ redisUrl: redis.url, token: redisToken });
  const port = await freePort();
  const server = spawnGroup(
    process.execPath,
    [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'],
    baseEnv({
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: redisToken,
      GATEWAY_CONFIG: gatewayConfig === undefined ? undefined : JSON.stringify(gatewayConfig),
      ...env,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/api/health`, server);
  } catch (error) {
    await server.stop();
    await bridge.close();
    await redis.stop();
    throw error;
  }
  return {
    url,
    redis,
    bridge,
    redisToken,
    server,
    async createKey(fields) {
      const response = await fetch(`${url}/api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      if (response.status !== 201) throw new Error(`key creation failed: ${await response.text()}`);
      return ((await response.json()) as { key: string }).key;
    },
    async stop() {
      await server.stop();
      await bridge.close();
      await redis.stop();
    },
  };
}
