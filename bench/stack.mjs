// Benchmark child process: redis-server, the Upstash bridge in front of it, and two OpenAI
// test upstreams (fast: an answer at once; paced: 50 chunks 5 ms apart). Prints one JSON line
// with their addresses, then serves a small control API for the driver:
//   GET  /stats        the bridge's counters
//   POST /probe        arm: snapshot the bridge's counters when the next upstream request arrives
//   GET  /probe        that snapshot (waits for it, bounded)
//   POST /forget       empty the upstreams' request logs (memory stays bounded)
// Run with `node --import ./bench/ts-hooks.mjs bench/stack.mjs '<json options>'`.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { startRedis } from '../scripts/local-redis.mjs';
import { startBridge } from '../scripts/upstash-bridge.mjs';

const { startOpenAIUpstream } = await import('../tests/doubles/openai-upstream.ts');

const options = JSON.parse(process.argv[2] ?? '{}');
const PROBE_TIMEOUT_MS = 10_000;

const redis = await startRedis();
const token = randomUUID();
const bridge = await startBridge({ redisUrl: redis.url, token });
const fast = await startOpenAIUpstream({ chunkCount: options.fastChunks ?? 20 });
const paced = await startOpenAIUpstream({
  chunkCount: options.streamChunks ?? 50,
  chunkDelayMs: options.chunkDelayMs ?? 5,
});
const upstreams = [fast, paced];

/** @type {Promise<object> | undefined} */
let probe;

/**
 * Resolves with the bridge's counters at the moment the next request reaches an upstream: the
 * double logs a request synchronously when its body is in, and this runs in the microtask right
 * after, before any other I/O could reach the bridge.
 */
function armProbe() {
  const waits = upstreams.map((upstream) =>
    upstream.waitForRequests(upstream.requests.length + 1, PROBE_TIMEOUT_MS),
  );
  return Promise.race(waits).then(() => ({ ...bridge.stats }));
}

const control = createServer(async (request, response) => {
  const reply = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  try {
    if (request.method === 'GET' && request.url === '/stats') return reply(200, bridge.stats);
    if (request.method === 'POST' && request.url === '/probe') {
      probe = armProbe();
      probe.catch(() => {});
      return reply(200, { armed: true });
    }
    if (request.method === 'GET' && request.url === '/probe') {
      if (!probe) return reply(409, { error: 'no probe armed' });
      const snapshot = await probe;
      probe = undefined;
      return reply(200, snapshot);
    }
    if (request.method === 'POST' && request.url === '/forget') {
      for (const upstream of upstreams) upstream.requests.length = 0;
      return reply(200, { forgotten: true });
    }
    reply(404, { error: 'not found' });
  } catch (error) {
    reply(500, { error: String(error) });
  }
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = control.address();

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  control.close();
  await Promise.allSettled(upstreams.map((upstream) => upstream.close()));
  await bridge.close().catch(() => {});
  await redis.stop().catch(() => {});
  process.exit(0);
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

console.log(
  JSON.stringify({
    ready: true,
    redisPid: redis.pid,
    bridgeUrl: bridge.url,
    token,
    fastBaseURL: fast.baseURL,
    pacedBaseURL: paced.baseURL,
    control: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  }),
);
