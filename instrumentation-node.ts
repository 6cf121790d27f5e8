import { type IncomingMessage, Server, type ServerResponse } from 'node:http';

/** Methods the Fetch API cannot represent: Next fails on them with a 500 before any app code. */
const unrepresentableMethods = new Set(['TRACE', 'TRACK']);

let guarded = false;

/**
 * Two guards on every request the Node.js HTTP server receives:
 * - A `TRACE` (or `TRACK`) request is answered 405 in the error shape: `new Request()` throws on
 *   these methods, so Next would answer 500 before middleware runs.
 * - A client that disconnects mid-request (the Stop button) makes Node destroy the request with
 *   `Error: aborted` (ECONNRESET). Nobody listens for errors on the request by then, so it
 *   surfaces as an `uncaughtException` on every abort. An abort is not a fault:
 *   `request.signal` already tells the route, which cancels its upstream call. So that one
 *   error, on a request nobody listens to, is dropped; the log keeps its uncaught exceptions
 *   for real faults.
 */
export function guardHttpServer(): void {
  if (guarded) return;
  guarded = true;
  const emit = Server.prototype.emit;
  Server.prototype.emit = function guardedEmit(
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (event === 'request') {
      const [request, response] = args as [IncomingMessage, ServerResponse];
      ignoreClientAbort(request);
      if (unrepresentableMethods.has(request.method ?? '')) {
        refuseMethod(request, response);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
}

function refuseMethod(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    error: {
      message: `The method ${request.method} is not supported.`,
      type: 'invalid_request_error',
      code: 'invalid_request',
      param: null,
    },
  });
  response.writeHead(405, {
    'content-type': 'application/json',
    allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  });
  response.end(body);
}

type Emit = IncomingMessage['emit'];

/**
 * Drops the `Error: aborted` (ECONNRESET) of a request whose client went away, when nobody
 * listens for it. Whoever replaces the request's `emit` later (Next wraps it) is kept behind
 * the guard: the property is an accessor, so the guard stays first.
 */
function ignoreClientAbort(request: IncomingMessage): void {
  const original = request.emit;
  let current: Emit = original;
  let inside = false;
  const guard = function guardedEmit(
    this: IncomingMessage,
    event: string | symbol,
    ...args: unknown[]
  ) {
    const error = args[0] as NodeJS.ErrnoException | undefined;
    if (event === 'error' && error?.code === 'ECONNRESET' && this.listenerCount('error') === 0) {
      return false;
    }
    // A wrapper installed later calls the emit it found, which is this guard again.
    if (inside) return Reflect.apply(original, this, [event, ...args]) as boolean;
    inside = true;
    try {
      return Reflect.apply(current, this, [event, ...args]) as boolean;
    } finally {
      inside = false;
    }
  } as Emit;
  Object.defineProperty(request, 'emit', {
    configurable: true,
    get: () => guard,
    set: (replacement: Emit) => {
      current = replacement;
    },
  });
}
