// A local stand-in for the Upstash Redis REST API in front of a real Redis, so code written for
// `@upstash/redis` and `@upstash/ratelimit` runs unchanged in development and tests.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient, ErrorReply, RESP_TYPES } from 'redis';

const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

// Commands that change or block the one connection every request shares.
const UNSUPPORTED = new Set(
  [
    'MULTI EXEC DISCARD WATCH UNWATCH SELECT SWAPDB HELLO AUTH RESET QUIT MONITOR SYNC PSYNC',
    'SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE',
    'BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT WAITAOF',
  ]
    .join(' ')
    .split(' '),
);

/**
 * @typedef {object} BridgeStats Live counters; `/__stats` requests are not counted.
 * @property {number} httpRequests Requests received on `/`, `/pipeline` and `/multi-exec`.
 * @property {number} commands Redis commands clients asked for (each pipeline entry counts).
 */

/**
 * @typedef {object} Bridge
 * @property {string} url Base URL to hand to `new Redis({ url, token })`.
 * @property {number} port
 * @property {BridgeStats} stats
 * @property {() => Promise<void>} close Stops listening, then disconnects from Redis.
 */

/** @typedef {{ result: unknown } | { error: string }} CommandReply */

/** @typedef {{ value: unknown } | { error: unknown }} Outcome */

/**
 * What Redis is sent for one client command.
 * @typedef {object} PreparedCommand
 * @property {string[]} args
 * @property {string[]} [fallback] Sent instead when Redis answers `NOSCRIPT` to `args`.
 * @property {Buffer} [reply] Replaces Redis's reply on success.
 */

/** A refusal with its HTTP status, raised before anything reaches Redis. */
class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Starts the bridge and connects it to Redis.
 * @param {{ redisUrl: string, token: string, port?: number, host?: string }} options
 *   `port` defaults to 0 (a free port), `host` to 127.0.0.1.
 * @returns {Promise<Bridge>}
 */
export async function startBridge({ redisUrl, token, port = 0, host = '127.0.0.1' }) {
  if (!token) throw new Error('startBridge: a token is required');
  const redis = await connectRedis(redisUrl);
  const scripts = createScriptRegistry();
  const expectedAuthorization = sha256(`Bearer ${token}`);
  /** @type {BridgeStats} */
  const stats = { httpRequests: 0, commands: 0 };
  let syncToken = 0;

  /** @param {string[]} args */
  const send = (args) => withTimeout(redis.sendCommand(args), `redis did not answer ${args[0]}`);

  /** @param {string[]} command */
  async function runCommand(command) {
    const prepared = prepareCommand(command, scripts);
    const result = await send(prepared.args).catch((error) => {
      if (prepared.fallback && isNoScript(error)) return send(prepared.fallback);
      throw error;
    });
    return prepared.reply ?? result;
  }

  /**
   * MULTI, the commands and EXEC are queued in one synchronous burst on the shared connection,
   * so no other request's command can land inside the transaction.
   * @param {string[][]} commands
   * @returns {Promise<Outcome[]>} one outcome per command; rejects if the EXEC did not run
   */
  async function runTransaction(commands) {
    // A transaction cannot retry on NOSCRIPT, so known scripts go in as EVAL.
    const prepared = commands.map((command) => prepareCommand(command, scripts));
    const chainId = Symbol('multi-exec');
    const replies = [
      redis.sendCommand(['MULTI'], { chainId }),
      ...prepared.map(({ args, fallback }) => redis.sendCommand(fallback ?? args, { chainId })),
      redis.sendCommand(['EXEC'], { chainId }),
    ];
    const settled = await withTimeout(Promise.allSettled(replies), 'redis did not answer EXEC');
    // The first refusal is the cause: a command refused at queue time makes EXEC fail too.
    const refused = settled.find((outcome) => outcome.status === 'rejected');
    if (refused) throw refused.reason;
    const exec = settled.at(-1);
    const results = exec?.status === 'fulfilled' && Array.isArray(exec.value) ? exec.value : [];
    return results.map((result, index) =>
      result instanceof ErrorReply
        ? { error: result }
        : { value: prepared[index]?.reply ?? result },
    );
  }

  /** @param {import('node:http').IncomingMessage} request */
  async function respond(request) {
    const path = new URL(request.url ?? '/', 'http://bridge').pathname;
    const authorized = timingSafeEqual(
      sha256(request.headers.authorization ?? ''),
      expectedAuthorization,
    );
    if (path === '/__stats' || path === '/__stats/reset') {
      if (!authorized) throw new HttpError(401, 'Unauthorized');
      if (path === '/__stats/reset' && request.method === 'POST') {
        stats.httpRequests = 0;
        stats.commands = 0;
      } else if (path !== '/__stats' || request.method !== 'GET') {
        throw new HttpError(405, 'Method Not Allowed');
      }
      return { status: 200, body: { ...stats } };
    }

    stats.httpRequests += 1;
    if (!authorized) throw new HttpError(401, 'Unauthorized');
    if (request.method !== 'POST') throw new HttpError(405, 'Method Not Allowed');
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec') {
      throw new HttpError(404, `Not Found: ${path}`);
    }
    const body = parseJson(await readBody(request));
    const base64 = String(request.headers['upstash-encoding']).toLowerCase() === 'base64';

    if (path === '/') {
      const command = parseCommand(body);
      stats.commands += 1;
      return toSingleResponse(await settle(runCommand(command)), base64);
    }
    if (!Array.isArray(body) || body.length === 0) {
      throw new HttpError(400, 'ERR expected a non-empty JSON array of commands');
    }
    const commands = body.map(parseCommand);
    stats.commands += commands.length;
    if (path === '/pipeline') {
      const outcomes = await Promise.all(commands.map((command) => settle(runCommand(command))));
      return toBatchResponse(outcomes, base64);
    }
    const transaction = await settle(runTransaction(commands));
    return 'value' in transaction
      ? toBatchResponse(transaction.value, base64)
      : toSingleResponse(transaction, base64);
  }

  const server = createServer((request, response) => {
    respond(request)
      .catch((error) =>
        error instanceof HttpError
          ? { status: error.status, body: { error: error.message } }
          : { status: 500, body: { error: `bridge error: ${messageOf(error)}` } },
      )
      .then(({ status, body }) => {
        syncToken += 1;
        response.writeHead(status, {
          'content-type': 'application/json',
          'upstash-sync-token': String(syncToken),
        });
        response.end(JSON.stringify(body));
      })
      .catch(() => response.destroy());
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  }).catch(async (error) => {
    redis.destroy();
    throw error;
  });
  server.on('error', (error) => console.error(`upstash bridge: ${messageOf(error)}`));
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    stats,
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeIdleConnections();
      });
      redis.destroy();
    },
  };
}

