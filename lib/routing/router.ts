import { GatewayError, toGatewayError } from '@/lib/errors';
import { type Candidate, orderByWeight } from './candidates';
import type { CircuitBreaker, CircuitState } from './circuit';

/** A provider's Retry-After up to this long is waited out when no other target is left. */
export const maxRetryAfterWaitMs = 2_000;

/** One try of one target, kept with the request for attribution. */
export interface Attempt {
  model: string;
  provider: string;
  outcome: 'served' | 'failed' | 'timeout' | 'skipped' | 'aborted';
  /** The provider's HTTP status, when it answered with an error. */
  status?: number;
  latencyMs: number;
}

/** What one attempt is handed: the target to try and how long it has. */
export interface RouteAttempt {
  candidate: Candidate;
  /** Time the target has for its first answer byte; the router enforces it through `signal`. */
  timeoutMs: number;
  /**
   * Aborts when the client goes away or the first-byte timeout passes. After the attempt has
   * served it keeps following the client, so it can stay the upstream request's signal.
   */
  signal: AbortSignal;
}

export interface RouterDependencies {
  circuits: CircuitBreaker;
  now: () => number;
  /** Resolves after `ms`; rejects early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Draws weighted target orders. Default: Math.random. */
  random?: () => number;
  /** Deadline of the whole request, every attempt and wait included. */
  requestTimeoutMs: number;
  /** Time each target has to produce its first answer byte. */
  firstTokenTimeoutMs: number;
  /** Hands work that may finish after the response (closing a probed circuit) to the platform. */
  defer: (task: Promise<unknown>) => void;
}

export interface RouteOptions {
  /** The client's signal: its abort stops the routing at once. */
  signal?: AbortSignal;
  /**
   * The circuit state of each candidate, in the order given. Pass `checkCircuits(...)` issued in
   * the same synchronous burst as other Redis work (admission) to share its round trip; without
   * it the router checks the circuits itself.
   */
  circuitStates?: Promise<CircuitState[]>;
  /** Called with every attempt made, just before the final error is thrown. */
  onFailure?: (attempts: Attempt[], error: GatewayError) => void;
}

export interface Routed<Result> {
  result: Result;
  candidate: Candidate;
  attempts: Attempt[];
}

/** The candidates' circuit states, claiming a probe where a cool-down is over; all closed when the store fails. */
export function checkCircuits(
  circuits: CircuitBreaker,
  candidates: Candidate[],
): Promise<CircuitState[]> {
  return circuits
    .check(candidates.map((candidate) => candidate.key))
    .catch(() => candidates.map(() => 'closed' as const));
}

/** `setTimeout` as a promise that an abort ends early: the default `sleep`. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Entry {
  candidate: Candidate;
  state: CircuitState;
}

/**
 * Tries the candidates in order (each model's targets in their weighted order, then the
 * fallbacks') until one attempt resolves, which it does once its target has produced a first
 * answer byte. Open circuits are skipped; a retryable failure counts against the target's
 * circuit and moves on, a non-retryable one ends the routing at once; a short Retry-After is
 * waited out once when no other target is left; nothing is tried past the request deadline.
 * On failure it throws the final GatewayError: the provider's own refusal, `upstream_timeout`
 * when every target timed out, `upstream_error`, or `no_provider_available`.
 */
