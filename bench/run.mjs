#!/usr/bin/env node
// `npm run bench`: Tollgate's cost over calling an upstream directly, over the least a Node
// proxy can cost (the floor) and over the least a Next.js gateway can cost (the next floor),
// measured side by side and interleaved in one run on loopback, with the Portkey gateway as a
// peer (bench/portkey, installed there on first use).
// Writes bench/results/<stamp>.json and .md. `--short` (or BENCH_SHORT=1): a quick run with few
// samples, for the test suite. `--profile`: runs next-server with --cpu-prof and keeps the
// profile next to the results. `--out DIR`: where results go.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { freePort } from '../scripts/local-redis.mjs';
import { edgeFunctionSizes } from './function-sizes.mjs';
import { closedLoop, percentile, requestOnce, streamOnce } from './load.mjs';
import { buildNextFloorIfStale, nextBuild, nextFloorDir } from './next-floor-build.mjs';
import { groupCpuMs, groupMemoryMb, readyLine, spawnGroup } from './processes.mjs';
import { toMarkdown } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    short: { type: 'boolean', default: process.env.BENCH_SHORT === '1' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: `${root}bench/results` },
  },
});
const short = flags.short === true;
const adminToken = `bench-admin-${crypto.randomUUID()}`;
const startedAt = Date.now();
const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
const outDir = flags.out ?? `${root}bench/results`;
mkdirSync(outDir, { recursive: true });

let measuredFromMicros = 0;
const STREAM_CHUNKS = 50;
const CHUNK_DELAY_MS = 5;
// Short: enough samples for every figure to exist (the test suite's smoke test), no more.
const sizes = short
  ? {
      rounds: 1,
      warmup: { requests: 10, streams: 1 },
      sliceMaxMs: 20_000,
      probes: 1,
      phases: { c1: 10, c32: 32, c128: 128, streamC1: 2, streamC32: 32 },
    }
  : {
      rounds: 3,
      warmup: { requests: 150, streams: 8 },
      sliceMaxMs: 60_000,
      probes: 5,
      phases: { c1: 100, c32: 256, c128: 384, streamC1: 12, streamC32: 64 },
    };

/** @type {Array<{ stop: () => Promise<void> }>} */
const children = [];
let stopping = false;
async function stopChildren() {
  if (stopping) return;
  stopping = true;
  // Next first: it is a client of the stack.
  for (const child of children.reverse()) await child.stop().catch(() => {});
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    stopChildren().finally(() => process.exit(130));
  });
}

