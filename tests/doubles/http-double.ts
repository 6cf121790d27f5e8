import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** A tool call the upstream answers with instead of text. */
export interface ToolCallBehavior {
  name: string;
  /** Sent as JSON text; a string is sent as is (so a test can send malformed arguments). */
  arguments: Record<string, unknown> | string;
  /** Default `call_double_<request index>`. */
  id?: string;
  /**
   * Call the tool only when the request offers a tool of that name (an agent's side requests,
   * titles or quota checks, then get text). Default false: always.
   */
  onlyWhenOffered?: boolean;
}

/**
 * Knobs shared by every test upstream. Each request reads a snapshot taken when it arrives, so
 * `setBehavior` never changes an answer already under way.
 */
export interface UpstreamBehavior {
  /** Delay before the status line and headers. Default 0. */
  latencyMs: number;
  /** Delay between the headers (plus any framing events) and the first content chunk. Default 0. */
  firstChunkDelayMs: number;
  /** Content chunks per answer; each text chunk is exactly one token (see `contentChunk`). Default 5. */
  chunkCount: number;
  /** Delay between two content chunks. Default 0. */
  chunkDelayMs: number;
  /** Answer with this status and `errorBody` instead of a completion. Default undefined (200). */
  status: number | undefined;
  /** JSON body of an error answer. Default: the protocol's own error body for `status`. */
  errorBody: unknown;
  /** `retry-after` header value sent with an error answer. Default undefined (not sent). */
  retryAfter: string | undefined;
  /**
   * Destroy the socket after this many content chunks: no finish event, no usage, no `[DONE]`.
   * A non-streaming answer is cut halfway through its JSON body. Default undefined (never).
   */
  cutAfterChunks: number | undefined;
  /** Read the request and never answer until the client goes away. Default false. */
  hang: boolean;
  /**
   * Answer with this tool call, unless the last message of the prompt is a tool result (so an
   * SDK tool loop gets a text answer on its second step). Default undefined (text).
   */
  toolCall: ToolCallBehavior | undefined;
  /** Reported input tokens. Default 17. */
  promptTokens: number;
  /** Reported output tokens. Default undefined: the number of content chunks sent. */
  completionTokens: number | undefined;
  /** Reported cached (cache-read) input tokens, part of `promptTokens`. Default undefined (0). */
  cachedTokens: number | undefined;
  /**
   * Answer with this text (a JSON object for structured output, say), split into `chunkCount`
   * chunks, instead of the counted words. Default undefined.
   */
  answerText: string | undefined;
}

export const defaultUpstreamBehavior: UpstreamBehavior = {
  latencyMs: 0,
  firstChunkDelayMs: 0,
  chunkCount: 5,
  chunkDelayMs: 0,
  status: undefined,
  errorBody: undefined,
  retryAfter: undefined,
  cutAfterChunks: undefined,
  hang: false,
  toolCall: undefined,
  promptTokens: 17,
  completionTokens: undefined,
  cachedTokens: undefined,
  answerText: undefined,
};

/** One request as the upstream received it. */
export interface RecordedRequest {
  index: number;
  method: string;
  /** Path and query as sent, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names, as Node parses them. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  receivedAt: number;
  /** The whole response was handed to the socket. */
  completed: boolean;
  /** When the connection closed before the response completed (client abort or a cut). */
  closedAt: number | undefined;
  /** The double cut the connection itself (`cutAfterChunks`). */
  cut: boolean;
  /** Status of the answer once its headers were sent. */
  status: number | undefined;
}

/** What a route handler gets for one request. */
export interface Exchange<B extends UpstreamBehavior> {
  request: IncomingMessage;
  response: ServerResponse;
  record: RecordedRequest;
  behavior: Readonly<B>;
  /** Aborted when the connection closes before the response completed. */
  signal: AbortSignal;
}

