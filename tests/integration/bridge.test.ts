import { createHash, randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

const TOKEN = randomUUID();
const SHEBANG_SCRIPT = '#!lua flags=allow-key-locking\nreturn {KEYS[1], ARGV[1]}';

let server: LocalRedis;
let bridge: Bridge;
/** One HTTP request per command. */
let redis: Redis;
/** Commands issued in the same tick share one `/pipeline` request (the production default). */
let batched: Redis;

beforeAll(async () => {
  server = await startRedis();
  bridge = await startBridge({ redisUrl: server.url, token: TOKEN });
  redis = new Redis({ url: bridge.url, token: TOKEN, enableAutoPipelining: false, retry: false });
  batched = new Redis({ url: bridge.url, token: TOKEN, enableAutoPipelining: true, retry: false });
});

afterAll(async () => {
  await bridge?.close();
  await server?.stop();
});

const uniqueKey = (name: string) => `bridge-test:${randomUUID()}:${name}`;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

const BASE64 = { 'upstash-encoding': 'base64' };
const toBase64 = (text: string) => Buffer.from(text).toString('base64');

/** Sends a request the way @upstash/redis would, but lets the test see the raw reply. */
async function postRaw(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${bridge.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  return { status: response.status, headers: response.headers, json };
}

async function withRawRedis<T>(use: (client: ReturnType<typeof createClient>) => Promise<T>) {
  const client = createClient({ url: server.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

describe('commands through @upstash/redis', () => {
  it('strings: set, get, NX, increments, expiry and JSON values', async () => {
    const key = uniqueKey('string');
    expect(await redis.set(key, 'hello')).toBe('OK');
    expect(await redis.get(key)).toBe('hello');
    expect(await redis.set(key, 'other', { nx: true })).toBeNull();
    expect(await redis.get(key)).toBe('hello');

    const counter = uniqueKey('counter');
    expect(await redis.incr(counter)).toBe(1);
    expect(await redis.incrby(counter, 41)).toBe(42);
    expect(await redis.expire(counter, 100)).toBe(1);
    const ttl = await redis.ttl(counter);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);

    const json = uniqueKey('json');
    await redis.set(json, { plan: 'pro', limits: [1, 2] });
    expect(await redis.get(json)).toEqual({ plan: 'pro', limits: [1, 2] });
    expect(await redis.mget(key, uniqueKey('missing'))).toEqual(['hello', null]);
  });

  it('hashes: hset, hget, hincrby, hgetall, hdel', async () => {
    const key = uniqueKey('hash');
    expect(await redis.hset(key, { model: 'gpt', tokens: 10 })).toBe(2);
    expect(await redis.hget(key, 'model')).toBe('gpt');
    expect(await redis.hincrby(key, 'tokens', 5)).toBe(15);
    expect(await redis.hgetall(key)).toEqual({ model: 'gpt', tokens: 15 });
    expect(await redis.hdel(key, 'model')).toBe(1);
    expect(await redis.hgetall(key)).toEqual({ tokens: 15 });
    expect(await redis.hget(key, 'model')).toBeNull();
  });

  it('sorted sets: zadd, zincrby, zscore, zrank and zrange with scores', async () => {
    const key = uniqueKey('zset');
    expect(
      await redis.zadd(
        key,
        { score: 3, member: 'c' },
        { score: 1, member: 'a' },
        { score: 2, member: 'b' },
      ),
    ).toBe(3);
    expect(await redis.zincrby(key, 10, 'a')).toBe(11);
    expect(await redis.zscore(key, 'b')).toBe(2);
    expect(await redis.zrank(key, 'a')).toBe(2);
    expect(await redis.zrange(key, 0, -1)).toEqual(['b', 'c', 'a']);
    expect(await redis.zrange(key, 0, -1, { withScores: true })).toEqual(['b', 2, 'c', 3, 'a', 11]);
  });

  it('a Redis error fails only that command (HTTP 400 with the Redis message)', async () => {
    const key = uniqueKey('wrongtype');
    await redis.set(key, 'text');
    await expect(redis.hget(key, 'field')).rejects.toThrow(/^WRONGTYPE/);
    const raw = await postRaw('/', ['HGET', key, 'field']);
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ error: expect.stringMatching(/^WRONGTYPE/) });
  });
});

describe('pipelines and transactions', () => {
  it('a pipeline runs every command in order and reports errors per command', async () => {
    const key = uniqueKey('pipeline');
    const text = uniqueKey('text');
    const results = await redis
      .pipeline()
      .set(key, 1)
      .incr(key)
      .set(text, 'x')
      .hget(text, 'field')
      .incr(key)
      .get(key)
      .exec({ keepErrors: true });
    expect(results.map((reply) => reply.result)).toEqual(['OK', 2, 'OK', undefined, 3, 3]);
    expect(results[3]?.error).toMatch(/^WRONGTYPE/);
    await expect(redis.pipeline().set(text, 'y').hget(text, 'f').exec()).rejects.toThrow(
      /WRONGTYPE/,
    );
    expect(await redis.get(text)).toBe('y');
  });

  it('auto-pipelining sends a burst of commands as one HTTP request', async () => {
    const keys = Array.from({ length: 10 }, (_, index) => uniqueKey(`auto-${index}`));
    const before = bridge.stats.httpRequests;
    const replies = await Promise.all(keys.map((key, index) => batched.incrby(key, index)));
    expect(replies).toEqual(keys.map((_, index) => index));
    expect(bridge.stats.httpRequests - before).toBe(1);
  });

  it('a transaction returns one result per command, with runtime errors in place', async () => {
    const key = uniqueKey('multi');
    const results = await redis
      .multi()
      .set(key, 'v')
      .get(key)
      .lpush(key, 'x')
      .append(key, 'w')
      .get(key)
      .exec({ keepErrors: true });
    expect(results.map((reply) => reply.result)).toEqual(['OK', 'v', undefined, 2, 'vw']);
    expect(results[2]?.error).toMatch(/^WRONGTYPE/);
  });

  it('a command refused at queue time discards the whole transaction', async () => {
    const key = uniqueKey('execabort');
    const raw = await postRaw('/multi-exec', [['SET', key, 'written'], ['NOSUCHCOMMAND']]);
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ error: expect.stringMatching(/unknown command/i) });
    expect(await redis.get(key)).toBeNull();
  });

  it('concurrent transactions never interleave with other requests', async () => {
    const key = uniqueKey('isolation');
    const transactions = Array.from({ length: 50 }, () =>
      redis.multi().incr(key).incr(key).get(key).exec<[number, number, number]>(),
    );
    const singles = Array.from({ length: 50 }, () => redis.incr(key));
    const [transactionResults, singleResults] = await Promise.all([
      Promise.all(transactions),
      Promise.all(singles),
    ]);
    for (const [first, second, read] of transactionResults) {
      expect(second).toBe(first + 1);
      expect(read).toBe(second);
    }
    for (const value of singleResults) expect(typeof value).toBe('number');
    expect(await redis.get(key)).toBe(150);
  });
});