async function runBenchmark() {
  if (!existsSync(`${root}.next/BUILD_ID`)) {
    console.log('bench: no production build yet, running next build');
    nextBuild(root);
  }
  buildNextFloorIfStale();
  installPortkeyIfMissing();
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

  const stack = spawnGroup(
    process.execPath,
    [
      '--import',
      `${root}bench/ts-hooks.mjs`,
      `${root}bench/stack.mjs`,
      JSON.stringify({ streamChunks: STREAM_CHUNKS, chunkDelayMs: CHUNK_DELAY_MS }),
    ],
    { cwd: root, env: baseEnv },
  );
  children.push(stack);
  const stackInfo = await readyLine(stack);

  const floor = spawnGroup(
    process.execPath,
    [
      `${root}bench/floor.mjs`,
      new URL(stackInfo.fastBaseURL).origin,
      new URL(stackInfo.pacedBaseURL).origin,
    ],
    { cwd: root, env: baseEnv },
  );
  children.push(floor);
  const floorInfo = await readyLine(floor);

  const nextFloorPort = await freePort();
  const nextFloor = spawnGroup(
    process.execPath,
    [
      `${root}node_modules/next/dist/bin/next`,
      'start',
      '-p',
      String(nextFloorPort),
      '-H',
      '127.0.0.1',
    ],
    {
      cwd: nextFloorDir,
      env: {
        ...baseEnv,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        NEXT_FLOOR_UPSTREAMS: JSON.stringify({
          fast: stackInfo.fastBaseURL,
          paced: stackInfo.pacedBaseURL,
        }),
      },
    },
  );
  children.push(nextFloor);
  const nextFloorApp = `http://127.0.0.1:${nextFloorPort}`;
  await waitForHealth(`${nextFloorApp}/api/relay/fast/models`, nextFloor);

  const portkeyPort = await freePort();
  const portkey = spawnGroup(process.execPath, [`${portkeyDir}/start.mjs`, String(portkeyPort)], {
    cwd: portkeyDir,
    env: { ...baseEnv, NODE_ENV: 'production' },
  });
  children.push(portkey);
  await readyLine(portkey);
  const portkeyApp = `http://127.0.0.1:${portkeyPort}`;

  const port = await freePort();
  const profileDir = `${outDir}/${stamp}-cpuprofile`;
  const next = spawnGroup(
    process.execPath,
    [`${root}node_modules/next/dist/bin/next`, 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: root,
      env: {
        ...baseEnv,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        ...(flags.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
        UPSTASH_REDIS_REST_URL: stackInfo.bridgeUrl,
        UPSTASH_REDIS_REST_TOKEN: stackInfo.token,
        ADMIN_TOKEN: adminToken,
        SESSION_SECRET: `bench-session-${crypto.randomUUID()}`,
        GATEWAY_CONFIG: JSON.stringify(gatewayConfig(stackInfo)),
      },
    },
  );
  children.push(next);
  const app = `http://127.0.0.1:${port}`;
  await waitForHealth(`${app}/api/health`, next);
  const apiKey = await createKey(app);

  const targets = buildTargets({ stackInfo, floorInfo, nextFloorApp, portkeyApp, app, apiKey });
  const control = stackInfo.control;
  const bridgeStats = async () => (await fetch(`${control}/stats`)).json();
  /** Waits until the bridge saw no request for 50 ms: after-response work has finished. */
  const quiet = async () => {
    let last = JSON.stringify(await bridgeStats());
    for (let waited = 0; waited < 3_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = JSON.stringify(await bridgeStats());
      if (now === last) return JSON.parse(now);
      last = now;
    }
    return JSON.parse(last);
  };

  await checkWithOpenAIClient(app, apiKey);

  // Warm-up: JIT, the tokenizer's ranks, Lua scripts loaded into Redis, keep-alive pools.
  console.log('bench: warming up');
  for (const target of Object.values(targets)) {
    await closedLoop({
      concurrency: 8,
      count: sizes.warmup.requests,
      maxMs: sizes.sliceMaxMs,
      once: () => requestOnce(target),
    });
    await closedLoop({
      concurrency: 4,
      count: sizes.warmup.streams,
      maxMs: sizes.sliceMaxMs,
      once: () => streamOnce(target),
    });
  }
  await quiet();
  await fetch(`${control}/forget`, { method: 'POST' });

  // On the monotonic clock V8 stamps profiles with: profile-summary.mjs --from skips the start-up.
  measuredFromMicros = Number(process.hrtime.bigint() / 1000n);
  // Peak RSS of each server's process group, sampled every 100 ms through all the phases.
  const servers = { next, floor, nextFloor, portkey };
  const memory = Object.fromEntries(Object.keys(servers).map((name) => [name, { peakRssMb: 0 }]));
  const idleMemory = Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [name, groupMemoryMb(server.pid)]),
  );
  const sampler = setInterval(() => {
    for (const [name, server] of Object.entries(servers)) {
      memory[name].peakRssMb = Math.max(memory[name].peakRssMb, groupMemoryMb(server.pid).rssMb);
    }
  }, 100);

  /** @type {Record<string, Record<string, any>>} keyed by phase, then target */
  const raw = {};
  const phases = [
    { id: 'c1', stream: false, concurrency: 1, count: sizes.phases.c1 },
    { id: 'c32', stream: false, concurrency: 32, count: sizes.phases.c32 },
    { id: 'c128', stream: false, concurrency: 128, count: sizes.phases.c128 },
    { id: 'streamC1', stream: true, concurrency: 1, count: sizes.phases.streamC1 },
    { id: 'streamC32', stream: true, concurrency: 32, count: sizes.phases.streamC32 },
  ];
  const names = Object.keys(targets);
  const cpuOf = {
    floor: () => groupCpuMs(floor.pid),
    nextFloor: () => groupCpuMs(nextFloor.pid),
    portkey: () => groupCpuMs(portkey.pid),
    v1: () => groupCpuMs(next.pid),
  };
  cpuOf.chat = cpuOf.v1;

  for (const phase of phases) {
    console.log(`bench: ${phase.id} (${phase.stream ? 'streaming' : 'non-streaming'})`);
    raw[phase.id] = Object.fromEntries(
      names.map((name) => [
        name,
        {
          samples: [],
          errors: [],
          elapsedMs: 0,
          cpuMs: 0,
          bridge: { httpRequests: 0, commands: 0 },
        },
      ]),
    );
    for (let round = 0; round < sizes.rounds; round++) {
      // Each round starts with a different target, so drift in the machine spreads evenly.
      const order = names.map((_, index) => names[(index + round) % names.length]);
      for (const name of order) {
        const target = targets[name];
        const entry = raw[phase.id][name];
        const before = { cpu: cpuOf[name]?.(), bridge: await quiet() };
        const slice = await closedLoop({
          concurrency: phase.concurrency,
          count: phase.count,
          maxMs: sizes.sliceMaxMs,
          once: () => (phase.stream ? streamOnce(target) : requestOnce(target)),
        });
        const bridgeAfter = await quiet();
        const cpuAfter = cpuOf[name]?.();
        if (slice.errors.length > 0) {
          console.warn(
            `bench: ${phase.id} ${name}: ${slice.errors.length} errors, first: ${slice.errors[0]}`,
          );
        }
        entry.samples.push(...slice.samples);
        entry.errors.push(...slice.errors);
        entry.elapsedMs += slice.elapsedMs;
        if (before.cpu !== undefined && cpuAfter !== undefined)
          entry.cpuMs += cpuAfter - before.cpu;
        entry.bridge.httpRequests += bridgeAfter.httpRequests - before.bridge.httpRequests;
        entry.bridge.commands += bridgeAfter.commands - before.bridge.commands;
      }
      await fetch(`${control}/forget`, { method: 'POST' });
    }
  }
  clearInterval(sampler);

  console.log('bench: counting Redis round trips before the first upstream byte');
  const probes = {};
  for (const name of ['v1', 'chat']) {
    probes[name] = [];
    for (const stream of [false, true]) {
      for (let index = 0; index < sizes.probes; index++) {
        const start = await quiet();
        await fetch(`${control}/probe`, { method: 'POST' });
        await (stream ? streamOnce(targets[name]) : requestOnce(targets[name]));
        const atUpstream = await (await fetch(`${control}/probe`)).json();
        const end = await quiet();
        probes[name].push({
          stream,
          beforeUpstream: {
            httpRequests: atUpstream.httpRequests - start.httpRequests,
            commands: atUpstream.commands - start.commands,
          },
          total: {
            httpRequests: end.httpRequests - start.httpRequests,
            commands: end.commands - start.commands,
          },
        });
      }
    }
  }

  return summarize({ raw, probes, memory, idleMemory });
}

