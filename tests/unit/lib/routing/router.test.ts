import { describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config/load';
import { GatewayError } from '@/lib/errors';
import { createCatalog } from '@/lib/providers/catalog';
import { type Candidate, listCandidates } from '@/lib/routing/candidates';
import type { CircuitState } from '@/lib/routing/circuit';
import {
  type Attempt,
  maxRetryAfterWaitMs,
  type RouteAttempt,
  type RouterDependencies,
  route,
} from '@/lib/routing/router';
import { createFakeClock, createMemoryCircuits } from './fakes';

const routing = {
  firstTokenTimeoutMs: 1_000,
  requestTimeoutMs: 10_000,
  circuitFailureThreshold: 2,
  circuitWindowMs: 60_000,
  circuitCooldownMs: 5_000,
};

const config = loadConfig({
  GATEWAY_CONFIG: JSON.stringify({
    providers: {
      a: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1' },
      b: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:2/v1' },
      c: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:3/v1' },
    },
    models: {
      'x/main': {
        targets: [
          { provider: 'a', model: 'm' },
          { provider: 'b', model: 'm' },
        ],
        fallbacks: ['x/backup'],
      },
      'x/weighted': {
        targets: [
          { provider: 'a', model: 'w', weight: 3 },
          { provider: 'b', model: 'w', weight: 1 },
        ],
        fallbacks: ['x/backup'],
      },
      'x/backup': { targets: [{ provider: 'c', model: 'm' }] },
      'x/single': { targets: [{ provider: 'a', model: 'single' }] },
    },
    routing,
  }),
});
const catalog = createCatalog({ config });

async function candidatesOf(model: string): Promise<Candidate[]> {
  return listCandidates(await catalog.resolve(model), { config, catalog });
}

const retryable = (status: number, retryAfterSeconds?: number) =>
  new GatewayError('upstream_error', `HTTP ${status}`, {
    retryable: true,
    upstreamStatus: status,
    retryAfterSeconds,
  });

/** Rejects only when its signal aborts, like a target that never sends a byte. */
const hang = ({ signal }: RouteAttempt) =>
  new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted upstream')), { once: true });
  });

type Behaviour = (attempt: RouteAttempt) => Promise<string>;

/** A router with fake clock and in-memory circuits; each target key answers per `behaviours`. */
function setup(behaviours: Record<string, Behaviour | Behaviour[]>, random?: () => number) {
  const clock = createFakeClock();
  const { breaker, calls } = createMemoryCircuits({ ...routing }, clock.now);
  const deferred: Promise<unknown>[] = [];
  const seen: RouteAttempt[] = [];
  const deps: RouterDependencies = {
    circuits: breaker,
    now: clock.now,
    sleep: clock.sleep,
    random,
    requestTimeoutMs: routing.requestTimeoutMs,
    firstTokenTimeoutMs: routing.firstTokenTimeoutMs,
    defer: (task) => deferred.push(task),
  };
  const turns = new Map<string, number>();
  const attempt = (routed: RouteAttempt) => {
    seen.push(routed);
    const key = routed.candidate.key;
    const turn = turns.get(key) ?? 0;
    turns.set(key, turn + 1);
    const behaviour = behaviours[key];
    const chosen = Array.isArray(behaviour)
      ? behaviour[Math.min(turn, behaviour.length - 1)]
      : behaviour;
    if (!chosen) throw new Error(`no behaviour for ${key}`);
    return chosen(routed);
  };
  return { clock, breaker, calls, deferred, seen, deps, attempt };
}