export type Route<B extends UpstreamBehavior> = (exchange: Exchange<B>) => Promise<void> | void;

export interface HttpDouble<B extends UpstreamBehavior> {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** The origin plus the protocol's base path: what a client takes as its base URL. */
  readonly baseURL: string;
  /** Every request received since start or the last `reset()`, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Sockets currently open to the server, idle keep-alive ones included. */
  readonly openConnections: number;
  /** Requests neither completed nor closed. */
  readonly inFlight: number;
  readonly behavior: Readonly<B>;
  setBehavior(partial: Partial<B>): void;
  /** Back to the behavior given at start, and an empty request log. */
  reset(): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
  /** Resolves when request `index` closes before completing; rejects if it completes instead. */
  waitForClose(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

export interface HttpDoubleOptions<B extends UpstreamBehavior> {
  /** Path prefix of every route, e.g. `/v1`. */
  basePath: string;
  behavior: B;
  /** Keyed by `METHOD /path` relative to `basePath`, e.g. `POST /chat/completions`. */
  routes: Record<string, Route<B>>;
  /** Keyed by `METHOD /path` from the origin, for a server with a second base path. */
  absoluteRoutes?: Record<string, Route<B>>;
  /** Body of the 404 for a path no route serves. */
  notFoundBody: (path: string) => unknown;
}

export async function startHttpDouble<B extends UpstreamBehavior>(
  options: HttpDoubleOptions<B>,
): Promise<HttpDouble<B>> {
  const initialBehavior: B = { ...options.behavior };
  let behavior: B = { ...initialBehavior };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const updates = new EventEmitter();

  const server = createServer((request, response) => {
    void handleRequest(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      index: -1,
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body: undefined,
      receivedAt: Date.now(),
      completed: false,
      closedAt: undefined,
      cut: false,
      status: undefined,
    };
    const controller = new AbortController();
    response.on('finish', () => {
      record.completed = true;
      updates.emit('update');
    });
    response.on('close', () => {
      if (!response.writableFinished) {
        record.closedAt ??= Date.now();
        controller.abort();
      }
      updates.emit('update');
    });

    try {
      record.body = parseBody(await readBody(request));
    } catch {
      return;
    }
    // Logged once the body is in, so a test that sees the record can read the body; the index
    // is the position in the log, so `requests[i].index === i`.
    record.index = requests.length;
    requests.push(record);
    updates.emit('update');

    const pathname = new URL(record.path, 'http://double').pathname;
    const relative = pathname.startsWith(options.basePath)
      ? pathname.slice(options.basePath.length)
      : undefined;
    const route =
      options.absoluteRoutes?.[`${record.method} ${pathname}`] ??
      (relative === undefined ? undefined : options.routes[`${record.method} ${relative}`]);
    const exchange: Exchange<B> = {
      request,
      response,
      record,
      behavior: { ...behavior },
      signal: controller.signal,
    };
    try {
      if (route === undefined) sendJson(exchange, 404, options.notFoundBody(pathname));
      else await route(exchange);
    } catch (error) {
      if (!response.headersSent) {
        sendJson(exchange, 500, { error: { message: String(error), type: 'double_error' } });
      } else {
        response.destroy();
      }
    }
  }

  function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        updates.off('update', attempt);
        settle();
      };
      const attempt = () => {
        try {
          const value = check();
          if (value !== undefined) finish(() => resolve(value));
        } catch (error) {
          finish(() => reject(error));
        }
      };
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)));
      }, timeoutMs);
      updates.on('update', attempt);
      attempt();
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    port,
    baseURL: `${origin}${options.basePath}`,
    get requests() {
      return requests;
    },
    get openConnections() {
      return sockets.size;
    },
    get inFlight() {
      return requests.filter((record) => !record.completed && record.closedAt === undefined).length;
    },
    get behavior() {
      return behavior;
    },
    setBehavior(partial) {
      behavior = { ...behavior, ...partial };
    },
    reset() {
      behavior = { ...initialBehavior };
      requests.length = 0;
    },
    waitForRequests(count, timeoutMs = 2_000) {
      return waitFor(
        () => (requests.length >= count ? requests : undefined),
        timeoutMs,
        `${count} request(s), ${requests.length} so far`,
      );
    },
    waitForClose(index, timeoutMs = 2_000) {
      return waitFor(
        () => {
          const record = requests.find((candidate) => candidate.index === index);
          if (record?.closedAt !== undefined) return record;
          if (record?.completed) throw new Error(`request ${index} completed instead of closing`);
          return undefined;
        },
        timeoutMs,
        `request ${index} to close`,
      );
    },
    async close() {
      if (!server.listening) return;
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A base URL on which nothing listens, for connection-refused tests. */
export async function closedPortUrl(basePath = '/v1'): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}${basePath}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Waits `ms`; false when the connection closed meanwhile. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function sendJson<B extends UpstreamBehavior>(
  exchange: Exchange<B>,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  exchange.record.status = status;
  exchange.response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  exchange.response.end(text);
}