describe('Lua scripts', () => {
  it('eval and eval_ro run scripts with keys and arguments', async () => {
    const key = uniqueKey('lua');
    expect(await redis.eval('return {KEYS[1], ARGV[1], 7}', [key], ['arg'])).toEqual([
      key,
      'arg',
      7,
    ]);
    await redis.set(key, 'stored');
    expect(await redis.evalRo("return redis.call('GET', KEYS[1])", [key], [])).toBe('stored');
    await expect(
      redis.evalRo("return redis.call('SET', KEYS[1], 'x')", [key], []),
    ).rejects.toThrow();
    expect(await redis.get(key)).toBe('stored');
  });

  it('scripts with a `#!lua` shebang run, and their client SHA1 works with evalsha', async () => {
    const key = uniqueKey('shebang');
    expect(await redis.eval(SHEBANG_SCRIPT, [key], ['a'])).toEqual([key, 'a']);
    expect(await redis.evalsha(sha1(SHEBANG_SCRIPT), [key], ['b'])).toEqual([key, 'b']);
  });

  it('scriptLoad returns the SHA1 of the text the client sent', async () => {
    const script = `#!lua flags=allow-key-locking\nreturn '${randomUUID()}'`;
    const sha = await redis.scriptLoad(script);
    expect(sha).toBe(sha1(script));
    // The client's scriptExists() spreads a lone string into characters, so ask directly.
    const exists = await postRaw('/', ['SCRIPT', 'EXISTS', sha, sha1('return 0 -- never loaded')]);
    expect(exists.json).toEqual({ result: [1, 0] });
    expect(await redis.evalsha(sha, [], [])).toBe(script.split("'")[1]);
  });

  it('an unknown SHA1 gets NOSCRIPT, so clients can fall back to EVAL', async () => {
    await expect(redis.evalsha(sha1(randomUUID()), [], [])).rejects.toThrow(/NOSCRIPT/);
    const script = redis.createScript<string>(
      `#!lua flags=allow-key-locking\nreturn ARGV[1] .. '${randomUUID()}'`,
    );
    expect(await script.exec([], ['first:'])).toMatch(/^first:/);
    expect(await script.evalsha([], ['second:'])).toMatch(/^second:/);
  });

  it('evalsha keeps working after Redis forgets its scripts', async () => {
    const key = uniqueKey('flushed');
    await redis.eval(SHEBANG_SCRIPT, [key], ['before']);
    await withRawRedis((client) => client.scriptFlush());
    expect(await redis.evalsha(sha1(SHEBANG_SCRIPT), [key], ['after'])).toEqual([key, 'after']);
    const inTransaction = await redis
      .multi()
      .evalsha(sha1(SHEBANG_SCRIPT), [key], ['multi'])
      .exec();
    expect(inTransaction).toEqual([[key, 'multi']]);
  });
});