const served = (text: string) => async () => text;
const fails = (error: GatewayError) => async () => Promise.reject(error);
const outcomes = (attempts: Attempt[]) =>
  attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`);

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('the routing did not fail');
}

describe('route: order', () => {
  it('tries the targets in order, then the fallback model, and returns the first that serves', async () => {
    const { deps, attempt } = setup({
      'a/m': fails(retryable(500)),
      'b/m': fails(retryable(503)),
      'c/m': served('from c'),
    });
    const routed = await route(await candidatesOf('x/main'), attempt, deps);
    expect(routed.result).toBe('from c');
    expect(routed.candidate.modelId).toBe('x/backup');
    expect(outcomes(routed.attempts)).toEqual(['a:failed', 'b:failed', 'c:served']);
    expect(routed.attempts.map((tried) => tried.status)).toEqual([500, 503, undefined]);
  });

  it('hands every attempt made to onFailure and throws upstream_error when all fail', async () => {
    const { deps, attempt, calls } = setup({
      'a/m': fails(retryable(500)),
      'b/m': fails(retryable(502)),
      'c/m': fails(retryable(429, 30)),
    });
    let reported: Attempt[] = [];
    const error = await failureOf(
      route(await candidatesOf('x/main'), attempt, deps, {
        onFailure: (attempts) => {
          reported = attempts;
        },
      }),
    );
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('3 tried');
    // The last provider's long Retry-After is passed on to the client.
    expect(error.retryAfterSeconds).toBe(30);
    expect(outcomes(reported)).toEqual(['a:failed', 'b:failed', 'c:failed']);
    expect(calls.recordFailure).toEqual(['a/m', 'b/m', 'c/m']);
  });

  it('draws each model its weighted order and keeps the fallback models after', async () => {
    const order: string[] = [];
    const failing = (routed: RouteAttempt) => {
      order.push(routed.candidate.key);
      return Promise.reject(retryable(500));
    };
    const high = setup({ 'a/w': failing, 'b/w': failing, 'c/m': failing }, () => 0.9);
    await failureOf(route(await candidatesOf('x/weighted'), high.attempt, high.deps));
    // 0.9 of a total weight of 4 lands in b's quarter; a is what is left.
    expect(order).toEqual(['b/w', 'a/w', 'c/m']);
    order.length = 0;
    const low = setup({ 'a/w': failing, 'b/w': failing, 'c/m': failing }, () => 0.1);
    await failureOf(route(await candidatesOf('x/weighted'), low.attempt, low.deps));
    expect(order).toEqual(['a/w', 'b/w', 'c/m']);
  });
});

describe('route: circuits', () => {
  it('skips an open circuit without calling its target', async () => {
    const { deps, attempt, seen } = setup({ 'a/m': served('a'), 'b/m': served('b') });
    const states: CircuitState[] = ['open', 'closed', 'closed'];
    const routed = await route(await candidatesOf('x/main'), attempt, deps, {
      circuitStates: Promise.resolve(states),
    });
    expect(routed.result).toBe('b');
    expect(outcomes(routed.attempts)).toEqual(['a:skipped', 'b:served']);
    expect(seen.map((routedAttempt) => routedAttempt.candidate.key)).toEqual(['b/m']);
  });

  it('uses the states it is given instead of checking the circuits again', async () => {
    const { deps, attempt, calls } = setup({ 'a/m': served('a') });
    await route(await candidatesOf('x/main'), attempt, deps, {
      circuitStates: Promise.resolve<CircuitState[]>(['closed', 'closed', 'closed']),
    });
    expect(calls.check).toBe(0);
    await route(await candidatesOf('x/main'), attempt, deps);
    expect(calls.check).toBe(1);
  });

  it('answers no_provider_available when every circuit is open', async () => {
    const { deps, attempt, seen } = setup({});
    const error = await failureOf(
      route(await candidatesOf('x/main'), attempt, deps, {
        circuitStates: Promise.resolve<CircuitState[]>(['open', 'open', 'open']),
      }),
    );
    expect(error.code).toBe('no_provider_available');
    expect(error.status).toBe(503);
    expect(seen).toHaveLength(0);
  });

  it('opens a circuit after repeated failures; once cooled down one probe closes it on success', async () => {
    let answerProbe = () => {};
    const probeAnswered = new Promise<string>((resolve) => {
      answerProbe = () => resolve('back');
    });
    const { deps, attempt, calls, clock, breaker, deferred, seen } = setup({
      'a/single': [fails(retryable(500)), fails(retryable(500)), () => probeAnswered],
    });
    const candidates = await candidatesOf('x/single');
    for (let index = 0; index < routing.circuitFailureThreshold; index++) {
      await failureOf(route(candidates, attempt, deps));
    }
    expect(await breaker.peek(['a/single'])).toEqual(['open']);
    const skipped = await failureOf(route(candidates, attempt, deps));
    expect(skipped.code).toBe('no_provider_available');
    expect(seen).toHaveLength(routing.circuitFailureThreshold);

    clock.advance(routing.circuitCooldownMs);
    const probe = route(candidates, attempt, deps);
    await clock.sleeping(routing.firstTokenTimeoutMs);
    // The probe is claimed: a concurrent request still sees the circuit open.
    expect(await breaker.check(['a/single'])).toEqual(['open']);
    answerProbe();
    expect((await probe).result).toBe('back');
    await Promise.all(deferred);
    expect(calls.recordSuccess).toEqual(['a/single']);
    expect(await breaker.peek(['a/single'])).toEqual(['closed']);
  });

  it('reopens the circuit for a full cool-down when the probe fails', async () => {
    const { deps, attempt, clock, breaker, calls } = setup({ 'a/single': fails(retryable(503)) });
    const candidates = await candidatesOf('x/single');
    for (let index = 0; index < routing.circuitFailureThreshold; index++) {
      await failureOf(route(candidates, attempt, deps));
    }
    clock.advance(routing.circuitCooldownMs);
    const failed = await failureOf(route(candidates, attempt, deps));
    expect(failed.code).toBe('upstream_error');
    expect(calls.recordFailure).toHaveLength(routing.circuitFailureThreshold + 1);
    clock.advance(routing.circuitCooldownMs - 1);
    expect(await breaker.peek(['a/single'])).toEqual(['open']);
    clock.advance(1);
    expect(await breaker.peek(['a/single'])).toEqual(['probe']);
  });
});

describe('route: failures', () => {
  it("returns a provider's non-retryable refusal at once, without touching the circuit", async () => {
    const refusal = new GatewayError('upstream_error', 'HTTP 400', { upstreamStatus: 400 });
    const { deps, attempt, seen, calls } = setup({ 'a/m': fails(refusal), 'b/m': served('b') });
    let reported: Attempt[] = [];
    const error = await failureOf(
      route(await candidatesOf('x/main'), attempt, deps, {
        onFailure: (attempts) => {
          reported = attempts;
        },
      }),
    );
    expect(error).toBe(refusal);
    expect(seen).toHaveLength(1);
    expect(calls.recordFailure).toEqual([]);
    expect(outcomes(reported)).toEqual(['a:failed']);
  });

  it('abandons a target with no first byte within the timeout and moves on', async () => {
    const { deps, attempt, clock, seen, calls } = setup({ 'a/m': hang, 'b/m': served('b') });
    const pending = route(await candidatesOf('x/main'), attempt, deps);
    await clock.sleeping(routing.firstTokenTimeoutMs);
    expect(seen).toHaveLength(1);
    clock.advance(routing.firstTokenTimeoutMs);
    const routed = await pending;
    expect(routed.result).toBe('b');
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(seen[0]?.signal.reason).toMatchObject({ code: 'upstream_timeout' });
    expect(routed.attempts[0]).toMatchObject({ outcome: 'timeout', latencyMs: 1_000 });
    expect(calls.recordFailure).toEqual(['a/m']);
    // The served attempt's timer was cancelled: nothing is left to fire.
    expect(clock.pending()).toEqual([]);
    expect(seen[1]?.signal.aborted).toBe(false);
  });

  it('answers upstream_timeout when every target timed out', async () => {
    const { deps, attempt, clock } = setup({ 'a/m': hang, 'b/m': hang, 'c/m': hang });
    const pending = failureOf(route(await candidatesOf('x/main'), attempt, deps));
    for (let index = 0; index < 3; index++) {
      await clock.sleeping(routing.firstTokenTimeoutMs);
      clock.advance(routing.firstTokenTimeoutMs);
    }
    const error = await pending;
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
  });

  it('waits out one short Retry-After when no other target is left, then tries again', async () => {
    const { deps, attempt, clock, seen } = setup({
      'a/single': [fails(retryable(429, 2)), fails(retryable(429, 2)), served('late')],
    });
    const pending = failureOf(route(await candidatesOf('x/single'), attempt, deps));
    await clock.sleeping(2_000);
    expect(seen).toHaveLength(1);
    clock.advance(2_000);
    // The second 429 is not waited out: one wait per request.
    const error = await pending;
    expect(seen).toHaveLength(2);
    expect(error.code).toBe('upstream_error');
    expect(error.retryAfterSeconds).toBe(2);
  });

  it('serves after the Retry-After wait when the target has recovered', async () => {
    const { deps, attempt, clock } = setup({
      'a/single': [fails(retryable(429, 2)), served('after the wait')],
    });
    const pending = route(await candidatesOf('x/single'), attempt, deps);
    await clock.sleeping(2_000);
    clock.advance(2_000);
    const routed = await pending;
    expect(routed.result).toBe('after the wait');
    expect(outcomes(routed.attempts)).toEqual(['a:failed', 'a:served']);
  });

  it('does not wait out a Retry-After longer than the limit, nor one while a target is left', async () => {
    const seconds = maxRetryAfterWaitMs / 1000 + 1;
    const long = setup({ 'a/single': fails(retryable(429, seconds)) });
    const error = await failureOf(route(await candidatesOf('x/single'), long.attempt, long.deps));
    expect(error.retryAfterSeconds).toBe(seconds);
    expect(long.seen).toHaveLength(1);

    const next = setup({ 'a/m': fails(retryable(429, 1)), 'b/m': served('b') });
    const routed = await route(await candidatesOf('x/main'), next.attempt, next.deps);
    expect(routed.result).toBe('b');
    expect(next.seen).toHaveLength(2);
  });

  it('gives each attempt what is left of the deadline and tries nothing past it', async () => {
    const { deps, attempt, clock, seen } = setup({ 'a/m': hang, 'b/m': hang, 'c/m': hang });
    const error = failureOf(
      route(await candidatesOf('x/main'), attempt, { ...deps, requestTimeoutMs: 1_500 }),
    );
    await clock.sleeping(1_000);
    clock.advance(1_000);
    await clock.sleeping(500);
    expect(seen.map((routed) => routed.timeoutMs)).toEqual([1_000, 500]);
    clock.advance(500);
    expect((await error).code).toBe('upstream_timeout');
    expect(seen).toHaveLength(2);
  });

  it('stops at once when the client goes away, aborting the attempt and blaming no target', async () => {
    const { deps, attempt, clock, seen, calls } = setup({ 'a/m': hang, 'b/m': served('b') });
    const client = new AbortController();
    let reported: Attempt[] = [];
    const pending = failureOf(
      route(await candidatesOf('x/main'), attempt, deps, {
        signal: client.signal,
        onFailure: (attempts) => {
          reported = attempts;
        },
      }),
    );
    await clock.sleeping(routing.firstTokenTimeoutMs);
    client.abort();
    await pending;
    expect(seen).toHaveLength(1);
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(outcomes(reported)).toEqual(['a:aborted']);
    expect(calls.recordFailure).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('keeps the served attempt following the client, so its abort reaches the upstream call', async () => {
    const { deps, attempt, seen } = setup({ 'a/m': served('a') });
    const client = new AbortController();
    await route(await candidatesOf('x/main'), attempt, deps, { signal: client.signal });
    expect(seen[0]?.signal.aborted).toBe(false);
    client.abort();
    expect(seen[0]?.signal.aborted).toBe(true);
  });
});