/**
 * Connects with buffers for bulk strings (values are bytes) while status replies stay JS
 * strings, which is how `OK` is told apart from a stored "OK". Commands fail fast while Redis is
 * unreachable instead of queueing, and reconnection is retried forever.
 * @param {string} url
 */
async function connectRedis(url) {
  const redis = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000),
    },
  });
  let wasReady = false;
  let reportedOutage = false;
  redis.on('ready', () => {
    if (reportedOutage) console.warn('upstash bridge: reconnected to redis');
    wasReady = true;
    reportedOutage = false;
  });
  redis.on('error', (error) => {
    if (!wasReady || reportedOutage) return;
    reportedOutage = true;
    console.warn(`upstash bridge: lost redis (${messageOf(error)}), reconnecting`);
  });
  try {
    await withTimeout(redis.connect(), `could not connect to ${url}`, CONNECT_TIMEOUT_MS);
  } catch (error) {
    redis.destroy();
    throw error;
  }
  return redis;
}

/**
 * `@upstash/ratelimit` scripts begin with `#!lua flags=allow-key-locking`, a flag Redis 7.0
 * rejects. Redis runs the script without that line, while clients keep using the SHA1 of the
 * text they sent, so the registry maps each client SHA1 to what Redis actually runs.
 */
function createScriptRegistry() {
  /** @type {Map<string, { text: string, sha: string }>} */
  const byClientSha = new Map();
  return {
    /** @param {string} original */
    remember(original) {
      // The shebang line becomes an empty line so Lua error line numbers stay right.
      const text = original.replace(/^#!lua[^\n]*/, '');
      const clientSha = sha1(original);
      const script = { text, sha: sha1(text) };
      byClientSha.set(clientSha, script);
      return { clientSha, ...script };
    },
    /** @param {string} clientSha */
    lookup: (clientSha) => byClientSha.get(clientSha.toLowerCase()),
  };
}

/**
 * @param {string[]} command
 * @param {ReturnType<typeof createScriptRegistry>} scripts
 * @returns {PreparedCommand}
 */
function prepareCommand(command, scripts) {
  const [name = '', first = '', ...rest] = command;
  const upper = name.toUpperCase();
  if (UNSUPPORTED.has(upper)) {
    throw new ErrorReply(`ERR '${upper}' is not supported by the local Upstash bridge`);
  }
  if (upper === 'EVAL' || upper === 'EVAL_RO') {
    return { args: [upper, scripts.remember(first).text, ...rest] };
  }
  if (upper === 'EVALSHA' || upper === 'EVALSHA_RO') {
    const known = scripts.lookup(first);
    if (!known) return { args: command };
    const evalName = upper === 'EVALSHA' ? 'EVAL' : 'EVAL_RO';
    return { args: [upper, known.sha, ...rest], fallback: [evalName, known.text, ...rest] };
  }
  if (upper === 'SCRIPT' && first.toUpperCase() === 'LOAD' && rest.length === 1) {
    const script = scripts.remember(rest[0] ?? '');
    return { args: ['SCRIPT', 'LOAD', script.text], reply: Buffer.from(script.clientSha) };
  }
  if (upper === 'SCRIPT' && first.toUpperCase() === 'EXISTS') {
    return { args: ['SCRIPT', 'EXISTS', ...rest.map((sha) => scripts.lookup(sha)?.sha ?? sha)] };
  }
  return { args: command };
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @returns {Promise<{ value: T } | { error: unknown }>}
 */
function settle(promise) {
  return promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
}

/**
 * Redis refusing a command is the client's problem (400, like Upstash); Redis being unreachable
 * or slow is ours (503).
 * @param {Outcome} outcome
 * @param {boolean} base64
 */
function toSingleResponse(outcome, base64) {
  if ('value' in outcome)
    return { status: 200, body: { result: encodeReply(outcome.value, base64) } };
  if (outcome.error instanceof ErrorReply)
    return { status: 400, body: { error: outcome.error.message } };
  return { status: 503, body: { error: `redis unavailable: ${messageOf(outcome.error)}` } };
}

/**
 * @param {Outcome[]} outcomes
 * @param {boolean} base64
 */
function toBatchResponse(outcomes, base64) {
  const outage = outcomes.find(
    (outcome) => 'error' in outcome && !(outcome.error instanceof ErrorReply),
  );
  if (outage) return toSingleResponse(outage, base64);
  /** @type {CommandReply[]} */
  const replies = outcomes.map((outcome) =>
    'value' in outcome
      ? { result: encodeReply(outcome.value, base64) }
      : { error: messageOf(outcome.error) },
  );
  return { status: 200, body: replies };
}

/**
 * With `Upstash-Encoding: base64` every string is base64 except a top-level `OK` status, which
 * `@upstash/redis` checks for verbatim; it base64-decodes every string nested in an array, so
 * nested statuses are encoded too.
 * @param {unknown} value
 * @param {boolean} base64
 * @param {boolean} [nested]
 * @returns {unknown}
 */
function encodeReply(value, base64, nested = false) {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString(base64 ? 'base64' : 'utf8');
  if (Array.isArray(value)) return value.map((item) => encodeReply(item, base64, true));
  if (typeof value === 'number') return value;
  const text = value instanceof Error ? value.message : String(value);
  if (!base64 || (text === 'OK' && !nested)) return text;
  return Buffer.from(text).toString('base64');
}

/**
 * @param {unknown} value
 * @returns {string[]}
 */
function parseCommand(value) {
  const valid =
    Array.isArray(value) &&
    typeof value[0] === 'string' &&
    value.every((arg) => ['string', 'number', 'boolean'].includes(typeof arg));
  if (!valid) {
    throw new HttpError(400, 'ERR a command must be a JSON array of strings and numbers');
  }
  return value.map(String);
}

/** @param {string} text */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'ERR request body is not valid JSON');
  }
}