describe('encoding', () => {
  const samples = [
    'héllo wörld',
    '😀🚀 emoji',
    '中文字符 日本語 한국어',
    'OK',
    'T0s=',
    '',
    'nul\u0000byte',
    'a'.repeat(10_000),
  ];

  it.each([
    ['base64 replies (the default)', 'base64'],
    ['plain replies', false],
  ] as const)('UTF-8 strings round-trip exactly with %s', async (_, responseEncoding) => {
    const client = new Redis({
      url: bridge.url,
      token: TOKEN,
      responseEncoding,
      enableAutoPipelining: false,
    });
    for (const value of samples) {
      const key = uniqueKey('utf8');
      await client.set(key, value);
      expect(await client.get(key)).toBe(value);
      expect(await client.mget(key, key)).toEqual([value, value]);
    }
  });

  it('every byte 0x00-0xff comes back intact as base64, including inside arrays', async () => {
    const key = uniqueKey('bytes');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    await withRawRedis((client) => client.set(key, bytes));

    const single = await postRaw('/', ['GET', key], BASE64);
    expect(single.json).toEqual({ result: bytes.toString('base64') });
    const nested = await postRaw('/', ['MGET', key, uniqueKey('missing')], BASE64);
    expect(nested.json).toEqual({ result: [bytes.toString('base64'), null] });
    const transaction = await postRaw(
      '/multi-exec',
      [
        ['GET', key],
        ['LRANGE', key, 0, -1],
      ],
      BASE64,
    );
    expect(transaction.json).toEqual([
      { result: bytes.toString('base64') },
      { error: expect.stringMatching(/^WRONGTYPE/) },
    ]);
  });

  it('with base64, OK stays plain, integers stay numbers and other strings are encoded', async () => {
    const key = uniqueKey('shapes');
    const commands = [['SET', key, 'OK'], ['GET', key], ['INCR', uniqueKey('n')], ['PING']];
    const replies = await postRaw('/pipeline', commands, BASE64);
    expect(replies.json).toEqual([
      { result: 'OK' },
      { result: toBase64('OK') },
      { result: 1 },
      { result: toBase64('PONG') },
    ]);
    // @upstash/redis base64-decodes every string nested in an array, status replies included.
    const nested = await postRaw(
      '/',
      ['EVAL', "return {redis.status_reply('OK'), 'OK'}", 0],
      BASE64,
    );
    expect(nested.json).toEqual({ result: [toBase64('OK'), toBase64('OK')] });
    const plain = await postRaw('/', ['GET', key]);
    expect(plain.json).toEqual({ result: 'OK' });
  });

  it('JSON numbers in arguments are sent as strings', async () => {
    const key = uniqueKey('numbers');
    const raw = await postRaw('/pipeline', [
      ['SET', key, 1.5],
      ['INCRBYFLOAT', key, 2],
      ['EXPIRE', key, 60],
    ]);
    expect(raw.json).toEqual([{ result: 'OK' }, { result: '3.5' }, { result: 1 }]);
  });

  it('accepts a 5 MiB value', async () => {
    const key = uniqueKey('large');
    const value = 'x'.repeat(5 * 1024 * 1024);
    await redis.set(key, value);
    expect(await redis.strlen(key)).toBe(value.length);
  });
});