/**
 * Everything before the answer itself: `hang`, `latencyMs`, and an error `status`.
 * Returns true when the caller should go on and answer.
 */
export async function beginAnswer<B extends UpstreamBehavior>(
  exchange: Exchange<B>,
  defaultErrorBody: (status: number) => unknown,
): Promise<boolean> {
  const { behavior, signal } = exchange;
  if (behavior.hang) {
    if (!signal.aborted) await once(signal, 'abort');
    return false;
  }
  if (!(await pause(behavior.latencyMs, signal))) return false;
  const { status } = behavior;
  if (status !== undefined && status !== 200) {
    const headers: Record<string, string> =
      behavior.retryAfter === undefined ? {} : { 'retry-after': behavior.retryAfter };
    sendJson(exchange, status, behavior.errorBody ?? defaultErrorBody(status), headers);
    return false;
  }
  return true;
}

/** A non-streaming answer: sent after the time a stream of `chunkCount` chunks would take. */
export async function sendCompletion<B extends UpstreamBehavior>(
  exchange: Exchange<B>,
  body: unknown,
  chunkCount: number,
): Promise<void> {
  const { behavior, signal, response, record } = exchange;
  const generationMs =
    behavior.firstChunkDelayMs + behavior.chunkDelayMs * Math.max(0, chunkCount - 1);
  if (!(await pause(generationMs, signal))) return;
  if (behavior.cutAfterChunks === undefined) {
    sendJson(exchange, 200, body);
    return;
  }
  const text = JSON.stringify(body);
  record.status = 200;
  response.writeHead(200, { 'content-type': 'application/json' });
  await write(response, text.slice(0, Math.floor(text.length / 2)));
  cut(exchange);
}

/** An SSE answer: framing events, paced content events, closing events. Each item is one `data:`. */
export interface SseScript {
  lead: string[];
  chunks: string[];
  tail: string[];
}

export async function streamSse<B extends UpstreamBehavior>(
  exchange: Exchange<B>,
  script: SseScript,
): Promise<void> {
  const { behavior, signal, response, record } = exchange;
  record.status = 200;
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // Headers go out now, so a client sees the stream open before the first chunk's delay.
  response.flushHeaders();
  for (const data of script.lead) await writeEvent(response, data);
  if (!(await pause(behavior.firstChunkDelayMs, signal))) return;
  for (const [index, data] of script.chunks.entries()) {
    if (behavior.cutAfterChunks !== undefined && index >= behavior.cutAfterChunks) {
      cut(exchange);
      return;
    }
    if (index > 0 && !(await pause(behavior.chunkDelayMs, signal))) return;
    await writeEvent(response, data);
  }
  if (behavior.cutAfterChunks !== undefined && behavior.cutAfterChunks <= script.chunks.length) {
    cut(exchange);
    return;
  }
  for (const data of script.tail) await writeEvent(response, data);
  response.end();
}