function gatewayConfig(stackInfo) {
  const pricing = { inputPerMTok: 1, outputPerMTok: 2 };
  return {
    defaultModel: 'bench/fast',
    providers: {
      fast: { type: 'openai-compatible', baseURL: stackInfo.fastBaseURL },
      paced: { type: 'openai-compatible', baseURL: stackInfo.pacedBaseURL },
    },
    models: {
      'bench/fast': { targets: [{ provider: 'fast', model: 'bench-fast' }], pricing },
      'bench/paced': { targets: [{ provider: 'paced', model: 'bench-paced' }], pricing },
    },
    plans: {
      // Every limit and budget on, set high enough never to refuse: what is measured is their cost.
      bench: {
        requestsPerMinute: 10_000_000,
        requestsPerDay: 100_000_000,
        concurrentRequests: 100_000,
        tokensPerDay: 1_000_000_000_000,
        tokensPerMonth: 1_000_000_000_000,
        spendPerDayUsd: 1_000_000,
        spendPerMonthUsd: 1_000_000,
      },
    },
  };
}

const messages = [{ role: 'user', content: 'Write a haiku about a toll gate at dawn.' }];
const openAIContent = (event) => /"content":"[^"]/.test(event);
const uiTextDelta = (event) => event.includes('"type":"text-delta"');