/**
 * Reads the whole body even when it is too large, so the 413 reply can still be written.
 * @param {import('node:http').IncomingMessage} request
 * @returns {Promise<string>}
 */
function readBody(request) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    request.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `ERR request body is larger than ${MAX_BODY_BYTES} bytes`));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
  });
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {string} message
 * @param {number} [ms]
 * @returns {Promise<T>}
 */
function withTimeout(promise, message, ms = COMMAND_TIMEOUT_MS) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  /** @type {Promise<never>} */
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** @param {unknown} error */
function isNoScript(error) {
  return error instanceof ErrorReply && error.message.startsWith('NOSCRIPT');
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** @param {string} text */
function sha1(text) {
  return createHash('sha1').update(text).digest('hex');
}

/** @param {string} text */
function sha256(text) {
  return createHash('sha256').update(text).digest();
}

async function main() {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string' },
      token: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  if (!values.redis || !values.token) {
    console.error(
      'usage: node scripts/upstash-bridge.mjs --redis redis://127.0.0.1:6379 --token TOKEN [--port N] [--host H]',
    );
    process.exit(2);
  }
  const bridge = await startBridge({
    redisUrl: values.redis,
    token: values.token,
    port: Number(values.port),
    host: values.host,
  });
  console.log(`upstash bridge listening on ${bridge.url}`);
  const shutdown = () => bridge.close().finally(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`upstash bridge: ${messageOf(error)}`);
    process.exit(1);
  });
}
