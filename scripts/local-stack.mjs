// `npm run dev` / `npm run start:local`: runs Next.js against a throwaway Redis behind the local
// Upstash bridge, unless an Upstash URL is already configured.
// Usage: node scripts/local-stack.mjs <dev|start> [extra next args...]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from './local-redis.mjs';
import { startBridge } from './upstash-bridge.mjs';

const KILL_AFTER_MS = 5_000;
const [mode, ...nextArgs] = process.argv.slice(2);
if (mode !== 'dev' && mode !== 'start') {
  console.error('usage: node scripts/local-stack.mjs <dev|start> [next args...]');
  process.exit(2);
}

const env = { ...process.env };
/** @type {Array<() => Promise<void>>} Run in order on the way out. */
const cleanups = [];
if (!env.UPSTASH_REDIS_REST_URL && !env.KV_REST_API_URL) {
  try {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const token = randomUUID();
    const bridge = await startBridge({ redisUrl: redis.url, token });
    cleanups.unshift(() => bridge.close());
    env.UPSTASH_REDIS_REST_URL = bridge.url;
    env.UPSTASH_REDIS_REST_TOKEN = token;
    console.log(
      `tollgate: local redis on 127.0.0.1:${redis.port}, upstash bridge on ${bridge.url}`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    await runCleanups();
    process.exit(1);
  }
} else {
  console.log('tollgate: using the Upstash Redis configured in the environment');
}

// A local production build must not need setup either; a deployment sets its own secret.
if (!env.SESSION_SECRET && mode === 'start') {
  env.SESSION_SECRET = randomUUID() + randomUUID();
  console.log('tollgate: SESSION_SECRET not set; using a random one (sessions end on restart)');
}

// Local runs get an admin token too, written where `npm run keys` looks for it.
if (!env.ADMIN_TOKEN) {
  env.ADMIN_TOKEN = `local-admin-${randomUUID()}`;
  const file = fileURLToPath(new URL('../.tmp/local-admin-token', import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, env.ADMIN_TOKEN, { mode: 0o600 });
  console.log(`tollgate: ADMIN_TOKEN not set; this run's admin token is in ${file}`);
}

const nextBin = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));
const port = env.PORT || '3000';
// Not HOSTNAME: shells and containers set it to the machine's name.
const host = env.HOST || '127.0.0.1';
// Its own process group, so the whole next tree (next-server workers included) stops together.
const next = spawn(process.execPath, [nextBin, mode, '-p', port, '-H', host, ...nextArgs], {
  env,
  stdio: 'inherit',
  detached: true,
});

let stopping = false;
/** @param {NodeJS.Signals} signal */
function stopNext(signal) {
  if (next.pid === undefined) return;
  try {
    process.kill(-next.pid, signal);
  } catch {
    // the group is already gone
  }
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stopNext('SIGTERM');
    setTimeout(() => stopNext('SIGKILL'), KILL_AFTER_MS).unref();
  });
}

next.on('error', async (error) => {
  console.error(`tollgate: could not start next: ${error.message}`);
  await runCleanups();
  process.exit(1);
});

next.on('exit', async (code, signal) => {
  stopNext('SIGTERM'); // next may leave workers behind in its group
  await runCleanups();
  process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
});

async function runCleanups() {
  for (const cleanup of cleanups.splice(0)) {
    await cleanup().catch((error) => console.error(`tollgate: cleanup failed: ${error}`));
  }
}