function buildTargets({ stackInfo, floorInfo, nextFloorApp, portkeyApp, app, apiKey }) {
  const json = { 'content-type': 'application/json' };
  const keyed = { ...json, authorization: `Bearer ${apiKey}` };
  const openAIBody = (model) => (stream) =>
    JSON.stringify({
      model,
      messages,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const [floorFast, floorPaced] = floorInfo.ports;
  return {
    direct: {
      name: 'direct',
      url: (stream) =>
        `${stream ? stackInfo.pacedBaseURL : stackInfo.fastBaseURL}/chat/completions`,
      headers: json,
      body: openAIBody('upstream-model'),
      isContent: openAIContent,
    },
    floor: {
      name: 'floor',
      url: (stream) => `http://127.0.0.1:${stream ? floorPaced : floorFast}/v1/chat/completions`,
      headers: json,
      body: openAIBody('upstream-model'),
      isContent: openAIContent,
    },
    nextFloor: {
      name: 'next floor',
      url: (stream) => `${nextFloorApp}/api/relay/${stream ? 'paced' : 'fast'}/chat/completions`,
      headers: json,
      body: openAIBody('upstream-model'),
      isContent: openAIContent,
    },
    portkey: {
      name: 'portkey',
      url: () => `${portkeyApp}/v1/chat/completions`,
      // The upstream speaks OpenAI; Portkey's openai provider relays to the custom host.
      headers: (stream) => ({
        ...json,
        authorization: 'Bearer bench-upstream-key',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': stream ? stackInfo.pacedBaseURL : stackInfo.fastBaseURL,
      }),
      body: openAIBody('upstream-model'),
      isContent: openAIContent,
    },
    v1: {
      name: 'v1',
      url: () => `${app}/api/v1/chat/completions`,
      headers: keyed,
      body: (stream) => openAIBody(stream ? 'bench/paced' : 'bench/fast')(stream),
      isContent: openAIContent,
    },
    chat: {
      name: 'chat',
      url: () => `${app}/api/chat`,
      headers: keyed,
      body: (stream) =>
        JSON.stringify({ model: stream ? 'bench/paced' : 'bench/fast', messages, stream }),
      isContent: uiTextDelta,
    },
  };
}

const portkeyDir = `${root}bench/portkey`;

/** Portkey lives in its own package (bench/portkey), never in the app's dependencies. */
function installPortkeyIfMissing() {
  if (existsSync(`${portkeyDir}/node_modules/@portkey-ai/gateway/package.json`)) return;
  console.log('bench: installing the Portkey gateway into bench/portkey');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: portkeyDir,
    stdio: 'inherit',
  });
  if (npm.status !== 0) throw new Error('npm ci in bench/portkey failed');
}

/** Waits until `url`, served by the `next start` in `next`, answers 200. */
async function waitForHealth(url, next) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (next.child.exitCode !== null) throw new Error(`next exited:\n${next.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 60 s:\n${next.output()}`);
}

async function createKey(app) {
  const response = await fetch(`${app}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'bench-user', plan: 'bench', name: 'bench' }),
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${await response.text()}`);
  return (await response.json()).key;
}