export async function route<Result>(
  candidates: Candidate[],
  attempt: (attempt: RouteAttempt) => Promise<Result>,
  deps: RouterDependencies,
  { signal, circuitStates, onFailure }: RouteOptions = {},
): Promise<Routed<Result>> {
  const states = await (circuitStates ?? checkCircuits(deps.circuits, candidates));
  const queue = orderEntries(
    candidates.map((candidate, index) => ({ candidate, state: states[index] ?? 'closed' })),
    deps.random,
  );
  const deadline = deps.now() + deps.requestTimeoutMs;
  const attempts: Attempt[] = [];
  let lastError: GatewayError | undefined;
  let waitedOutRetryAfter = false;

  for (let index = 0; index < queue.length; index++) {
    const { candidate, state } = queue[index] as Entry;
    const tried = { model: candidate.modelId, provider: candidate.target.provider };
    if (state === 'open') {
      attempts.push({ ...tried, outcome: 'skipped', latencyMs: 0 });
      continue;
    }
    const remaining = deadline - deps.now();
    if (remaining <= 0 || signal?.aborted) break;
    const startedAt = deps.now();
    try {
      const timeoutMs = Math.min(deps.firstTokenTimeoutMs, remaining);
      const result = await attemptWithin(attempt, { candidate, timeoutMs }, deps.sleep, signal);
      attempts.push({ ...tried, outcome: 'served', latencyMs: deps.now() - startedAt });
      if (state === 'probe') deps.defer(deps.circuits.recordSuccess(candidate.key));
      return { result, candidate, attempts };
    } catch (error) {
      const latencyMs = deps.now() - startedAt;
      // The client went away: not the target's fault, and nobody is left to answer.
      if (signal?.aborted) {
        attempts.push({ ...tried, outcome: 'aborted', latencyMs });
        break;
      }
      lastError = toGatewayError(error);
      const outcome = lastError.code === 'upstream_timeout' ? 'timeout' : 'failed';
      attempts.push({ ...tried, outcome, status: lastError.upstreamStatus, latencyMs });
      // A provider's refusal of the request itself (400, 401, 403, 404, 422) would be every
      // target's answer: it goes back to the client at once, and says nothing about the target.
      if (!lastError.retryable) break;
      // Recorded before moving on (it is the failure path anyway), so the very next request
      // already sees a circuit this failure opened.
      await deps.circuits.recordFailure(candidate.key).catch(() => {});
      // With no other target left, a short Retry-After (a 429's) is cheaper to wait out than
      // to fail the request; a long one is passed on to the client instead.
      const waitMs = (lastError.retryAfterSeconds ?? Number.POSITIVE_INFINITY) * 1000;
      const otherTargetLeft = queue.slice(index + 1).some((entry) => entry.state !== 'open');
      if (
        !otherTargetLeft &&
        !waitedOutRetryAfter &&
        waitMs <= maxRetryAfterWaitMs &&
        deps.now() + waitMs < deadline
      ) {
        waitedOutRetryAfter = true;
        const waited = await deps.sleep(waitMs, signal).then(
          () => true,
          () => false,
        );
        if (!waited) break;
        index--;
      }
    }
  }

  const failure = signal?.aborted ? clientGone() : finalFailure(lastError, attempts);
  onFailure?.(attempts, failure);
  throw failure;
}

/** Each model's targets in their weighted order; the models themselves keep theirs. */
function orderEntries(entries: Entry[], random?: () => number): Entry[] {
  const groups: Entry[][] = [];
  for (const entry of entries) {
    const group = groups.at(-1);
    if (group && group[0]?.candidate.modelId === entry.candidate.modelId) group.push(entry);
    else groups.push([entry]);
  }
  return groups.flatMap((group) =>
    orderByWeight(group, (entry) => entry.candidate.target.weight, random),
  );
}

/**
 * Runs one attempt under its own signal, which aborts with the client or when the first-byte
 * timeout passes; the attempt is abandoned at that moment even if it ignores its signal.
 */
async function attemptWithin<Result>(
  attempt: (attempt: RouteAttempt) => Promise<Result>,
  { candidate, timeoutMs }: { candidate: Candidate; timeoutMs: number },
  sleepFor: RouterDependencies['sleep'],
  signal: AbortSignal | undefined,
): Promise<Result> {
  const controller = new AbortController();
  const followClient = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', followClient, { once: true });
  let answered = false;
  const timer = new AbortController();
  sleepFor(timeoutMs, timer.signal).then(
    // A timer that fires as the answer arrives must not abort the attempt that served. The error
    // is made only when it fires: capturing a stack on every attempt shows in the profile.
    () =>
      answered ||
      controller.abort(
        new GatewayError('upstream_timeout', `No first token within ${timeoutMs} ms.`, {
          retryable: true,
        }),
      ),
    () => {},
  );
  const abandoned = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
      once: true,
    });
  });
  const pending = Promise.resolve()
    .then(() => attempt({ candidate, timeoutMs, signal: controller.signal }))
    .then((result) => {
      answered = true;
      return result;
    });
  // Whichever loses the race may still reject later; that is expected and not an error.
  abandoned.catch(() => {});
  pending.catch(() => {});
  try {
    return await Promise.race([pending, abandoned]);
  } catch (error) {
    signal?.removeEventListener('abort', followClient);
    // Closes whatever the failed attempt left open upstream.
    controller.abort(error);
    throw error;
  } finally {
    timer.abort();
  }
}

function clientGone(): GatewayError {
  return new GatewayError('upstream_error', 'The client went away before the answer began.');
}

function finalFailure(lastError: GatewayError | undefined, attempts: Attempt[]): GatewayError {
  if (!lastError) {
    return new GatewayError(
      'no_provider_available',
      'Every target of this model is unavailable right now.',
      { retryable: true, retryAfterSeconds: 5 },
    );
  }
  if (!lastError.retryable) return lastError;
  const tried = attempts.filter((attempt) => attempt.outcome !== 'skipped');
  if (tried.length > 0 && tried.every((attempt) => attempt.outcome === 'timeout')) {
    return new GatewayError('upstream_timeout', 'No provider sent a first token in time.', {
      retryable: true,
    });
  }
  return new GatewayError('upstream_error', `Every provider failed (${tried.length} tried).`, {
    retryable: true,
    retryAfterSeconds: lastError.retryAfterSeconds,
    cause: lastError,
  });
}