/** An item that starts with `event: ` is a whole named event (Anthropic's framing). */
function writeEvent(response: ServerResponse, data: string): Promise<void> {
  return write(response, data.startsWith('event: ') ? `${data}\n\n` : `data: ${data}\n\n`);
}

/** Resolves once the bytes reach the socket, so a cut right after never loses them. */
function write(response: ServerResponse, text: string): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    response.write(text, () => resolve());
  });
}

function cut<B extends UpstreamBehavior>(exchange: Exchange<B>): void {
  exchange.record.cut = true;
  exchange.response.destroy();
}

/**
 * Single-token words: with a leading space each is exactly one token in both `cl100k_base` and
 * `o200k_base`, and BPE never merges across the space, so N chunks are exactly N tokens.
 */
const words = (
  'one two three four five six seven eight nine ten red green blue apple river stone ' +
  'cloud light house water music paper table chair window garden bird tree road city ocean forest'
).split(' ');

/** Text chunk `index` of every answer: ` one`, ` two`, …, cycling after 32. One token each. */
export function contentChunk(index: number): string {
  return ` ${words[index % words.length]}`;
}

/** The whole text of an answer of `count` chunks: ` one two three…`, exactly `count` tokens. */
export function contentText(count: number): string {
  return Array.from({ length: count }, (_, index) => contentChunk(index)).join('');
}

/** What an upstream answers with, decided once per request from the behavior and the request. */
export type PlannedAnswer =
  | { kind: 'text'; chunks: string[]; truncated: boolean }
  | { kind: 'tool-call'; id: string; name: string; input: string; inputChunks: string[] };

export interface PlannedUsage {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

export function planAnswer(
  behavior: UpstreamBehavior,
  request: {
    index: number;
    maxOutputTokens: number | undefined;
    lastRole: string | undefined;
    /** Names of the tools the request offers. */
    offeredTools?: string[];
  },
): { answer: PlannedAnswer; usage: PlannedUsage } {
  const { toolCall } = behavior;
  const offered =
    toolCall !== undefined &&
    (!toolCall.onlyWhenOffered || (request.offeredTools ?? []).includes(toolCall.name));
  let answer: PlannedAnswer;
  if (toolCall !== undefined && offered && request.lastRole !== 'tool') {
    const input =
      typeof toolCall.arguments === 'string'
        ? toolCall.arguments
        : JSON.stringify(toolCall.arguments);
    answer = {
      kind: 'tool-call',
      id: toolCall.id ?? `call_double_${request.index}`,
      name: toolCall.name,
      input,
      inputChunks: splitText(input, Math.max(1, behavior.chunkCount)),
    };
  } else if (behavior.answerText !== undefined) {
    answer = {
      kind: 'text',
      chunks: splitText(behavior.answerText, Math.max(1, behavior.chunkCount)),
      truncated: false,
    };
  } else {
    // Every chunk is one token, so a token cap is a chunk cap, as a real model stops at it.
    const cap = request.maxOutputTokens ?? Number.POSITIVE_INFINITY;
    const count = Math.min(behavior.chunkCount, cap);
    answer = {
      kind: 'text',
      chunks: Array.from({ length: count }, (_, index) => contentChunk(index)),
      truncated: count < behavior.chunkCount,
    };
  }
  const sent = answer.kind === 'text' ? answer.chunks.length : answer.inputChunks.length;
  return {
    answer,
    usage: {
      promptTokens: behavior.promptTokens,
      cachedTokens: behavior.cachedTokens ?? 0,
      completionTokens: behavior.completionTokens ?? sent,
    },
  };
}

function splitText(text: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const result: string[] = [];
  for (let start = 0; start < text.length; start += size)
    result.push(text.slice(start, start + size));
  return result.length > 0 ? result : [''];
}