describe('HTTP surface', () => {
  it('rejects a wrong or missing token with 401', async () => {
    const wrong = new Redis({
      url: bridge.url,
      token: 'wrong-token',
      enableAutoPipelining: false,
      retry: false,
    });
    await expect(wrong.get('anything')).rejects.toThrow(/Unauthorized/);
    const missing = await fetch(bridge.url, { method: 'POST', body: '["PING"]' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'Unauthorized' });
    const stats = await fetch(`${bridge.url}/__stats`);
    expect(stats.status).toBe(401);
  });

  it('answers malformed bodies with 400 and a JSON error', async () => {
    for (const body of ['not json', '{"a":1}', '[]', '[{"x":1}]', '[["GET"], 5]']) {
      const path = body.startsWith('[[') ? '/pipeline' : '/';
      const raw = await postRaw(path, body);
      expect(raw.status, body).toBe(400);
      expect(raw.json, body).toEqual({ error: expect.any(String) });
    }
    expect((await postRaw('/', ['MULTI'])).status).toBe(400);
    expect((await postRaw('/nowhere', ['PING'])).status).toBe(404);
  });

  it('answers 413 for bodies over 10 MiB', async () => {
    const raw = await postRaw('/', ['SET', uniqueKey('huge'), 'x'.repeat(11 * 1024 * 1024)]);
    expect(raw.status).toBe(413);
  });

  it('sends a fresh upstash-sync-token with every reply', async () => {
    const first = await postRaw('/', ['PING']);
    const second = await postRaw('/', ['PING']);
    expect(Number(second.headers.get('upstash-sync-token'))).toBeGreaterThan(
      Number(first.headers.get('upstash-sync-token')),
    );
  });

  it('counts requests and commands, and resets the counters', async () => {
    const authorization = { authorization: `Bearer ${TOKEN}` };
    await fetch(`${bridge.url}/__stats/reset`, { method: 'POST', headers: authorization });
    await postRaw('/pipeline', [['PING'], ['PING'], ['PING']]);
    await postRaw('/', ['PING']);
    const stats = await fetch(`${bridge.url}/__stats`, { headers: authorization });
    expect(await stats.json()).toEqual({ httpRequests: 2, commands: 4 });
    expect(bridge.stats).toEqual({ httpRequests: 2, commands: 4 });
  });

  it('200 concurrent requests all get their own correct result', async () => {
    const counter = uniqueKey('concurrent');
    const keys = Array.from({ length: 200 }, (_, index) => uniqueKey(`c${index}`));
    const [sets, increments] = await Promise.all([
      Promise.all(keys.map((key, index) => redis.set(key, `value-${index}`))),
      Promise.all(keys.map(() => redis.incr(counter))),
    ]);
    expect(sets.every((reply) => reply === 'OK')).toBe(true);
    expect([...increments].sort((a, b) => a - b)).toEqual(keys.map((_, index) => index + 1));
    const values = await Promise.all(keys.map((key) => redis.get(key)));
    expect(values).toEqual(keys.map((_, index) => `value-${index}`));
    const pipelined = await Promise.all(keys.map((key) => batched.get(key)));
    expect(pipelined).toEqual(values);
  });
});

describe('@upstash/ratelimit through the bridge', () => {
  const limit = 5;
  const attempts = 12;
  const algorithms = [
    ['fixedWindow', () => Ratelimit.fixedWindow(limit, '1 h'), false],
    ['slidingWindow', () => Ratelimit.slidingWindow(limit, '1 h'), false],
    ['tokenBucket', () => Ratelimit.tokenBucket(1, '1 h', limit), false],
    ['cachedFixedWindow', () => Ratelimit.cachedFixedWindow(limit, '1 h'), new Map()],
  ] as const;

  it.each(algorithms)(
    '%s admits exactly 5 of 12 concurrent requests',
    async (_, limiter, cache) => {
      const ratelimit = new Ratelimit({
        redis: batched,
        limiter: limiter(),
        prefix: uniqueKey('ratelimit'),
        ephemeralCache: cache,
        timeout: 10_000,
      });
      const id = randomUUID();
      const results = await Promise.all(
        Array.from({ length: attempts }, () => ratelimit.limit(id)),
      );
      await Promise.all(results.map((result) => result.pending));
      expect(results.filter((result) => result.success)).toHaveLength(limit);
      expect(results.every((result) => result.reason === undefined)).toBe(true);
      expect((await ratelimit.limit(id)).success).toBe(false);
      expect((await ratelimit.limit(randomUUID())).success).toBe(true);
    },
  );
});

describe('Redis restart', () => {
  it('fails fast while Redis is down and recovers by itself when it is back', async () => {
    const ratelimit = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(2, '1 h'),
      prefix: uniqueKey('restart'),
      ephemeralCache: false,
    });
    expect((await ratelimit.limit('warm-up')).success).toBe(true);

    await server.stop();
    const startedAt = Date.now();
    await expect(redis.get(uniqueKey('down'))).rejects.toThrow(/redis unavailable/);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    const raw = await postRaw('/pipeline', [['PING'], ['PING']]);
    expect(raw.status).toBe(503);
    expect(raw.json).toEqual({ error: expect.stringMatching(/redis unavailable/) });

    await server.restart();
    const deadline = Date.now() + 10_000;
    while ((await redis.ping().catch(() => undefined)) !== 'PONG') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const key = uniqueKey('after-restart');
    expect(await redis.set(key, 'back')).toBe('OK');
    expect(await batched.get(key)).toBe('back');
    // Redis lost its script cache; the bridge still knows the limiter's script.
    const results = await Promise.all([1, 2, 3].map(() => ratelimit.limit('after')));
    expect(results.map((result) => result.success).sort()).toEqual([false, true, true]);
  }, 30_000);
});