/** One call through the `openai` package: the key, the plan and the stream work end to end. */
async function checkWithOpenAIClient(app, apiKey) {
  const client = new OpenAI({ baseURL: `${app}/api/v1`, apiKey, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'bench/paced',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage ??= chunk.usage ?? undefined;
  }
  if (!text || usage?.completion_tokens !== STREAM_CHUNKS) {
    throw new Error(
      `unexpected answer through the openai client: ${JSON.stringify({ text, usage })}`,
    );
  }
}

function summarize({ raw, probes, memory, idleMemory }) {
  const names = ['direct', 'floor', 'nextFloor', 'portkey', 'v1', 'chat'];
  const perTarget = (fn) => Object.fromEntries(names.map((name) => [name, fn(name)]));
  const latency = (phase, p) => perTarget((name) => percentile(raw[phase][name].samples, p));
  const rps = (phase) =>
    perTarget((name) => raw[phase][name].samples.length / (raw[phase][name].elapsedMs / 1000));
  const streamStat = (phase, field, p) =>
    perTarget((name) =>
      percentile(
        raw[phase][name].samples.map((sample) => sample[field]),
        p,
      ),
    );
  const gapsOf = (phase, name) => raw[phase][name].samples.flatMap((sample) => sample.gapsMs);
  const gaps = (phase, p) => perTarget((name) => percentile(gapsOf(phase, name), p));
  // The upstream sends a chunk every 5 ms; two arriving less than 1 ms apart were held back and
  // delivered together.
  const batchedPct = (phase) =>
    perTarget((name) => {
      const all = gapsOf(phase, name);
      return all.length === 0
        ? Number.NaN
        : (100 * all.filter((gap) => gap < 1).length) / all.length;
    });
  const serverOnly = (fn) => perTarget((name) => (name === 'direct' ? null : fn(name)));
  const gatewayOnly = (fn) =>
    perTarget((name) => (name === 'v1' || name === 'chat' ? fn(name) : null));
  const cpuPer = (phases) =>
    serverOnly((name) => {
      const cpu = phases.reduce((sum, phase) => sum + raw[phase][name].cpuMs, 0);
      const count = phases.reduce((sum, phase) => sum + raw[phase][name].samples.length, 0);
      return cpu / count;
    });
  const bridgePer = (field, phases) =>
    gatewayOnly((name) => {
      const total = phases.reduce((sum, phase) => sum + raw[phase][name].bridge[field], 0);
      const count = phases.reduce((sum, phase) => sum + raw[phase][name].samples.length, 0);
      return total / count;
    });
  const probeMax = (field) =>
    gatewayOnly((name) => Math.max(...probes[name].map((probe) => probe.beforeUpstream[field])));

  const metrics = [
    ['latencyC1P50', 'non-streaming latency p50, c=1', 'ms', latency('c1', 50)],
    ['latencyC1P90', 'non-streaming latency p90, c=1', 'ms', latency('c1', 90)],
    ['latencyC1P99', 'non-streaming latency p99, c=1', 'ms', latency('c1', 99)],
    ['latencyC32P50', 'non-streaming latency p50, c=32', 'ms', latency('c32', 50)],
    ['latencyC32P90', 'non-streaming latency p90, c=32', 'ms', latency('c32', 90)],
    ['latencyC32P99', 'non-streaming latency p99, c=32', 'ms', latency('c32', 99)],
    ['rpsC32', 'requests per second, c=32', 'req/s', rps('c32')],
    ['rpsC128', 'requests per second, c=128', 'req/s', rps('c128')],
    ['ttfbC1P50', 'stream first byte p50, c=1', 'ms', streamStat('streamC1', 'firstByteMs', 50)],
    ['ttfbC1P99', 'stream first byte p99, c=1', 'ms', streamStat('streamC1', 'firstByteMs', 99)],
    ['ttftC1P50', 'stream first token p50, c=1', 'ms', streamStat('streamC1', 'firstTokenMs', 50)],
    ['ttftC1P99', 'stream first token p99, c=1', 'ms', streamStat('streamC1', 'firstTokenMs', 99)],
    ['ttfbC32P50', 'stream first byte p50, c=32', 'ms', streamStat('streamC32', 'firstByteMs', 50)],
    ['ttfbC32P99', 'stream first byte p99, c=32', 'ms', streamStat('streamC32', 'firstByteMs', 99)],
    [
      'ttftC32P50',
      'stream first token p50, c=32',
      'ms',
      streamStat('streamC32', 'firstTokenMs', 50),
    ],
    [
      'ttftC32P99',
      'stream first token p99, c=32',
      'ms',
      streamStat('streamC32', 'firstTokenMs', 99),
    ],
    ['streamTotalC1P50', 'stream total time p50, c=1', 'ms', streamStat('streamC1', 'totalMs', 50)],
    [
      'streamTotalC32P50',
      'stream total time p50, c=32',
      'ms',
      streamStat('streamC32', 'totalMs', 50),
    ],
    [
      'streamTotalC32P99',
      'stream total time p99, c=32',
      'ms',
      streamStat('streamC32', 'totalMs', 99),
    ],
    ['chunkGapC1P50', 'gap between chunks p50, c=1', 'ms', gaps('streamC1', 50)],
    ['chunkGapC1P99', 'gap between chunks p99, c=1', 'ms', gaps('streamC1', 99)],
    ['chunksBatchedC1Pct', 'chunks < 1 ms after the one before, c=1', '%', batchedPct('streamC1')],
    ['chunkGapC32P50', 'gap between chunks p50, c=32', 'ms', gaps('streamC32', 50)],
    ['chunkGapC32P99', 'gap between chunks p99, c=32', 'ms', gaps('streamC32', 99)],
    [
      'chunksBatchedC32Pct',
      'chunks < 1 ms after the one before, c=32',
      '%',
      batchedPct('streamC32'),
    ],
    [
      'cpuPerRequestMs',
      'server CPU per non-streaming request',
      'ms',
      cpuPer(['c1', 'c32', 'c128']),
    ],
    [
      'cpuPerStreamMs',
      `server CPU per stream (${STREAM_CHUNKS} chunks)`,
      'ms',
      cpuPer(['streamC1', 'streamC32']),
    ],
    [
      'peakRssMb',
      'server peak RSS under load',
      'MB',
      perTarget((name) =>
        name === 'direct'
          ? null
          : name === 'v1' || name === 'chat'
            ? memory.next.peakRssMb
            : memory[name].peakRssMb,
      ),
    ],
    [
      'redisRoundTripsBeforeUpstream',
      'Redis round trips before the first upstream byte (max)',
      '',
      probeMax('httpRequests'),
    ],
    [
      'redisCommandsBeforeUpstream',
      'Redis commands before the first upstream byte (max)',
      '',
      probeMax('commands'),
    ],
    [
      'redisRoundTripsPerRequest',
      'Redis round trips per request, all (under load)',
      '',
      bridgePer('httpRequests', ['c1', 'c32', 'c128', 'streamC1', 'streamC32']),
    ],
    [
      'redisCommandsPerRequest',
      'Redis commands per request, all (under load)',
      '',
      bridgePer('commands', ['c1', 'c32', 'c128', 'streamC1', 'streamC32']),
    ],
  ].map(([id, label, unit, values]) => ({ id, label, unit, values, derived: derive(values) }));

  const errors = Object.fromEntries(
    Object.entries(raw).map(([phase, byTarget]) => [
      phase,
      Object.fromEntries(
        Object.entries(byTarget).map(([name, entry]) => [
          name,
          { count: entry.errors.length, first: entry.errors[0] },
        ]),
      ),
    ]),
  );
  const samples = Object.fromEntries(
    Object.entries(raw).map(([phase, byTarget]) => [
      phase,
      Object.fromEntries(
        Object.entries(byTarget).map(([name, entry]) => [name, entry.samples.length]),
      ),
    ]),
  );
  return {
    stamp,
    mode: short ? 'short' : 'full',
    measuredFromMicros,
    durationMs: Date.now() - startedAt,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    setup: {
      streamChunks: STREAM_CHUNKS,
      chunkDelayMs: CHUNK_DELAY_MS,
      rounds: sizes.rounds,
      plan: 'requestsPerMinute, requestsPerDay, concurrentRequests, tokensPerDay, tokensPerMonth, spendPerDayUsd, spendPerMonthUsd',
    },
    metrics,
    functionSizes: edgeFunctionSizes(`${root}.next`),
    probes,
    idleMemory,
    samples,
    errors,
  };
}

/**
 * Tollgate's figures as the cost over calling directly, as the cost over the next floor (what
 * Tollgate's own work adds to the platform's) and as a multiple of the floor.
 */
function derive(values) {
  const minus = (value, base) => (base === null || base === undefined ? null : value - base);
  const derived = {};
  for (const name of ['v1', 'chat']) {
    const value = values[name];
    if (value === null || value === undefined) continue;
    derived[name] = {
      minusDirect: minus(value, values.direct),
      minusNextFloor: minus(value, values.nextFloor),
      ratioToFloor: values.floor ? value / values.floor : null,
      ratioToNextFloor: values.nextFloor ? value / values.nextFloor : null,
    };
  }
  return derived;
}

try {
  const results = await runBenchmark();
  const json = `${outDir}/${stamp}.json`;
  const markdown = `${outDir}/${stamp}.md`;
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdown, toMarkdown(results));
  console.log(`\n${toMarkdown(results)}`);
  console.log(`bench: wrote ${json} and ${markdown}`);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  await stopChildren();
}
